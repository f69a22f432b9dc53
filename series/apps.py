from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class SeriesConfig(AppConfig):
    name = "series"
    verbose_name = "Series"
    # What each role may do with the series' models (accounts.roles syncs the groups on migrate).
    role_permissions = {ADMINS: "*", ORGANIZERS: "*"}
