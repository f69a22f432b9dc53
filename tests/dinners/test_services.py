import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.csv import safe_csv_row
from accounts.models import AuditEntry
from connections.models import Meeting
from connections.services import record_gathering
from dinners import formation, services
from dinners.models import Dinner, DinnerQuestion, DinnerSeason, DinnerSeat, SignUp
from dinners.queries import participants_since, season_stipends, stipend_csv_rows
from outbox.models import Email

from .conftest import BASE_URL, join_everyone

pytestmark = pytest.mark.django_db


def test_invitations_reach_active_clinicians_of_the_regions_once(world):
    sent = services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    again = services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)

    invited = set(SignUp.objects.values_list("clinician_id", flat=True))
    assert (sent, again, invited) == (8, 0, {c.pk for c in world.north_people})
    assert Email.objects.filter(kind="dinners.sign-up").count() == 8


def test_sign_up_keeps_the_answers(world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    ann, bob = world.north_people[:2]
    sign_up = SignUp.objects.get(clinician=ann)

    services.sign_up(
        sign_up=sign_up,
        joining=True,
        weekdays=["wed", "tue", "fri"],
        reach=[world.quincy],
        host="yes",
        not_with=[bob],
    )

    sign_up.refresh_from_db()
    assert (
        sign_up.status,
        sign_up.weekdays,
        list(sign_up.reach.all()),
        list(sign_up.not_with.all()),
    ) == ("joined", ["tue", "wed"], [world.quincy], [bob])


def test_sign_up_refuses_a_colleague_of_another_region(world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    sign_up = SignUp.objects.get(clinician=world.north_people[0])

    with pytest.raises(ValidationError) as error:
        services.sign_up(
            sign_up=sign_up, joining=True, weekdays=["tue"], not_with=[world.south_people[0]]
        )

    assert error.value.messages == ["Choose colleagues of the season's regions."]


def test_sign_up_is_closed_after_the_deadline(world):
    services.send_sign_up_invitations(season=world.season, base_url=BASE_URL, by=None)
    sign_up = SignUp.objects.get(clinician=world.north_people[0])

    with pytest.raises(ValidationError) as error:
        services.sign_up(
            sign_up=sign_up,
            joining=True,
            weekdays=["tue"],
            now=world.season.sign_up_by + datetime.timedelta(minutes=1),
        )

    assert error.value.messages == ["Sign-up for this season is closed."]


def test_forming_makes_groups_dinners_and_seats_within_the_rules(world):
    join_everyone(world)
    ann, bob = world.north_people[:2]
    SignUp.objects.get(clinician=ann).not_with.add(bob)

    result = services.form_dinner_groups(season=world.season)

    season = DinnerSeason.objects.get(pk=world.season.pk)
    groups = list(season.groups.prefetch_related("members"))
    sizes = sorted(g.members.count() for g in groups)
    together = any({ann, bob} <= set(g.members.all()) for g in groups)
    assert (sizes, together, season.status) == ([4, 4], False, "formed")
    assert (season.pairs, season.new_pairs) == (12, 12)
    # The random baseline is kept whole, so the page can compare shares.
    assert (season.random_pairs, season.random_new_pairs) == (
        result.grouping.random_pairs,
        result.grouping.random_new_pairs,
    )
    assert season.random_pairs > 0
    assert season.new_pairs_percent == 100
    assert result.grouping.members == 8
    assert Dinner.objects.filter(group__season=season).count() == 8
    assert {d.date.weekday() for d in Dinner.objects.all()} == {1}  # Tuesdays
    assert DinnerSeat.objects.count() == 32
    assert all(g.host in g.members.all() for g in groups)


def test_met_weights_come_from_the_ledger(world):
    ann, bob, cat = world.north_people[:3]
    today = datetime.date(2026, 6, 1)
    record_gathering(kind="evening", gathering=1, date=today, meetings=[(ann.pk, bob.pk, 1)])
    record_gathering(kind="dinner", gathering=2, date=today, meetings=[(ann.pk, cat.pk, None)])
    record_gathering(
        kind="dinner",
        gathering=3,
        date=datetime.date(2020, 1, 1),
        meetings=[(bob.pk, cat.pk, None)],
    )

    weights = formation.met_pairs([ann.pk, bob.pk, cat.pk], today=today)

    assert weights == {
        tuple(sorted((ann.pk, bob.pk))): 0.5,
        tuple(sorted((ann.pk, cat.pk))): 1.0,
        tuple(sorted((bob.pk, cat.pk))): 0.25,
    }


def test_questions_never_repeat_within_a_group(world):
    world.season.dinners_count = 12
    world.season.save()
    join_everyone(world)

    services.form_dinner_groups(season=world.season)

    for group in world.season.groups.all():
        questions = list(group.dinners.values_list("question", flat=True))
        assert (len(questions), len(set(questions)), None in questions) == (12, 12, False)


def test_rotation_takes_topics_in_turn_and_runs_out_with_none():
    bank = list(DinnerQuestion.objects.order_by("pk"))

    picked = services.rotate_questions(bank, count=14)

    assert [q.topic for q in picked[:4]] == ["meaning", "balance", "mistakes", "resilience"]
    assert (len(set(picked[:12])), picked[12:]) == (12, [None, None])


def _formed(world, weekdays=("tue",)):
    join_everyone(world, weekdays)
    services.form_dinner_groups(season=world.season)
    return Dinner.objects.filter(group__season=world.season).order_by("date", "group__number")


def test_recording_who_came_feeds_the_ledger(world):
    dinner = _formed(world).first()
    members = sorted(dinner.seats.values_list("clinician_id", flat=True))
    dinner.date = timezone.localdate()
    dinner.save()

    services.record_dinner(dinner=dinner, coming=members, attended=members[:3])

    pairs = set(
        Meeting.objects.filter(kind="dinner", gathering=dinner.pk).values_list(
            "clinician_a", "clinician_b"
        )
    )
    assert pairs == {
        (members[0], members[1]),
        (members[0], members[2]),
        (members[1], members[2]),
    }
    assert participants_since(dinner.date) == set(members[:3])


def test_forming_again_is_refused_once_a_dinner_is_recorded(world):
    dinner = _formed(world).first()
    dinner.date = timezone.localdate()
    dinner.save()
    services.record_dinner(dinner=dinner, coming=[], attended=[])

    with pytest.raises(ValidationError):
        services.form_dinner_groups(season=world.season)


def test_stipend_totals_and_over_budget(world):
    dinners = list(_formed(world))
    for dinner in dinners[:2]:
        dinner.date = timezone.localdate()
        dinner.save()
    first, second = dinners[:2]
    members = list(first.seats.values_list("clinician_id", flat=True))
    services.record_dinner(
        dinner=first, coming=members, attended=members[:3], receipt_amount=Decimal("75.50")
    )
    members = list(second.seats.values_list("clinician_id", flat=True))
    services.record_dinner(
        dinner=second, coming=members, attended=members, receipt_amount=Decimal("70.00")
    )
    services.mark_paid(dinner=second, paid=True, by=None)

    stipends = season_stipends(world.season)

    rows = {row.dinner.pk: row for row in stipends.rows}
    assert (rows[first.pk].budget, rows[first.pk].over_budget, rows[first.pk].payable) == (
        Decimal("60.00"),
        Decimal("15.50"),
        Decimal("60.00"),
    )
    assert (
        stipends.budget,
        stipends.claimed,
        stipends.payable,
        stipends.paid,
        stipends.unpaid,
    ) == (
        Decimal("640.00"),
        Decimal("145.50"),
        Decimal("130.00"),
        Decimal("70.00"),
        Decimal("60.00"),
    )
    assert stipends.over_budget == 1
    assert AuditEntry.objects.filter(action="dinners.stipend_paid").count() == 1


def test_stipend_csv_neutralises_formulas(world):
    dinner = _formed(world).first()
    dinner.date = timezone.localdate()
    dinner.save()
    host = dinner.group.host
    host.first_name = '=HYPERLINK("http://evil")'
    host.save()
    members = list(dinner.seats.values_list("clinician_id", flat=True))
    services.record_dinner(
        dinner=dinner, coming=members, attended=members, receipt_amount=Decimal("80")
    )

    rows = [safe_csv_row(row) for row in stipend_csv_rows(world.season)]
    out = io.StringIO()
    csv.writer(out).writerows(rows)

    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed[1][3].startswith("'=HYPERLINK")
    assert (parsed[1][6], parsed[1][7], parsed[1][8], parsed[1][11]) == (
        "4",
        "80.00",
        "80.00",
        "unpaid",
    )


def test_reminders_go_once_to_members_coming(world):
    dinner = _formed(world).first()
    dinner.date = timezone.localdate() + datetime.timedelta(days=2)
    dinner.save()
    members = list(dinner.seats.values_list("clinician_id", flat=True))
    services.record_dinner(dinner=dinner, coming=members[:3])

    sent = services.send_dinner_reminders(base_url=BASE_URL)
    again = services.send_dinner_reminders(base_url=BASE_URL)

    assert (sent, again) == (3, 0)
    assert Email.objects.filter(kind="dinners.reminder", reminder=True).count() == 3


def test_command_prints_the_figures_as_json(world, capsys):
    join_everyone(world)

    call_command("form_dinner_groups", str(world.season.pk), "--json")

    import json

    data = json.loads(capsys.readouterr().out)
    assert {k: data[k] for k in ("groups", "members", "pairs", "new_pairs")} == {
        "groups": 2,
        "members": 8,
        "pairs": 12,
        "new_pairs": 12,
    }
    assert "random_new_pairs" in data


def test_group_emails_go_once_and_hosts_get_their_link(world):
    _formed(world)

    sent = services.send_group_emails(season=world.season, base_url=BASE_URL, by=None)
    again = services.send_group_emails(season=world.season, base_url=BASE_URL, by=None)

    host_links = [
        e for e in Email.objects.filter(kind="dinners.group") if f"{BASE_URL}/dh/" in e.body
    ]
    assert (sent, again, len(host_links)) == (8, 0, 2)


def test_season_page_compares_new_pairs_as_shares(world, client):
    """Groups of other sizes hold another number of pairs: a random grouping of larger groups
    can hold more new pairs and still a smaller share, so the page gives both."""
    world.season.pairs, world.season.new_pairs = 154, 154
    world.season.random_pairs, world.season.random_new_pairs = 175, 162
    world.season.status = DinnerSeason.Status.FORMED
    world.season.save()
    admin = User.objects.create_superuser("boss", password="pw")
    client.force_login(admin)

    page = client.get(world.season.get_absolute_url()).content.decode()

    assert "154 of 154</strong> pairs in your groups are new colleagues (100%)" in page
    assert "a random grouping under the same rules gives 162 of 175 (93%)" in page
