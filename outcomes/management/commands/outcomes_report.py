"""Print the outcomes figures (the outcomes page's, for every region or one):

manage.py outcomes_report [--since DATE] [--region NAME] [--json]
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from clinicians.models import Region
from outcomes import figures


class Command(BaseCommand):
    help = "Print reach, connections and survey figures for the finished events of a period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", help="First day counted, YYYY-MM-DD (default: a year before today)."
        )
        parser.add_argument("--region", help="Only this region (its name).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the figures as JSON."
        )

    def handle(self, *args, since=None, region=None, as_json=False, **options):
        since_date = None
        if since:
            try:
                since_date = datetime.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date such as 2026-01-31.") from None
        region_row = None
        if region:
            region_row = Region.objects.filter(name__iexact=region.strip()).first()
            if region_row is None:
                known = ", ".join(Region.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No region is named {region!r} (regions: {known}).")
        result = figures.compute(figures.scope_for(region=region_row, since=since_date))
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        for name, value in result.as_json().items():
            if value is None:
                value = figures.HIDDEN_NOTICE if name in ("recommend_share", "nps") else "–"
            self.stdout.write(f"{name.replace('_', ' ')}: {value}")
