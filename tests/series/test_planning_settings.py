"""The organizer's planning settings: the most evenings a specialist anchors (a series) and
how many tables an evening's venue holds, from the forms through the services to the
planner's problem and the series page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from series import planning, services
from series.forms import EveningUpdateForm, SeriesForm, SeriesUpdateForm
from series.models import Evening, Series
from tests.accounts.helpers import make_organizer
from tests.factories import make_table

from .conftest import BASE_URL

pytestmark = pytest.mark.django_db


def evening_form(evening, tables):
    data = {"reply_by": evening.reply_by.strftime("%Y-%m-%dT%H:%M"), "cap": "", "tables": tables}
    return EveningUpdateForm(data, instance=evening)


# --- Forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-2"])
def test_the_series_form_says_a_specialist_anchors_at_least_one_evening(world, value):
    form = SeriesUpdateForm({"name": "Regional evenings", "specialist_max_evenings": value})

    assert form.errors == {"specialist_max_evenings": ["A specialist anchors at least 1 evening."]}


def test_the_series_form_takes_two_evenings_and_creation_defaults_to_one(world):
    form = SeriesUpdateForm(
        {"name": "Regional evenings", "specialist_max_evenings": "2"}, instance=world.series
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["specialist_max_evenings"] == 2

    create = SeriesForm(
        {"name": "Autumn", "starts_on": "2027-09-01", "ends_on": "2027-11-30"},
        user=make_organizer(username="org"),
    )
    assert create.is_valid(), create.errors
    assert create.cleaned_data["specialist_max_evenings"] == 1


@pytest.mark.parametrize("value", ["0", "-1"])
def test_the_evening_form_says_the_venue_holds_at_least_one_table(world, value):
    form = evening_form(world.north_evening, value)

    assert form.errors == {
        "tables": [
            "The venue holds at least 1 table; leave this empty to count the event's tables."
        ]
    }


def test_the_evening_form_names_the_tables_the_event_already_has(world):
    evening = world.north_evening
    for specialty in (world.cardiology, world.dermatology, world.neonatology):
        make_table(event=evening.event, specialty=specialty)

    assert evening_form(evening, "2").errors == {
        "tables": [
            "The event already has 3 tables, so the venue holds at least 3; remove tables "
            "from the event first, or leave this empty to count them."
        ]
    }
    assert evening_form(evening, "3").is_valid()
    empty = evening_form(evening, "")
    assert empty.is_valid() and empty.cleaned_data["tables"] is None


# --- Services ------------------------------------------------------------------------------


def test_update_series_sets_the_most_evenings_and_is_audited(world):
    services.update_series(
        series=world.series, name="Regional evenings", specialist_max_evenings=2, by=world.user
    )

    assert Series.objects.get(pk=world.series.pk).specialist_max_evenings == 2
    entry = AuditEntry.objects.get(action=services.SERIES_CHANGED)
    assert entry.message == (
        "Olive Organizer set Regional evenings: a specialist anchors at most 2 evenings."
    )
    # Saving the same again records nothing.
    services.update_series(
        series=world.series, name="Regional evenings", specialist_max_evenings=2, by=world.user
    )
    assert AuditEntry.objects.filter(action=services.SERIES_CHANGED).count() == 1


def test_update_series_refuses_zero_and_changes_nothing(world):
    with pytest.raises(ValidationError) as refused:
        services.update_series(
            series=world.series, name="Renamed", specialist_max_evenings=0, by=world.user
        )
    assert refused.value.message_dict == {
        "specialist_max_evenings": ["A specialist anchors at least 1 evening."]
    }
    assert Series.objects.get(pk=world.series.pk).name == "Regional evenings"


def test_update_evening_sets_the_tables_and_refuses_fewer_than_set_up(world):
    evening = world.north_evening
    services.update_evening(
        evening=evening, reply_by=evening.reply_by, cap=None, tables=4, base_url=BASE_URL, by=None
    )
    assert Evening.objects.get(pk=evening.pk).tables == 4
    assert (
        "the venue holds 4 tables"
        in AuditEntry.objects.get(action=services.EVENING_CHANGED).message
    )

    make_table(event=evening.event, specialty=world.cardiology)
    make_table(event=evening.event, specialty=world.dermatology)
    with pytest.raises(ValidationError, match="already has 2 tables"):
        services.update_evening(
            evening=evening,
            reply_by=evening.reply_by,
            cap=5,
            tables=1,
            base_url=BASE_URL,
            by=None,
        )
    assert (Evening.objects.get(pk=evening.pk).tables, Evening.objects.get(pk=evening.pk).cap) == (
        4,
        None,
    )


# --- The planner's problem -----------------------------------------------------------------


def test_the_problem_follows_the_settings(world):
    problem = planning.build_series_problem(world.series)
    # As before: no tables set up, so one per specialist who may come; one evening each.
    assert [e.tables for e in problem.evenings] == [3, 3]
    assert {s.max_evenings for s in problem.specialists} == {1}

    services.update_series(
        series=world.series, name=world.series.name, specialist_max_evenings=2, by=None
    )
    Evening.objects.filter(pk=world.north_evening.pk).update(tables=1)
    world.series.refresh_from_db()
    problem = planning.build_series_problem(world.series)

    assert [(e.id, e.tables) for e in problem.evenings] == [
        (planning.evening_id(world.north_evening), 1),
        (planning.evening_id(world.south_evening), 3),
    ]
    assert {s.max_evenings for s in problem.specialists} == {2}


def test_two_evenings_let_the_cardiologist_anchor_both(world):
    # The cardiologist practises at Quincy (North) and Hingham (South): with two evenings
    # allowed, every shared-patient pair meets.
    services.update_series(
        series=world.series, name=world.series.name, specialist_max_evenings=2, by=None
    )
    world.series.refresh_from_db()
    problem = planning.build_series_problem(world.series)
    plan = planning.plan_series(problem, time_limit_s=10)

    cardiologist = planning.specialist_id(world.heart)
    assert sorted(a.evening for a in plan.anchors if a.specialist == cardiologist) == sorted(
        e.id for e in problem.evenings
    )
    assert plan.pairs_meeting == plan.shared_patient_pairs == 5


# --- Pages ---------------------------------------------------------------------------------


def test_the_organizer_edits_the_settings_and_the_series_page_shows_them(client, world):
    client.force_login(make_organizer(username="org"))
    evening = world.south_evening

    response = client.post(
        reverse("series:update", kwargs={"pk": world.series.pk}),
        {"name": "Regional evenings", "specialist_max_evenings": "2"},
    )
    assert (response.status_code, response.url) == (302, world.series.get_absolute_url())
    response = client.post(
        reverse("series:evening_update", kwargs={"series_pk": world.series.pk, "pk": evening.pk}),
        {"reply_by": evening.reply_by.strftime("%Y-%m-%dT%H:%M"), "cap": "", "tables": "6"},
    )
    assert response.status_code == 302

    page = client.get(world.series.get_absolute_url()).content.decode()
    assert "A specialist anchors at most 2 evenings of the season." in page
    assert "The venue holds 6 tables" in page

    refused = client.post(
        reverse("series:update", kwargs={"pk": world.series.pk}),
        {"name": "Regional evenings", "specialist_max_evenings": "0"},
    )
    assert refused.status_code == 200
    assert "A specialist anchors at least 1 evening." in refused.content.decode()
