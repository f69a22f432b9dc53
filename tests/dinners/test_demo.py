import pytest
from django.core.management import call_command

from dinners.models import Dinner, DinnerSeason

pytestmark = pytest.mark.django_db


def test_load_demo_has_a_dinner_season_with_groups_and_claims_once(capsys):
    call_command("load_demo")
    call_command("load_demo")

    season = DinnerSeason.objects.get()
    claims = Dinner.objects.filter(group__season=season, receipt_amount__isnull=False).count()
    assert (season.status, season.groups.count() > 5, claims) == ("formed", True, 6)
    assert "Dinners (demo) already there" in capsys.readouterr().out
