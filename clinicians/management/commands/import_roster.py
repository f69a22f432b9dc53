"""`python manage.py import_roster FILE [--dry-run]`: the web import, from the command line.

Prints one line per bad field and exits 1 when the file has any error (nothing is written);
otherwise writes everything in one transaction and prints the counts.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinicians.roster import parse_roster
from clinicians.services import import_roster


class Command(BaseCommand):
    help = "Import a roster of clinicians from a .csv or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and print what would change."
        )

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        preview = parse_roster(name=file.name, content=content)
        if not preview.is_valid:
            for line in preview.error_lines():
                self.stderr.write(line)
            raise CommandError(
                f"{file.name}: {len(preview.error_lines())} error(s); nothing was imported."
            )
        counts = preview.counts
        if dry_run:
            for row in preview.rows:
                self.stdout.write(f"row {row.number}, {row.email}: {row.status_label}")
            self.stdout.write(
                f"Dry run: {counts['new']} new, {counts['update']} to update, "
                f"{counts['unchanged']} unchanged; nothing was written."
            )
            return
        result = import_roster(preview=preview, actor=None, filename=file.name)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {file.name}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
