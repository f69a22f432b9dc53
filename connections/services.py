"""Writes to the connection ledger. The apps that hold a gathering's record (rotations for an
evening's published schedule and check-ins; later dinners) say who met whom and call
``record_gathering``; the ledger keeps each pair once per gathering and which meeting of a
pair was its first."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from clinicians.models import Clinician

from .models import Meeting

BATCH = 1000

Pair = tuple[int, int]


def _pair(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


def record_gathering(
    *,
    kind: str,
    gathering: int,
    date: datetime.date,
    meetings: Iterable[tuple[int, int, int | None]],
) -> int:
    """Make the ledger rows of one gathering exactly ``meetings`` — (clinician id, clinician
    id, round or None), in either order — in one transaction: its earlier rows are deleted,
    the new ones written (a pair once, at its lowest round; a clinician never meets
    themselves), and ``first`` is derived again for every pair it had or has, over all
    gatherings. Recording the same gathering twice leaves the same rows. Returns how many
    meetings the gathering has.

    The clinicians concerned are locked first, so two gatherings with a common pair cannot
    both decide they hold its first meeting."""
    if kind not in Meeting.Kind.values:
        raise ValueError(f"{kind!r} is not a kind of gathering")
    rounds: dict[Pair, int | None] = {}
    for a, b, round_ in meetings:
        if a == b:
            continue
        pair = _pair(a, b)
        known = rounds.get(pair)
        if pair not in rounds or (round_ is not None and (known is None or round_ < known)):
            rounds[pair] = round_
    _replace(kind=kind, gathering=gathering, date=date, rounds=rounds)
    return len(rounds)


def forget_gathering(*, kind: str, gathering: int) -> None:
    """Remove the ledger rows of one gathering (one that no longer counts), deriving
    ``first`` again for its pairs, in one transaction."""
    _replace(kind=kind, gathering=gathering, date=None, rounds={})


def _replace(
    *, kind: str, gathering: int, date: datetime.date | None, rounds: dict[Pair, int | None]
) -> None:
    with transaction.atomic():
        old = Meeting.objects.filter(kind=kind, gathering=gathering)
        touched = set(rounds) | {
            _pair(a, b) for a, b in old.values_list("clinician_a", "clinician_b")
        }
        people = sorted({pk for pair in touched for pk in pair})
        list(
            Clinician.objects.select_for_update().filter(pk__in=people).order_by("pk").values("pk")
        )
        old.delete()
        assert date is not None or not rounds
        Meeting.objects.bulk_create(
            (
                Meeting(
                    kind=kind,
                    gathering=gathering,
                    date=date,
                    round=round_,
                    clinician_a_id=a,
                    clinician_b_id=b,
                )
                for (a, b), round_ in sorted(rounds.items())
            ),
            batch_size=BATCH,
        )
        _derive_first(touched, people)


def _derive_first(pairs: set[Pair], people: list[int]) -> None:
    """Set ``first`` on the earliest meeting of each of ``pairs`` (by date, then kind and
    gathering) and clear it on the others. Reads every meeting among ``people`` in one query
    and keeps those of ``pairs``."""
    if not pairs:
        return
    by_pair: dict[Pair, list[Meeting]] = defaultdict(list)
    rows = Meeting.objects.filter(Q(clinician_a__in=people) & Q(clinician_b__in=people)).only(
        "pk", "kind", "gathering", "date", "clinician_a", "clinician_b", "first"
    )
    for row in rows:
        pair = _pair(row.clinician_a_id, row.clinician_b_id)
        if pair in pairs:
            by_pair[pair].append(row)
    changed = []
    for meetings in by_pair.values():
        meetings.sort(key=lambda row: (row.date, row.kind, row.gathering, row.pk))
        for index, row in enumerate(meetings):
            if row.first != (index == 0):
                row.first = index == 0
                changed.append(row)
    Meeting.objects.bulk_update(changed, ["first"], batch_size=BATCH)
