import datetime

import pytest
from django.db import IntegrityError, transaction

from connections.models import Meeting
from connections.services import forget_gathering, record_gathering
from tests.factories import make_clinician, make_specialist

EVENING = Meeting.Kind.EVENING
SPRING = datetime.date(2026, 4, 1)
AUTUMN = datetime.date(2026, 10, 1)


@pytest.fixture
def people(db):
    return [make_clinician() for _ in range(2)] + [make_specialist() for _ in range(2)]


def _rows():
    return sorted(
        (row.gathering, row.clinician_a_id, row.clinician_b_id, row.round, row.first)
        for row in Meeting.objects.all()
    )


def test_record_gathering_keeps_each_pair_once_in_order_at_its_lowest_round(people):
    ann, abe, cara, dan = (p.pk for p in people)

    count = record_gathering(
        kind=EVENING,
        gathering=1,
        date=SPRING,
        meetings=[(cara, ann, 3), (ann, cara, 1), (dan, abe, 2), (ann, ann, 1)],
    )

    assert (count, _rows()) == (
        2,
        sorted([(1, ann, cara, 1, True), (1, abe, dan, 2, True)]),
    )


def test_record_gathering_twice_leaves_the_same_rows(people):
    ann, abe, cara, dan = (p.pk for p in people)
    meetings = [(ann, cara, 1), (abe, dan, 2)]
    record_gathering(kind=EVENING, gathering=1, date=SPRING, meetings=meetings)
    before = _rows()

    record_gathering(kind=EVENING, gathering=1, date=SPRING, meetings=meetings)

    assert _rows() == before


def test_record_gathering_replaces_the_gathering_rows(people):
    ann, abe, cara, dan = (p.pk for p in people)
    record_gathering(kind=EVENING, gathering=1, date=SPRING, meetings=[(ann, cara, 1)])

    record_gathering(kind=EVENING, gathering=1, date=SPRING, meetings=[(abe, dan, 1)])

    assert _rows() == [(1, min(abe, dan), max(abe, dan), 1, True)]


def test_record_gathering_marks_only_the_earliest_meeting_of_a_pair_first(people):
    ann, abe, cara, dan = (p.pk for p in people)
    record_gathering(kind=EVENING, gathering=2, date=AUTUMN, meetings=[(ann, cara, 1)])

    # The earlier gathering recorded later: the autumn meeting is no longer the first.
    record_gathering(
        kind=EVENING, gathering=1, date=SPRING, meetings=[(ann, cara, 2), (abe, dan, 1)]
    )

    assert _rows() == sorted(
        [(1, ann, cara, 2, True), (1, abe, dan, 1, True), (2, ann, cara, 1, False)]
    )


def test_forget_gathering_makes_the_next_meeting_first_again(people):
    ann, _abe, cara, _dan = (p.pk for p in people)
    record_gathering(kind=EVENING, gathering=1, date=SPRING, meetings=[(ann, cara, 1)])
    record_gathering(kind=EVENING, gathering=2, date=AUTUMN, meetings=[(cara, ann, 4)])

    forget_gathering(kind=EVENING, gathering=1)

    assert _rows() == [(2, ann, cara, 4, True)]


def test_record_gathering_refuses_an_unknown_kind(people):
    with pytest.raises(ValueError) as error:
        record_gathering(kind="picnic", gathering=1, date=SPRING, meetings=[])

    assert str(error.value) == "'picnic' is not a kind of gathering"


def test_meeting_pair_is_unique_per_gathering_in_either_order(people):
    ann, _abe, cara, _dan = people
    Meeting.objects.create(
        kind=EVENING, gathering=1, date=SPRING, clinician_a=ann, clinician_b=cara
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            kind=EVENING, gathering=1, date=SPRING, clinician_a=cara, clinician_b=ann
        )
