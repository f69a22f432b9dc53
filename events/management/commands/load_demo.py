"""`python manage.py load_demo`: the demo organisation, an upcoming event and two logins.

Safe to run again: nothing already there is duplicated.
"""

import time

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from clinicians.demo import DEMO_SEED, load_demo_catalogue
from events.demo import load_demo_event

ADMIN_LOGIN = ("admin", "rounds-admin")
ORGANIZER_LOGIN = ("organizer", "rounds-organizer")
ORGANIZERS_GROUP = "Organizers"


def load_demo_users():
    """The demo superuser and organizer, with their demo passwords (reset on every run so
    the printed logins always work). The organizer joins the Organizers group if it exists."""
    User = get_user_model()
    with transaction.atomic():
        admin, _ = User.objects.get_or_create(
            username=ADMIN_LOGIN[0],
            defaults={"first_name": "Ada", "last_name": "Admin", "email": "admin@example.org"},
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password(ADMIN_LOGIN[1])
        admin.save()
        organizer, _ = User.objects.get_or_create(
            username=ORGANIZER_LOGIN[0],
            defaults={
                "first_name": "Olive",
                "last_name": "Organizer",
                "email": "organizer@example.org",
            },
        )
        organizer.is_staff = organizer.is_superuser = False
        organizer.set_password(ORGANIZER_LOGIN[1])
        organizer.save()
        group = Group.objects.filter(name=ORGANIZERS_GROUP).first()
        if group is not None:
            organizer.groups.add(group)
    return admin, organizer, group is not None


class Command(BaseCommand):
    help = "Load the demo organisation, an upcoming demo event and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)

    def handle(self, *args, seed: int, **options):
        started = time.monotonic()
        created = load_demo_catalogue(seed=seed)
        admin, _organizer, in_group = load_demo_users()
        event, event_created = load_demo_event(seed=seed, created_by=admin)
        self.stdout.write(
            "Catalogue: "
            + ", ".join(
                f"{count} new {kind}" for kind, count in created.items() if kind != "regions"
            )
        )
        self.stdout.write(
            f"Event: {event.name} on {event.date:%Y-%m-%d} "
            f"({'created' if event_created else 'already there'}), "
            f"{event.tables.count()} tables, {event.attendances.count()} attendees"
        )
        # The apps above add their own demo data: each AppConfig may name a ``load_demo``
        # function (seed, created_by) -> a line for this output.
        for app_config in apps.get_app_configs():
            loader = getattr(app_config, "load_demo", None)
            if loader:
                self.stdout.write(import_string(loader)(seed=seed, created_by=admin))
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Logins: {ADMIN_LOGIN[0]} / {ADMIN_LOGIN[1]} (admin)   "
                f"{ORGANIZER_LOGIN[0]} / {ORGANIZER_LOGIN[1]} (organizer"
                f"{'' if in_group else '; no Organizers group yet'})"
            )
        )
