"""Editing a season: everything before the groups are formed, only the name and the budget
after (the budget until a stipend is paid), each change audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from dinners import services
from dinners.models import Dinner, DinnerSeason, SignUp
from tests.accounts.helpers import make_organizer

from .conftest import BASE_URL, in_days, join_everyone, make_season

pytestmark = pytest.mark.django_db


def _values(season, **changes):
    values = {field: getattr(season, field) for field in services.SEASON_FIELDS}
    values["regions"] = list(season.regions.all())
    values.update(changes)
    return values


def _post_data(season, **changes):
    data = {
        "name": season.name,
        "starts_on": season.starts_on.isoformat(),
        "every_weeks": season.every_weeks,
        "dinners_count": season.dinners_count,
        "weekdays": season.weekdays,
        "min_size": season.min_size,
        "max_size": season.max_size,
        "budget_per_person": str(season.budget_per_person),
        "regions": [r.pk for r in season.regions.all()],
        "sign_up_by": timezone.localtime(season.sign_up_by).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(changes)
    return data


def _formed(world):
    join_everyone(world)
    services.form_dinner_groups(season=world.season)
    world.season.refresh_from_db()
    return world.season


def test_organizer_edits_a_season_before_the_groups_are_formed(client, world):
    client.force_login(make_organizer(world.north))
    starts_on = world.season.starts_on + datetime.timedelta(days=7)
    deadline = in_days(10).replace(second=0, microsecond=0)

    response = client.post(
        reverse("dinners:update", kwargs={"pk": world.season.pk}),
        _post_data(
            world.season,
            starts_on=starts_on.isoformat(),
            every_weeks=3,
            dinners_count=6,
            weekdays=["tue", "thu"],
            min_size=5,
            max_size=7,
            budget_per_person="25.00",
            sign_up_by=timezone.localtime(deadline).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    season = DinnerSeason.objects.get(pk=world.season.pk)
    assert (response.status_code, response.url) == (302, season.get_absolute_url())
    assert (
        season.starts_on,
        season.every_weeks,
        season.dinners_count,
        season.weekdays,
        season.min_size,
        season.max_size,
        season.budget_per_person,
        season.sign_up_by,
    ) == (starts_on, 3, 6, ["tue", "thu"], 5, 7, Decimal("25.00"), deadline)
    entry = AuditEntry.objects.get(action="dinners.season_changed")
    assert entry.details["changed"]["budget_per_person"] == ["20.00", "25.00"]
    assert entry.details["changed"]["weekdays"] == ["Tuesday, Wednesday", "Tuesday, Thursday"]
    assert "budget per person per dinner from 20.00 to 25.00" in entry.message


def test_saving_an_unchanged_season_writes_no_audit_entry(client, world):
    client.force_login(make_organizer(world.north))

    response = client.post(
        reverse("dinners:update", kwargs={"pk": world.season.pk}), _post_data(world.season)
    )

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="dinners.season_changed").exists()


def test_an_organizer_keeps_the_regions_that_are_not_theirs(client, world):
    world.season.regions.add(world.south)
    client.force_login(make_organizer(world.north))

    page = client.get(reverse("dinners:update", kwargs={"pk": world.season.pk}))
    client.post(
        reverse("dinners:update", kwargs={"pk": world.season.pk}),
        _post_data(world.season, regions=[world.north.pk], name="Renamed"),
    )

    season = DinnerSeason.objects.get(pk=world.season.pk)
    assert "Also taking part (not yours to change): South" in page.content.decode()
    assert (season.name, set(season.regions.all())) == ("Renamed", {world.north, world.south})


def test_once_formed_only_the_name_and_budget_change(world):
    season = _formed(world)

    with pytest.raises(ValidationError) as error:
        services.update_season(
            season=season,
            by=None,
            **_values(season, starts_on=season.starts_on + datetime.timedelta(days=7), max_size=6),
        )
    services.update_season(
        season=season, by=None, **_values(season, name="Spring", budget_per_person=Decimal("22"))
    )

    assert error.value.messages == [
        "The groups are formed: the first dinner week and the largest group can no longer "
        "change, because the groups, their evenings and the dates of their dinners are built "
        "from them. Only the name and the budget per person can."
    ]
    season.refresh_from_db()
    assert (season.name, season.budget_per_person, season.max_size) == (
        "Spring",
        Decimal("22.00"),
        4,
    )


def test_the_edit_page_of_a_formed_season_shows_the_fixed_fields_and_ignores_them(client, world):
    season = _formed(world)
    client.force_login(make_organizer(world.north))
    url = reverse("dinners:update", kwargs={"pk": season.pk})

    page = client.get(url).content.decode()
    response = client.post(
        url,
        _post_data(season, name="Spring", every_weeks=4, dinners_count=20, weekdays=["fri"]),
    )

    assert "The groups are formed: the first dinner week, how often the groups meet" in page
    assert 'name="every_weeks"' in page and "disabled" in page
    season.refresh_from_db()
    assert (response.status_code, season.name, season.every_weeks, season.dinners_count) == (
        302,
        "Spring",
        2,
        4,
    )
    assert season.weekdays == ["tue", "wed"]


def test_the_budget_is_fixed_once_a_stipend_is_paid(world):
    season = _formed(world)
    dinner = Dinner.objects.filter(group__season=season).first()
    Dinner.objects.filter(pk=dinner.pk).update(
        date=timezone.localdate(), receipt_amount=Decimal("50"), paid_at=timezone.now()
    )

    with pytest.raises(ValidationError) as error:
        services.update_season(
            season=season, by=None, **_values(season, budget_per_person=Decimal("30"))
        )

    assert error.value.messages == [
        "A stipend of this season is paid: the budget per person can no longer change "
        "(the paid claims were checked against it)."
    ]


def test_a_weekday_someone_chose_stays_offered(world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    for sign_up in SignUp.objects.filter(season=world.season)[:2]:
        services.sign_up(sign_up=sign_up, joining=True, weekdays=["wed"])

    with pytest.raises(ValidationError) as error:
        services.update_season(
            season=world.season, by=None, **_values(world.season, weekdays=["tue"])
        )

    assert error.value.messages == [
        "2 clinicians who signed up chose Wednesday: keep Wednesday evenings offered."
    ]


def test_a_region_whose_clinicians_have_links_stays_in(world):
    world.season.regions.add(world.south)
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)

    with pytest.raises(ValidationError) as error:
        services.update_season(
            season=world.season, by=None, **_values(world.season, regions=[world.north])
        )

    assert error.value.messages == [
        "2 clinicians of the regions you took out already have a sign-up link: keep those regions."
    ]
    assert set(world.season.regions.all()) == {world.north, world.south}


def test_a_new_deadline_must_be_in_the_future(client, world):
    client.force_login(make_organizer(world.north))
    past = timezone.localtime(in_days(-1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("dinners:update", kwargs={"pk": world.season.pk}),
        _post_data(world.season, sign_up_by=past),
    )

    assert response.status_code == 200
    assert "The sign-up deadline must be in the future." in response.content.decode()


def test_a_passed_deadline_left_as_it_is_does_not_block_other_changes(world):
    DinnerSeason.objects.filter(pk=world.season.pk).update(sign_up_by=in_days(-1))
    world.season.refresh_from_db()

    services.update_season(season=world.season, by=None, **_values(world.season, name="Late"))

    assert DinnerSeason.objects.get(pk=world.season.pk).name == "Late"


def test_an_organizer_of_another_region_cannot_edit(client, world):
    client.force_login(make_organizer(world.south))

    response = client.post(
        reverse("dinners:update", kwargs={"pk": world.season.pk}),
        _post_data(world.season, name="Mine"),
    )

    assert response.status_code == 404
    assert DinnerSeason.objects.get(pk=world.season.pk).name == "Spring dinners"


def test_a_season_made_with_make_season_is_editable_from_its_page(client, world):
    other = make_season([world.north], name="Other")
    client.force_login(make_organizer(world.north))

    page = client.get(other.get_absolute_url()).content.decode()

    assert reverse("dinners:update", kwargs={"pk": other.pk}) in page
