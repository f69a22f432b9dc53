import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from itineraries.assembly import (
    GroupVisit,
    Itinerary,
    ItineraryRound,
    Person,
    TableInfo,
    get_event_itineraries,
    get_itinerary,
    get_published_schedules,
    get_table_itinerary,
    get_table_signs,
)
from itineraries.links import get_table_for_token, table_token
from itineraries.services import reissue_link
from rotations.services import publish_schedule
from tests.factories import make_event, make_user
from tests.itineraries.factories import (
    make_large_event,
    make_schedule,
    make_small_event,
    make_visit,
    replan_with_no_shows,
    republish,
)

pytestmark = pytest.mark.django_db

T = datetime.time


def _rounds(itinerary):
    return [
        (
            r.number,
            r.table.number if r.table else None,
            [p.name for p in r.anchors],
            [g.name for g in r.groups],
            r.away,
            r.changed,
        )
        for r in itinerary.rounds
    ]


def test_get_itinerary_traveller_lists_tables_and_present_anchors():
    small = make_small_event()

    itinerary = get_itinerary(attendance=small.attendance(small.dana))

    assert itinerary.kind == Itinerary.TRAVELLER
    assert itinerary.group_name == "Quincy IM"
    assert itinerary.rounds == (
        ItineraryRound(
            number=1,
            start=T(18, 0),
            end=T(18, 10),
            table=TableInfo(
                id=small.cardiology.pk,
                number=1,
                location="Hall A",
                specialty="Cardiology",
                label="Table 1 (Cardiology)",
            ),
            anchors=(Person("Ann Heart", "MD"), Person("Cara Pulse", "MD")),
        ),
        ItineraryRound(
            number=2,
            start=T(18, 12),
            end=T(18, 22),
            table=TableInfo(
                id=small.dermatology.pk,
                number=2,
                location="Hall B",
                specialty="Dermatology",
                label="Table 2 (Dermatology)",
            ),
            anchors=(Person("Bob Skin", "DO"),),
        ),
        ItineraryRound(
            number=3,
            start=T(18, 24),
            end=T(18, 34),
            table=TableInfo(
                id=small.endocrinology.pk,
                number=3,
                location="",
                specialty="Endocrinology",
                label="Table 3 (Endocrinology)",
            ),
            anchors=(Person("Gus Sugar", "MD"),),
        ),
    )
    assert itinerary.changes == ()


def test_get_itinerary_traveller_without_visit_has_break():
    small = make_small_event()

    itinerary = get_itinerary(attendance=small.attendance(small.fay))

    assert _rounds(itinerary) == [
        (1, 2, ["Bob Skin"], [], False, False),
        (2, 1, ["Ann Heart", "Cara Pulse"], [], False, False),
        (3, None, [], [], False, False),
    ]
    assert itinerary.rounds[2].is_break is True


def test_get_itinerary_anchor_lists_groups_members_and_sites():
    small = make_small_event()

    itinerary = get_itinerary(attendance=small.attendance(small.bob))

    assert itinerary.kind == Itinerary.ANCHOR
    assert itinerary.table == TableInfo(
        id=small.dermatology.pk,
        number=2,
        location="Hall B",
        specialty="Dermatology",
        label="Table 2 (Dermatology)",
    )
    assert itinerary.anchors == ()
    assert [r.groups for r in itinerary.rounds] == [
        (GroupVisit(name="Braintree FM", members=(Person("Fay Cole", "PA-C", "Braintree"),)),),
        (
            GroupVisit(
                name="Quincy IM",
                members=(
                    Person("Dana Able", "MD", "Milton, Quincy"),
                    Person("Eli Baker", "NP", "Quincy"),
                ),
            ),
        ),
        (),
    ]


def test_get_itinerary_anchor_away_round_is_marked_away():
    small = make_small_event()

    itinerary = get_itinerary(attendance=small.attendance(small.ann))

    assert _rounds(itinerary) == [
        (1, None, [], ["Quincy IM"], False, False),
        (2, None, [], ["Braintree FM"], False, False),
        (3, None, [], [], True, False),
    ]
    assert itinerary.anchors == (Person("Cara Pulse", "MD"),)


def test_get_itinerary_leader_has_no_rounds():
    small = make_small_event()

    itinerary = get_itinerary(attendance=small.attendance(small.leader))

    assert (itinerary.kind, itinerary.rounds) == (Itinerary.NO_ROUNDS, ())


def test_get_itinerary_unpublished_schedule_is_not_shown():
    small = make_small_event()
    small.schedule.is_published = False
    small.schedule.save()

    itinerary = get_itinerary(attendance=small.attendance(small.dana))

    assert (itinerary.kind, itinerary.rounds) == (Itinerary.UNPUBLISHED, ())


def test_get_itinerary_after_republish_shows_new_version_and_changes():
    first = timezone.make_aware(datetime.datetime(2030, 5, 1, 18, 5))
    small = make_small_event(published_at=first)
    new = republish(old=small.schedule, published_at=first + datetime.timedelta(hours=1))
    for round_, group, table in [
        (1, small.quincy, small.cardiology),
        (2, small.quincy, small.endocrinology),
        (1, small.braintree, small.dermatology),
    ]:
        make_visit(schedule=new, round=round_, group=group, table=table)

    traveller = get_itinerary(attendance=small.attendance(small.dana))
    anchor = get_itinerary(attendance=small.attendance(small.ann))

    assert traveller.schedule == new
    assert traveller.previous == small.schedule
    assert traveller.changes_notice == (
        "Changed on 1 May at 19:05: your rounds 2–3 are different from the printed version."
    )
    assert traveller.changes == (
        "round 2 is now Table 3 (Endocrinology)",
        "round 3 is now a break",
    )
    assert [r.changed for r in traveller.rounds] == [False, True, True]
    assert anchor.changes == ("round 2 is now a break",)


def test_get_itinerary_draft_after_published_version_is_ignored():
    small = make_small_event()
    draft = make_schedule(event=small.event, published=False)
    make_visit(schedule=draft, round=3, group=small.braintree, table=small.endocrinology)

    itinerary = get_itinerary(attendance=small.attendance(small.fay))

    assert (itinerary.schedule, itinerary.rounds[2].is_break) == (small.schedule, True)


def test_get_published_schedules_previous_is_latest_other_published():
    event = make_event()
    start = timezone.now()
    oldest = make_schedule(event=event, published=False, published_at=start)
    middle = make_schedule(
        event=event, published=False, published_at=start + datetime.timedelta(minutes=1)
    )
    make_schedule(event=event, published=False)
    current = make_schedule(event=event, published_at=start + datetime.timedelta(minutes=2))

    result = get_published_schedules(event=event)

    assert result == (current, middle)
    assert oldest not in result


@pytest.mark.parametrize("size", [(2, 4), (16, 8)])
def test_get_itinerary_queries_fixed_whatever_the_size(django_assert_num_queries, size):
    groups, tables = size
    _, traveller, anchor = make_large_event(groups=groups, tables=tables)

    with django_assert_num_queries(4):
        get_itinerary(attendance=traveller)
    with django_assert_num_queries(6):
        get_itinerary(attendance=anchor)


@pytest.mark.parametrize("size", [(2, 4), (16, 8)])
def test_get_event_itineraries_queries_fixed_whatever_the_size(django_assert_num_queries, size):
    groups, tables = size
    event, _, _ = make_large_event(groups=groups, tables=tables)

    with django_assert_num_queries(6):
        itineraries = get_event_itineraries(event=event)

    assert sorted(i.kind for i in itineraries) == [Itinerary.ANCHOR, Itinerary.TRAVELLER]


def test_get_event_itineraries_match_each_personal_itinerary():
    small = make_small_event()

    itineraries = get_event_itineraries(event=small.event)

    assert [i.clinician.last_name for i in itineraries] == [
        "Able",
        "Baker",
        "Chief",
        "Cole",
        "Heart",
        "Pulse",
        "Skin",
        "Sugar",
    ]
    assert [i.rounds for i in itineraries] == [
        get_itinerary(attendance=i.attendance).rounds for i in itineraries
    ]


def test_get_table_signs_list_every_table_with_groups():
    small = make_small_event()

    signs = get_table_signs(event=small.event)

    assert [(s.table.number, [p.name for p in s.anchors]) for s in signs] == [
        (1, ["Ann Heart", "Cara Pulse"]),
        (2, ["Bob Skin"]),
        (3, ["Gus Sugar"]),
    ]
    assert [[g.name for r in s.rounds for g in r.groups] for s in signs] == [
        ["Quincy IM", "Braintree FM"],
        ["Braintree FM", "Quincy IM"],
        ["Quincy IM"],
    ]


def test_get_table_itinerary_shows_every_round_even_absent_anchor():
    small = make_small_event()

    itinerary = get_table_itinerary(table=small.cardiology)

    assert [r.away for r in itinerary.rounds] == [False, False, False]
    assert itinerary.anchors == (Person("Ann Heart", "MD"), Person("Cara Pulse", "MD"))


def test_get_table_for_token_round_trip():
    small = make_small_event()
    token = table_token(event_id=small.event.pk, table_id=small.dermatology.pk)

    table = get_table_for_token(token=token)

    assert table == small.dermatology


@pytest.mark.parametrize("token", ["", "garbage", "W1sxLDJdXQ:1:abc"])
def test_get_table_for_token_tampered_is_none(token):
    assert get_table_for_token(token=token) is None


def test_get_table_for_token_other_event_is_none():
    small = make_small_event()
    other = make_event()
    token = table_token(event_id=other.pk, table_id=small.dermatology.pk)

    assert get_table_for_token(token=token) is None


def test_reissue_link_changes_token_and_records_audit():
    small = make_small_event()
    attendance = small.attendance(small.dana)
    old_token = attendance.link_token
    user = make_user()

    reissue_link(attendance=attendance, by=user)

    attendance.refresh_from_db()
    assert attendance.link_token != old_token
    assert len(attendance.link_token) == 32
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.details) == (
        user,
        "link.reissued",
        {"event": small.event.pk, "attendance": attendance.pk},
    )


def test_get_itinerary_after_publish_schedule_compares_with_previous_version():
    small = make_small_event()
    new = make_schedule(event=small.event, published=False)
    make_visit(schedule=new, round=3, group=small.braintree, table=small.endocrinology)

    publish_schedule(schedule=new, by=make_user())
    itinerary = get_itinerary(attendance=small.attendance(small.fay))

    assert (itinerary.schedule, itinerary.previous) == (new, small.schedule)
    assert itinerary.changes == (
        "round 1 is now a break",
        "round 2 is now a break",
        "round 3 is now Table 3 (Endocrinology)",
    )


def test_get_itinerary_no_show_anchor_is_gone_from_co_anchor_and_travellers_from_replan():
    small = make_small_event()
    replan_with_no_shows(small, no_shows=[small.cara], from_round=2)

    ann = get_itinerary(attendance=small.attendance(small.ann))
    dana = get_itinerary(attendance=small.attendance(small.dana))
    fay = get_itinerary(attendance=small.attendance(small.fay))

    assert ann.anchors == ()
    # Round 1 happened before the re-plan: Cara was still planned at table 1 then.
    assert [p.name for p in dana.rounds[0].anchors] == ["Ann Heart", "Cara Pulse"]
    assert [p.name for p in fay.rounds[1].anchors] == ["Ann Heart"]


def test_get_itinerary_no_show_traveller_is_gone_from_groups_from_replan():
    small = make_small_event()
    replan_with_no_shows(small, no_shows=[small.eli], from_round=2)

    ann = get_itinerary(attendance=small.attendance(small.ann))
    bob = get_itinerary(attendance=small.attendance(small.bob))

    assert [m.name for m in ann.rounds[0].groups[0].members] == ["Dana Able", "Eli Baker"]
    assert [m.name for m in bob.rounds[1].groups[0].members] == ["Dana Able"]


def test_get_itinerary_no_show_own_itinerary_says_absent():
    small = make_small_event()
    replan_with_no_shows(small, no_shows=[small.cara, small.eli], from_round=2)

    cara = get_itinerary(attendance=small.attendance(small.cara))
    eli = get_itinerary(attendance=small.attendance(small.eli))

    assert (cara.kind, cara.rounds) == (Itinerary.ABSENT, ())
    assert (eli.kind, eli.rounds) == (Itinerary.ABSENT, ())


def test_get_itinerary_no_show_before_any_replan_still_counts_at_the_table():
    small = make_small_event()
    small.event.attendances.filter(clinician=small.cara).update(status="no-show")

    ann = get_itinerary(attendance=small.attendance(small.ann))

    assert ann.anchors == (Person("Cara Pulse", "MD"),)


def test_get_table_itinerary_after_replan_names_only_anchors_who_came():
    small = make_small_event()
    replan_with_no_shows(small, no_shows=[small.cara], from_round=2)

    itinerary = get_table_itinerary(table=small.cardiology)

    assert itinerary.anchors == (Person("Ann Heart", "MD"),)


def test_get_event_itineraries_after_replan_match_each_personal_itinerary():
    small = make_small_event()
    replan_with_no_shows(small, no_shows=[small.cara, small.eli], from_round=2)

    itineraries = get_event_itineraries(event=small.event)

    assert [(i.kind, i.anchors, i.rounds) for i in itineraries] == [
        (personal.kind, personal.anchors, personal.rounds)
        for personal in (get_itinerary(attendance=i.attendance) for i in itineraries)
    ]


def test_get_event_itineraries_of_given_clinicians_only():
    small = make_small_event()

    itineraries = get_event_itineraries(
        event=small.event, clinician_ids=[small.fay.pk, small.bob.pk]
    )

    assert [i.clinician for i in itineraries] == [small.fay, small.bob]


def test_changes_notice_gives_date_and_time_of_the_change():
    first = timezone.make_aware(datetime.datetime(2030, 12, 10, 17, 0))
    small = make_small_event(published_at=first)
    new = republish(old=small.schedule, published_at=first + datetime.timedelta(minutes=92))
    make_visit(schedule=new, round=1, group=small.braintree, table=small.dermatology)
    make_visit(schedule=new, round=2, group=small.braintree, table=small.cardiology)
    make_visit(schedule=new, round=3, group=small.braintree, table=small.endocrinology)

    fay = get_itinerary(attendance=small.attendance(small.fay))
    table = get_table_itinerary(table=small.endocrinology)

    assert fay.changes_notice == (
        "Changed on 10 Dec at 18:32: your round 3 is different from the printed version."
    )
    assert table.changes_notice == (
        "Changed on 10 Dec at 18:32: round 3 is different from the printed version."
    )
