"""Print every attendee's personal itinerary link: name, role and link, tab-separated."""

import os

from django.core.management.base import BaseCommand, CommandError

from events.models import Attendance, Event
from itineraries.links import itinerary_path

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Print each attendee's name, role and personal itinerary link, tab-separated. The base "
        f"URL comes from --base-url, else ROUNDS_BASE_URL, else {DEFAULT_BASE_URL}."
    )

    def add_arguments(self, parser):
        parser.add_argument("event", help="The event's id or exact name.")
        parser.add_argument("--base-url", default=None, help="e.g. https://rounds.example.org")

    def handle(self, *args, event, base_url, **options):
        found = self.find_event(event)
        base = (base_url or os.environ.get("ROUNDS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        attendances = (
            Attendance.objects.filter(event=found)
            .select_related("clinician")
            .order_by("clinician__last_name", "clinician__first_name", "pk")
        )
        for attendance in attendances:
            clinician = attendance.clinician
            link = base + itinerary_path(attendance=attendance)
            self.stdout.write(f"{clinician.full_name}\t{clinician.get_role_display()}\t{link}")

    def find_event(self, value: str) -> Event:
        events = Event.objects.filter(name=value)
        if value.isdigit():
            events = Event.objects.filter(pk=int(value)) | events
        events = list(events[:2])
        if not events:
            raise CommandError(f"No event with the id or name {value!r}.")
        if len(events) > 1:
            raise CommandError(f"Several events match {value!r}: give its id.")
        return events[0]
