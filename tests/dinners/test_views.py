import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from connections.models import Meeting
from dinners import services, tasks
from dinners.models import Dinner, DinnerQuestion, DinnerSeason, SignUp
from tests.accounts.helpers import make_admin, make_organizer
from tests.factories import make_clinician

from .conftest import BASE_URL, in_days, join_everyone, make_season

pytestmark = pytest.mark.django_db


def test_organizer_creates_a_season(client, world):
    client.force_login(make_organizer(world.north))

    response = client.post(
        reverse("dinners:create"),
        {
            "name": "Autumn dinners",
            "starts_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "every_weeks": 2,
            "dinners_count": 12,
            "weekdays": ["tue", "thu"],
            "min_size": 6,
            "max_size": 8,
            "budget_per_person": "20.00",
            "regions": [world.north.pk],
            "sign_up_by": in_days(10).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    season = DinnerSeason.objects.get(name="Autumn dinners")
    assert (response.status_code, response.url) == (302, season.get_absolute_url())
    assert (season.weekdays, list(season.regions.all())) == (["tue", "thu"], [world.north])
    assert (
        AuditEntry.objects.filter(
            action="dinners.season_created", target=f"dinner season {season.pk}"
        ).count()
        == 1
    )


def test_sign_up_page_saves_the_answers(client, world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    ann, bob = world.north_people[:2]
    sign_up = SignUp.objects.get(clinician=ann)
    url = reverse("dinners:signup", kwargs={"token": sign_up.token})

    response = client.post(
        url,
        {
            "joining": "yes",
            "weekdays": ["wed"],
            "reach": [world.milton.pk],
            "host": "yes",
            "not_with": [bob.pk],
        },
    )

    sign_up.refresh_from_db()
    assert (response.status_code, response.url) == (302, url)
    assert (sign_up.status, sign_up.weekdays, sign_up.host) == ("joined", ["wed"], "yes")
    assert list(sign_up.not_with.all()) == [bob]
    assert response.headers.get("Referrer-Policy") == "same-origin"


def test_sign_up_search_lists_matches_and_saves_nothing(client, world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    sign_up = SignUp.objects.get(clinician=world.north_people[0])

    response = client.post(
        reverse("dinners:signup", kwargs={"token": sign_up.token}),
        {"joining": "yes", "weekdays": ["tue"], "q": "M1", "search": "1"},
    )

    sign_up.refresh_from_db()
    listed = [label for _, label in response.context["form"].fields["not_with"].widget.choices]
    assert (response.status_code, sign_up.status) == (200, "invited")
    assert listed == [str(world.north_people[5])]


def test_private_wishes_are_shown_to_admins_only(client, world):
    join_everyone(world)
    ann, bob = world.north_people[:2]
    SignUp.objects.get(clinician=ann).not_with.add(bob)
    url = reverse("dinners:detail", kwargs={"pk": world.season.pk})

    client.force_login(make_organizer(world.north))
    organizer_page = client.get(url).content.decode()
    client.force_login(make_admin())
    admin_page = client.get(url).content.decode()

    assert ("not with" in organizer_page, f"not with {bob.full_name}" in admin_page) == (
        False,
        True,
    )


def test_form_button_forms_the_groups_in_a_task(client, world, django_capture_on_commit_callbacks):
    join_everyone(world)
    organizer = make_organizer(world.north)
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("dinners:form", kwargs={"season_pk": world.season.pk}))
    groups = tasks.form_groups_task(world.season.pk, organizer.pk)
    page = client.get(reverse("dinners:detail", kwargs={"pk": world.season.pk}))

    assert (len(callbacks), groups) == (1, 2)
    assert "<strong>12 of 12</strong> pairs in your groups are new colleagues" in (
        page.content.decode()
    )


def _host_dinner(world):
    join_everyone(world)
    services.form_dinner_groups(season=world.season)
    dinner = Dinner.objects.order_by("date", "group__number").first()
    dinner.date = timezone.localdate()
    dinner.save()
    return dinner


def test_host_records_attendance_and_claim_with_a_warning(client, world):
    dinner = _host_dinner(world)
    members = sorted(dinner.seats.values_list("clinician_id", flat=True))
    url = reverse("dinners:host", kwargs={"token": dinner.group.host_token})

    response = client.post(
        url,
        {
            "dinner": dinner.pk,
            "coming": members,
            "record_attendance": "on",
            "attended": members[:2],
            "receipt_amount": "55.00",
        },
    )
    page = client.get(response.url).content.decode()

    dinner.refresh_from_db()
    assert (dinner.receipt_amount, Meeting.objects.filter(kind="dinner").count()) == (
        Decimal("55.00"),
        1,
    )
    assert "The receipt is over the budget: the stipend pays $40.00." in page


def test_stipend_csv_and_mark_paid(client, world):
    dinner = _host_dinner(world)
    members = list(dinner.seats.values_list("clinician_id", flat=True))
    services.record_dinner(
        dinner=dinner, coming=members, attended=members, receipt_amount=Decimal("70")
    )
    client.force_login(make_organizer(world.north))

    client.post(
        reverse("dinners:mark_paid", kwargs={"season_pk": world.season.pk, "pk": dinner.pk}),
        {"paid": "1"},
    )
    response = client.get(reverse("dinners:stipends_csv", kwargs={"season_pk": world.season.pk}))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert (len(rows), rows[1][8], rows[1][11]) == (2, "70.00", timezone.localdate().isoformat())
    assert AuditEntry.objects.filter(action="dinners.stipend_paid").count() == 1


def test_admin_adds_a_question_audited(client, db):
    client.force_login(make_admin())

    client.post(
        reverse("dinners:question_create"),
        {
            "text": "What would you tell yourself as a new intern?",
            "topic": "meaning",
            "is_active": "on",
        },
    )

    assert DinnerQuestion.objects.filter(text__startswith="What would you tell").count() == 1
    assert AuditEntry.objects.filter(action="dinners.question_added").count() == 1


def test_season_page_queries_do_not_grow_with_groups(client, world):
    join_everyone(world)
    services.form_dinner_groups(season=world.season)
    client.force_login(make_admin())
    url = reverse("dinners:detail", kwargs={"pk": world.season.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as two_groups:
        client.get(url)
    for _ in range(4):
        clinician = make_clinician(department=world.north_people[0].department)
        SignUp.objects.create(
            season=world.season, clinician=clinician, status="joined", weekdays=["tue"]
        )
    services.form_dinner_groups(season=world.season)

    with CaptureQueriesContext(connection) as three_groups:
        client.get(url)

    assert world.season.groups.count() == 3
    assert len(three_groups) == len(two_groups)


def test_sign_up_page_shows_the_saved_answers(client, world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    ann, bob = world.north_people[:2]
    sign_up = SignUp.objects.get(clinician=ann)
    services.sign_up(sign_up=sign_up, joining=True, weekdays=["wed"], not_with=[bob])

    response = client.get(reverse("dinners:signup", kwargs={"token": sign_up.token}))

    tags = re.findall(r'<input[^>]*name="not_with"[^>]*>', response.content.decode())
    assert [(f'value="{bob.pk}"' in tag, "checked" in tag) for tag in tags] == [(True, True)]


def test_stipend_and_season_lists_keep_their_query_counts(client, world):
    dinner = _host_dinner(world)
    members = list(dinner.seats.values_list("clinician_id", flat=True))
    services.record_dinner(dinner=dinner, coming=members, attended=members, receipt_amount=50)
    client.force_login(make_admin())
    stipends = reverse("dinners:stipends", kwargs={"season_pk": world.season.pk})
    seasons = reverse("dinners:list")
    client.get(stipends)
    with CaptureQueriesContext(connection) as one_claim:
        client.get(stipends)
    with CaptureQueriesContext(connection) as one_season:
        client.get(seasons)
    for days, other in enumerate(Dinner.objects.exclude(pk=dinner.pk)[:3], start=1):
        other.date = timezone.localdate() - datetime.timedelta(days=days)
        other.save()
        services.record_dinner(dinner=other, coming=[], attended=members, receipt_amount=50)
    make_season([world.north, world.south], name="Winter dinners")

    with CaptureQueriesContext(connection) as four_claims:
        client.get(stipends)
    with CaptureQueriesContext(connection) as two_seasons:
        client.get(seasons)

    assert (len(four_claims), len(two_seasons)) == (len(one_claim), len(one_season))
