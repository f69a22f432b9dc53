"""``manage.py export_instance EVENT [--output FILE]``: the event as rotation-instance/1 JSON,
for the solver's own command line (``python -m rotations.solver``) or a bug report."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rotations import services
from rotations.management.commands.solve_event import get_event


class Command(BaseCommand):
    help = "Print EVENT (id or exact name) as a rotation-instance/1 JSON document."

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's id or exact name")
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    def handle(self, *args, **options):
        event = get_event(options["event"])
        text = json.dumps(services.export_instance(event=event), indent=1) + "\n"
        if options["output"]:
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    f"{options['output']}: cannot be written ({exc.strerror})"
                ) from None
            self.stdout.write(f"Wrote {options['output']}.")
        else:
            self.stdout.write(text, ending="")
