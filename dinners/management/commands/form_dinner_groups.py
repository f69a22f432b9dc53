"""manage.py form_dinner_groups SEASON [--json]: form a dinner season's groups now."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dinners import services
from dinners.models import DinnerSeason


class Command(BaseCommand):
    help = "Form the groups of a dinner season (by id or name) and print the figures."

    def add_arguments(self, parser):
        parser.add_argument("season", help="The season's id or exact name.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument("--time-limit", type=float, default=None, help="Seconds (default 25).")

    def handle(self, *args, **options):
        key = options["season"]
        seasons = DinnerSeason.objects.filter(name=key)
        if key.isdigit():
            seasons = DinnerSeason.objects.filter(pk=int(key)) | seasons
        season = seasons.first()
        if season is None:
            raise CommandError(f"No dinner season has the id or name {key!r}.")
        try:
            result = services.form_dinner_groups(season=season, time_limit_s=options["time_limit"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        grouping = result.grouping
        if options["json"]:
            data = {
                "season": season.pk,
                "status": str(grouping.status),
                "groups": len(grouping.groups),
                "members": grouping.members,
                "pairs": grouping.pairs,
                "new_pairs": grouping.new_pairs,
                "random_new_pairs": grouping.random_new_pairs,
                "random_pairs": grouping.random_pairs,
                "new_pairs_upper_bound": grouping.new_pairs_upper_bound,
                "unplaced": len(grouping.unplaced),
                "solve_seconds": round(grouping.solve_seconds, 3),
            }
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(
                f"{season.name}: {len(grouping.groups)} groups, {grouping.members} members. "
                f"{grouping.summary()}."
            )
