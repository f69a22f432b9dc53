from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class CliniciansConfig(AppConfig):
    name = "clinicians"
    verbose_name = "Clinicians"
    # What each role may do with the catalogue (accounts.roles syncs the groups on migrate):
    # organizers read it all and keep the clinicians up to date; admins keep the rest.
    role_permissions = {
        ADMINS: "*",
        ORGANIZERS: ["view_*", "add_clinician", "change_clinician"],
    }
