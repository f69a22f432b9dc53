"""``manage.py rebuild_connections``: the connection ledger's evenings written again from every
finished event's published schedule and check-ins (after an upgrade, a merge of clinicians,
or a check-in corrected after the event)."""

from django.core.management.base import BaseCommand

from rotations.services.ledger import rebuild_connections


class Command(BaseCommand):
    help = "Rebuild who met whom at every finished event (the connection ledger's evenings)."

    def handle(self, *args, **options):
        events, meetings = rebuild_connections()
        self.stdout.write(
            f"Recorded {meetings} meeting{'s' if meetings != 1 else ''} at "
            f"{events} finished event{'s' if events != 1 else ''}."
        )
