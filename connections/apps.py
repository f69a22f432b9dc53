from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Connections"
    # No role permissions: the ledger is derived from what happened (the apps above write it
    # from their records), so nobody edits it by hand, and organizers see it only through
    # pages that keep to their regions. Superusers can read it in the admin.
