"""Reading dinners-instance/1 JSON into a ``DinnerProblem`` and writing dinners-groups/1 JSON.

The format is described in ``docs/solver-format.md`` ("Dinner groups"). Every input error
raises ``InstanceError`` (the rotation instance's) with one message that names the offending
entry, e.g. ``people[3] (id "P4"): evening "fri" is not one of the evenings``. What is valid
but probably a mistake (a region with fewer sign-ups than a group, someone with no evening)
is listed by ``dinners_warnings``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rotations.solver.dinners.limits import dinners_size_error, group_size_error
from rotations.solver.dinners.problem import (
    DinnerGroup,
    DinnerProblem,
    Grouping,
    GroupingStatus,
    HostWish,
    Met,
    Person,
    Unplaced,
)
from rotations.solver.instance import (
    InstanceError,
    _describe,
    _entry,
    _integer,
    _list,
    _string,
    _unique_ids,
)

DINNERS_FORMAT = "dinners-instance/1"
GROUPS_FORMAT = "dinners-groups/1"
_HOST_WISHES = ", ".join(f'"{wish.value}"' for wish in HostWish)


def parse_dinners(data: Any) -> DinnerProblem:
    """Validate a decoded dinners-instance/1 document and return its ``DinnerProblem``."""
    if not isinstance(data, Mapping):
        raise InstanceError("the season must be a JSON object")
    if data.get("format") is None:
        raise InstanceError(f'missing "format": expected "{DINNERS_FORMAT}"')
    if data["format"] != DINNERS_FORMAT:
        raise InstanceError(
            f'"format" is {json.dumps(data["format"])}, expected "{DINNERS_FORMAT}"'
        )
    name = data.get("name", "")
    if not isinstance(name, str):
        raise InstanceError('the instance: "name" must be a string')
    evenings = _list(data, "evenings", required=True)
    people_raw = _list(data, "people", required=True)
    met_raw = _list(data, "met")
    not_with_raw = _list(data, "not_with")
    error = dinners_size_error(len(people_raw), len(met_raw), len(not_with_raw), len(evenings))
    if error is not None:
        raise InstanceError(f"the instance: {error}")
    min_size = _integer(data, "min_size", "the instance", default=6)
    max_size = _integer(data, "max_size", "the instance", default=8)
    error = group_size_error(min_size, max_size)
    if error is not None:
        raise InstanceError(f"the instance: {error}")
    for e, evening in enumerate(evenings):
        if not isinstance(evening, str) or not evening:
            raise InstanceError(f'evenings[{e}]: must be a non-empty evening name, e.g. "tue"')
        if evening in evenings[:e]:
            raise InstanceError(f'evenings[{e}]: "{evening}" is listed twice')

    people = tuple(
        _person(entry, f"people[{i}]", set(evenings)) for i, entry in enumerate(people_raw)
    )
    ids = _unique_ids([person.id for person in people], "people")
    met = tuple(_met(entry, f"met[{i}]", ids) for i, entry in enumerate(met_raw))
    not_with = tuple(
        _not_with(entry, f"not_with[{i}]", ids) for i, entry in enumerate(not_with_raw)
    )
    return DinnerProblem(
        name=name,
        people=people,
        evenings=tuple(evenings),
        met=met,
        not_with=not_with,
        min_size=min_size,
        max_size=max_size,
    )


def dinners_warnings(problem: DinnerProblem) -> list[str]:
    """What in a valid season is probably a mistake, one sentence each."""
    warnings = []
    regions: dict[str, int] = {}
    for person in problem.people:
        regions[person.region] = regions.get(person.region, 0) + 1
    for region, count in regions.items():
        if count < problem.min_size:
            warnings.append(
                f'region "{region}" has {count} sign-up{"s" if count != 1 else ""}, fewer than '
                f"a group's {problem.min_size}, so nobody there is grouped"
            )
    for p, person in enumerate(problem.people):
        if not person.evenings:
            warnings.append(
                f'people[{p}] (id "{person.id}"): no evening suits them, so they are not grouped'
            )
    return warnings


def dinners_to_json(problem: DinnerProblem) -> dict[str, Any]:
    """The dinners-instance/1 document of ``problem``: ``parse_dinners`` reads it back to an
    equal ``DinnerProblem``."""

    def person(p: Person) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": p.id,
            "name": p.name,
            "region": p.region,
            "site": p.site,
            "department": p.department,
            "specialty": p.specialty,
            "evenings": [e for e in problem.evenings if e in p.evenings],
            "host": p.host.value,
        }
        if p.reach is not None:
            entry["reach"] = sorted(p.reach)
        return entry

    return {
        "format": DINNERS_FORMAT,
        "name": problem.name,
        "evenings": list(problem.evenings),
        "min_size": problem.min_size,
        "max_size": problem.max_size,
        "people": [person(p) for p in problem.people],
        "met": [{"a": m.a, "b": m.b, "weight": m.weight} for m in problem.met],
        "not_with": [[a, b] for a, b in problem.not_with],
    }


def grouping_to_json(problem: DinnerProblem, grouping: Grouping) -> dict[str, Any]:
    """The dinners-groups/1 document of ``grouping``; ``parse_grouping`` reads it back."""
    return {
        "format": GROUPS_FORMAT,
        "instance": problem.name,
        "status": grouping.status.value,
        "summary": grouping.summary(),
        "groups": [
            {
                "id": group.id,
                "region": group.region,
                "evening": group.evening,
                "host": group.host,
                "dinner_site": group.dinner_site,
                "members": list(group.members),
                "out_of_reach": list(group.out_of_reach),
            }
            for group in grouping.groups
        ],
        "unplaced": [{"person": u.person, "reason": u.reason} for u in grouping.unplaced],
        "stats": {
            "groups": len(grouping.groups),
            "members": grouping.members,
            "pairs": grouping.pairs,
            "new_pairs": grouping.new_pairs,
            "random_pairs": grouping.random_pairs,
            "random_new_pairs": grouping.random_new_pairs,
            "new_pairs_upper_bound": grouping.new_pairs_upper_bound,
            "value": grouping.value,
            "solve_seconds": round(grouping.solve_seconds, 3),
            "stopped": grouping.stopped,
        },
    }


def parse_grouping(data: Any) -> Grouping:
    """The ``Grouping`` of a decoded dinners-groups/1 document (``grouping_to_json``)."""
    if not isinstance(data, Mapping) or data.get("format") != GROUPS_FORMAT:
        raise InstanceError(f'the groups must be a JSON object with "format": "{GROUPS_FORMAT}"')
    try:
        stats = data["stats"]
        return Grouping(
            status=GroupingStatus(data["status"]),
            groups=tuple(
                DinnerGroup(
                    id=g["id"],
                    region=g["region"],
                    evening=g["evening"],
                    members=tuple(g["members"]),
                    host=g["host"],
                    dinner_site=g["dinner_site"],
                    out_of_reach=tuple(g["out_of_reach"]),
                )
                for g in data["groups"]
            ),
            unplaced=tuple(Unplaced(u["person"], u["reason"]) for u in data["unplaced"]),
            pairs=int(stats["pairs"]),
            new_pairs=int(stats["new_pairs"]),
            random_pairs=int(stats["random_pairs"]),
            random_new_pairs=int(stats["random_new_pairs"]),
            new_pairs_upper_bound=int(stats["new_pairs_upper_bound"]),
            value=int(stats["value"]),
            solve_seconds=float(stats["solve_seconds"]),
            stopped=bool(stats["stopped"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InstanceError(f"the groups cannot be read ({exc!r})") from None


def _names(entry: Mapping[str, Any], key: str, where: str, what: str) -> list[str] | None:
    values = entry.get(key)
    if values is None:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise InstanceError(f'{where}: "{key}" must be a list of {what}')
    return values


def _person(raw: Any, where: str, evening_ids: set[str]) -> Person:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    evenings = _names(entry, "evenings", where, 'evening names, e.g. ["tue", "thu"]')
    if evenings is None:
        raise InstanceError(f'{where}: "evenings" is missing')
    for evening in evenings:
        if evening not in evening_ids:
            raise InstanceError(f'{where}: evening "{evening}" is not one of the evenings')
    reach = _names(entry, "reach", where, "site names")
    host = entry.get("host", HostWish.IF_NEEDED.value)
    try:
        wish = HostWish(host)
    except ValueError:
        raise InstanceError(
            f'{where}: "host" is {json.dumps(host)}, not one of {_HOST_WISHES}'
        ) from None
    return Person(
        id=_string(entry, "id", where),
        name=_string(entry, "name", where, default=""),
        region=_string(entry, "region", where),
        site=_string(entry, "site", where, default=""),
        department=_string(entry, "department", where, default=""),
        specialty=_string(entry, "specialty", where, default=""),
        evenings=frozenset(evenings),
        reach=None if reach is None else frozenset(reach),
        host=wish,
    )


def _two_people(a: Any, b: Any, where: str, ids: set[str]) -> tuple[str, str]:
    for value in (a, b):
        if not isinstance(value, str) or value not in ids:
            raise InstanceError(f"{where}: {json.dumps(value)} is not one of the people")
    if a == b:
        raise InstanceError(f'{where}: names "{a}" twice; a pair is two people')
    return a, b


def _met(raw: Any, where: str, ids: set[str]) -> Met:
    entry = _entry(raw, where)
    a, b = _two_people(entry.get("a"), entry.get("b"), where, ids)
    weight = entry.get("weight", 1.0)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0.0 <= weight <= 1.0:
        raise InstanceError(
            f'{where}: "weight" must be a number from 0 (never met) to 1, not {json.dumps(weight)}'
        )
    return Met(a=a, b=b, weight=float(weight))


def _not_with(raw: Any, where: str, ids: set[str]) -> tuple[str, str]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise InstanceError(f'{where}: must be a pair of people, e.g. ["P1", "P7"]')
    return _two_people(raw[0], raw[1], where, ids)
