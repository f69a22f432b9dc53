from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Connections"
    # The ledger is derived from what happened (the apps above write it from their records),
    # so nobody edits it by hand: both roles read it.
    role_permissions = {ADMINS: ["view_*"], ORGANIZERS: ["view_*"]}
