from django.apps import AppConfig

from accounts.roles import ADMINS, ORGANIZERS


class DinnersConfig(AppConfig):
    name = "dinners"
    verbose_name = "Facilitated Dinners"
    # Admins keep the question bank and read the private "not with" wishes; organizers run
    # the seasons (accounts.roles syncs the groups on migrate).
    role_permissions = {
        ADMINS: "*",
        ORGANIZERS: [
            "*_dinnerseason",
            "*_signup",
            "*_dinnergroup",
            "*_dinner",
            "*_dinnerseat",
            "view_dinnerquestion",
        ],
    }
    # manage.py load_demo calls this (events names no app above it).
    load_demo = "dinners.demo.load_demo_dinners"
