"""Two organizers editing one version at the same moment, for real: two threads, each with its
own database connection, released together by a barrier.

Row locks only mean something on PostgreSQL (``select_for_update`` is a no-op on SQLite, whose
file lock serializes writers differently), so these tests need DATABASE_URL to point at
PostgreSQL, as CI sets it; on SQLite they are skipped, or fail when ROUNDS_REQUIRE_SERVICES=1.
"""

import os
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from clinicians.models import Specialty
from rotations import editing
from rotations.models import Schedule
from rotations.services import check_version
from tests.factories import make_anchor, make_event, make_group, make_specialty, make_table
from tests.rotations.helpers import make_schedule

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TRIES = 10


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        reason = (
            "row locks need PostgreSQL: set DATABASE_URL=postgres://... (on SQLite "
            "select_for_update does nothing, so there is no lock to test)"
        )
        if os.environ.get("ROUNDS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (ROUNDS_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


@pytest.fixture
def tight(on_postgresql):
    return _tight()


def _specialty(name):
    return Specialty.objects.filter(name=name).first() or make_specialty(name=name)


def _tight():
    """Two rounds; table 1 hosts one group a round, table 2 two; groups A and B."""
    event = make_event(rounds=2)
    one = make_table(event=event, number=1, specialty=_specialty("Cardiology"))
    two = make_table(event=event, number=2, specialty=_specialty("Neurology"), capacity=2)
    make_anchor(table=one)
    make_anchor(table=two)
    return event, one, two, make_group(event=event, name="A"), make_group(event=event, name="B")


def _at_once(*calls):
    """Run ``calls`` in threads released together; each outcome is "ok" or the refusal's
    messages (any other error is returned as its repr, to fail the test's assertion)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except ValidationError as error:
            outcomes[index] = error.messages
        except Exception as error:  # noqa: BLE001 - reported through the assertion
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _move(schedule, group, table, round_=1):
    return lambda: editing.move_visit(
        schedule=schedule, group=group, round=round_, table=table, by=None
    )


def _named_neutrally(outcomes):
    """The outcomes in a fixed order, with the group that won the seat (A or B, whichever
    thread came first) named "the other" in the refusal."""
    words = [
        [re.sub(r"already has [AB] in", "already has the other in", m) for m in outcome]
        if isinstance(outcome, list)
        else outcome
        for outcome in outcomes
    ]
    return sorted(words, key=str)


def test_two_moves_into_one_seat_at_once_only_one_is_written(tight):
    event, one, _two, a, b = tight
    refusal = ["Table 1 (Cardiology) hosts 1 group a round and already has the other in round 1."]

    results = []
    for _ in range(TRIES):
        schedule = make_schedule(event, [])
        outcomes = _at_once(_move(schedule, a, one), _move(schedule, b, one))
        results.append(
            (_named_neutrally(outcomes), schedule.visits.count(), check_version(schedule=schedule))
        )

    assert results == [([refusal, "ok"], 1, [])] * TRIES


def test_two_moves_into_one_seat_through_a_published_version_make_one_valid_draft(
    on_postgresql,
):
    refusal = ["Table 1 (Cardiology) hosts 1 group a round and already has the other in round 1."]

    results = []
    for _ in range(TRIES):
        # A new event each time: the draft of the try before would take the next edits.
        event, one, _two, a, b = _tight()
        published = make_schedule(event, [], published=True)
        outcomes = _at_once(_move(published, a, one), _move(published, b, one))
        drafts = Schedule.objects.filter(event=event, is_published=False)
        results.append(
            (
                _named_neutrally(outcomes),
                published.visits.count(),
                [
                    (d.based_on == published, d.visits.count(), check_version(schedule=d))
                    for d in drafts
                ],
            )
        )

    assert results == [([refusal, "ok"], 0, [(True, 1, [])])] * TRIES


def test_two_compatible_moves_through_a_published_version_land_in_one_draft(tight):
    event, one, two, a, b = tight
    published = make_schedule(event, [], published=True)

    outcomes = _at_once(_move(published, a, one), _move(published, b, two, round_=2))

    draft = Schedule.objects.get(event=event, is_published=False)
    assert outcomes == ["ok", "ok"]
    assert (draft.based_on, sorted(draft.visits.values_list("round", "group__name"))) == (
        published,
        [(1, "A"), (2, "B")],
    )
