"""Reading rotation-instance/1 JSON into a ``Problem`` and writing rotation-schedule/1 JSON.

The format is described in ``docs/solver-format.md``. Every input error raises
``InstanceError`` with one message that names the offending entry, e.g.
``groups[3] (id "G04"): track "kids" is not one of adult, pediatric, all-ages``.

Tables and groups may carry an optional ``location`` (a string; missing or null means none),
the location they belong to at a multi-location event. A re-plan names the published schedule
(``previous``), the first round planned again (``replan_from_round``) and optionally the
``strategy``; ``previous`` without ``replan_from_round`` is an error, since solving it from
scratch would silently throw the published schedule away.

A ``met_before`` entry may carry a ``weight``, 1..MET_BEFORE_FULL (4, when left out): how
much that earlier meeting still counts (``Problem.met_before_weights``).

Also errors: a missing ``format``, a negative affinity ``weight``, a met-before ``weight``
outside 1..4, and an instance over the
size limits of ``limits.py`` (``rounds`` is checked before anything else is read). What is
valid but probably a mistake -- no tables, no groups, ``"available_rounds": []`` (present in
no round; leave it out for every round) -- is listed by ``instance_warnings``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rotations.solver.limits import rounds_error, size_error
from rotations.solver.problem import (
    MET_BEFORE_FULL,
    Group,
    Problem,
    Solution,
    Strategy,
    Table,
    Track,
    Visit,
)

INSTANCE_FORMAT = "rotation-instance/1"
SCHEDULE_FORMAT = "rotation-schedule/1"
_TRACKS = ", ".join(track.value for track in Track)
_STRATEGIES = ", ".join(strategy.value for strategy in Strategy)


class InstanceError(ValueError):
    """The instance cannot be read; the message names the offending entry."""


def load_instance(path: str | Path) -> Problem:
    """Read and validate the instance file at ``path``."""
    return parse_instance(load_document(path))


def load_document(path: str | Path) -> Any:
    """The decoded JSON of the file at ``path``, for ``parse_instance`` and
    ``instance_strategy``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceError(f"{path}: no such file") from None
    except OSError as exc:
        raise InstanceError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InstanceError(f"{path}: is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return data


def parse_instance(data: Any) -> Problem:
    """Validate a decoded rotation-instance/1 document and return its ``Problem``."""
    if not isinstance(data, Mapping):
        raise InstanceError("the instance must be a JSON object")
    if data.get("format") is None:
        raise InstanceError(f'missing "format": expected "{INSTANCE_FORMAT}"')
    if data["format"] != INSTANCE_FORMAT:
        raise InstanceError(
            f'"format" is {json.dumps(data["format"])}, expected "{INSTANCE_FORMAT}"'
        )
    rounds = _integer(data, "rounds", "the instance", minimum=1)
    # Before anything else is read: a round number is checked against this many.
    error = rounds_error(rounds)
    if error is not None:
        raise InstanceError(f"the instance: {error}")
    round_minutes = _integer(data, "round_minutes", "the instance", minimum=1, default=10)
    name = data.get("name", "")
    if not isinstance(name, str):
        raise InstanceError('the instance: "name" must be a string')

    tables = tuple(
        _table(entry, f"tables[{index}]", rounds)
        for index, entry in enumerate(_list(data, "tables", required=True))
    )
    groups = tuple(
        _group(entry, f"groups[{index}]", rounds)
        for index, entry in enumerate(_list(data, "groups", required=True))
    )
    error = size_error(rounds, len(tables), len(groups))
    if error is not None:
        raise InstanceError(f"the instance: {error}")
    table_ids = _unique_ids([table.id for table in tables], "tables")
    group_ids = _unique_ids([group.id for group in groups], "groups")

    affinity: list[tuple[str, str, int]] = []
    for index, entry in enumerate(_list(data, "affinity")):
        where = f"affinity[{index}]"
        group, table = _pair(entry, where, group_ids, table_ids)
        where = f'{where} (group "{group}", table "{table}")'
        affinity.append((group, table, _integer(entry, "weight", where, minimum=0)))
    met_pairs: set[tuple[str, str]] = set()
    met_weights: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(_list(data, "met_before")):
        where = f"met_before[{index}]"
        pair = _pair(entry, where, group_ids, table_ids)
        where = f'{where} (group "{pair[0]}", table "{pair[1]}")'
        weight = _integer(entry, "weight", where, minimum=1, default=MET_BEFORE_FULL)
        if weight > MET_BEFORE_FULL:
            raise InstanceError(
                f'{where}: "weight" must be at most {MET_BEFORE_FULL}, not {weight}'
            )
        met_pairs.add(pair)
        # A pair listed twice counts as its strongest meeting.
        met_weights[pair] = max(weight, met_weights.get(pair, 0))
    met_before = frozenset(met_pairs)
    met_before_weights = tuple(
        (group, table, weight)
        for (group, table), weight in sorted(met_weights.items())
        if weight < MET_BEFORE_FULL
    )
    pinned = _visits(data, "pinned", rounds, group_ids, table_ids)
    previous = _visits(data, "previous", rounds, group_ids, table_ids)
    replan_from_round = None
    if data.get("replan_from_round") is not None:
        replan_from_round = _integer(data, "replan_from_round", "the instance")
        _check_round(replan_from_round, rounds, "the instance", '"replan_from_round"')
    elif previous:
        raise InstanceError(
            'the instance: "previous" is given without "replan_from_round"; say from which '
            "round to plan again"
        )

    return Problem(
        name=name,
        rounds=rounds,
        tables=tables,
        groups=groups,
        round_minutes=round_minutes,
        affinity=tuple(affinity),
        met_before=met_before,
        met_before_weights=met_before_weights,
        pinned=pinned,
        previous=previous,
        replan_from_round=replan_from_round,
    )


def instance_warnings(problem: Problem) -> list[str]:
    """What in a valid instance is probably a mistake, one sentence each: no tables or no
    groups (the schedule is empty), a table or group whose ``available_rounds`` is ``[]``
    (present in no round, so it gets no visit)."""
    warnings = []
    if not problem.tables:
        warnings.append('the instance has no tables ("tables" is empty): the schedule is empty')
    if not problem.groups:
        warnings.append('the instance has no groups ("groups" is empty): the schedule is empty')
    entries: list[tuple[str, Table | Group]] = [
        *((f"tables[{index}]", table) for index, table in enumerate(problem.tables)),
        *((f"groups[{index}]", group) for index, group in enumerate(problem.groups)),
    ]
    for where, entry in entries:
        if entry.available_rounds == frozenset():
            warnings.append(
                f'{where} (id "{entry.id}"): "available_rounds" is [], which means present in '
                'no round, so it gets no visit (leave "available_rounds" out for every round)'
            )
    return warnings


def instance_strategy(data: Any) -> Strategy | None:
    """The ``"strategy"`` a decoded instance asks for, if any; a re-plan's default is best."""
    if not isinstance(data, Mapping) or data.get("strategy") is None:
        return None
    try:
        return Strategy(data["strategy"])
    except ValueError:
        raise InstanceError(
            f"the instance: strategy {json.dumps(data['strategy'])} is not one of {_STRATEGIES}"
        ) from None


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The rotation-instance/1 document of ``problem``: ``parse_instance`` reads it back to an
    equal ``Problem``. Optional fields are written only when they differ from the default."""

    def rounds(value: frozenset[int] | None) -> dict[str, Any]:
        return {} if value is None else {"available_rounds": sorted(value)}

    def location(value: str | None) -> dict[str, Any]:
        return {} if value is None else {"location": value}

    met_weights = {(group, table): w for group, table, w in problem.met_before_weights}

    def weight(group: str, table: str) -> dict[str, Any]:
        value = min(max(met_weights.get((group, table), MET_BEFORE_FULL), 1), MET_BEFORE_FULL)
        return {} if value == MET_BEFORE_FULL else {"weight": value}

    replan: dict[str, Any] = {}
    if problem.replan_from_round is not None:
        replan = {
            "replan_from_round": problem.replan_from_round,
            "previous": [
                {"round": visit.round, "group": visit.group, "table": visit.table}
                for visit in problem.previous
            ],
        }
    return {
        "format": INSTANCE_FORMAT,
        "name": problem.name,
        "rounds": problem.rounds,
        "round_minutes": problem.round_minutes,
        "tables": [
            {
                "id": table.id,
                "label": table.label,
                "specialty": table.specialty,
                "track": table.track.value,
                "capacity": table.capacity,
                **rounds(table.available_rounds),
                "sites": list(table.sites),
                **location(table.location),
            }
            for table in problem.tables
        ],
        "groups": [
            {
                "id": group.id,
                "name": group.name,
                "track": group.track.value,
                "size": group.size,
                **({} if group.site is None else {"site": group.site}),
                **rounds(group.available_rounds),
                **location(group.location),
            }
            for group in problem.groups
        ],
        "affinity": [
            {"group": group, "table": table, "weight": weight}
            for group, table, weight in problem.affinity
        ],
        "met_before": [
            {"group": group, "table": table, **weight(group, table)}
            for group, table in sorted(problem.met_before)
        ],
        "pinned": [
            {"round": visit.round, "group": visit.group, "table": visit.table}
            for visit in problem.pinned
        ],
        **replan,
    }


def solution_to_json(problem: Problem, solution: Solution) -> dict[str, Any]:
    """The rotation-schedule/1 document of ``solution``."""
    document: dict[str, Any] = {
        "format": SCHEDULE_FORMAT,
        "instance": problem.name,
        "status": solution.status.value,
        "assignments": [
            {"round": visit.round, "group": visit.group, "table": visit.table}
            for visit in solution.visits
        ],
        "stats": {
            "visits": len(solution.visits),
            "visits_upper_bound": solution.visits_upper_bound,
            "min_share": round(solution.min_share, 4),
            "min_share_upper_bound": round(solution.min_share_upper_bound, 4),
            "affinity": solution.affinity,
            "met_before_revisits": solution.met_before_revisits,
            "repeated_pairs": solution.repeated_pairs,
            "solve_seconds": round(solution.solve_seconds, 3),
            "changed_visits": solution.changed_visits,
            "changed_groups": solution.changed_groups,
            "kept_visits": solution.kept_visits,
            "proved_levels": [level.value for level in solution.proved_levels],
        },
    }
    if solution.reasons:
        document["reasons"] = list(solution.reasons)
    return document


def _visits(
    data: Mapping[str, Any], key: str, rounds: int, group_ids: set[str], table_ids: set[str]
) -> tuple[Visit, ...]:
    visits = []
    for index, entry in enumerate(_list(data, key)):
        where = f"{key}[{index}]"
        group, table = _pair(entry, where, group_ids, table_ids)
        round_ = _integer(entry, "round", where)
        _check_round(round_, rounds, where, '"round"')
        visits.append(Visit(round=round_, group=group, table=table))
    return tuple(visits)


def _describe(entry: Mapping[str, Any], where: str) -> str:
    entry_id = entry.get("id")
    return f'{where} (id "{entry_id}")' if isinstance(entry_id, str) else where


def _list(data: Mapping[str, Any], key: str, *, required: bool = False) -> list[Any]:
    if key not in data:
        if required:
            raise InstanceError(f'the instance: "{key}" is missing')
        return []
    value = data[key]
    if not isinstance(value, list):
        raise InstanceError(f'the instance: "{key}" must be a list')
    return value


def _integer(
    entry: Mapping[str, Any],
    key: str,
    where: str,
    *,
    minimum: int | None = None,
    default: int | None = None,
) -> int:
    if key not in entry:
        if default is None:
            raise InstanceError(f'{where}: "{key}" is missing')
        return default
    value = entry[key]
    # bool is an int in Python but never a sensible count.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InstanceError(f'{where}: "{key}" must be a whole number, not {json.dumps(value)}')
    if minimum is not None and value < minimum:
        raise InstanceError(f'{where}: "{key}" must be at least {minimum}, not {value}')
    return value


def _string(entry: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    if key not in entry or entry[key] is None:
        if default is None:
            raise InstanceError(f'{where}: "{key}" is missing')
        return default
    value = entry[key]
    if not isinstance(value, str) or (default is None and not value):
        raise InstanceError(f'{where}: "{key}" must be a non-empty string')
    return value


def _track(entry: Mapping[str, Any], where: str) -> Track:
    value = entry.get("track")
    if value is None:
        raise InstanceError(f'{where}: "track" is missing')
    try:
        return Track(value)
    except ValueError:
        raise InstanceError(f"{where}: track {json.dumps(value)} is not one of {_TRACKS}") from None


def _check_round(value: int, rounds: int, where: str, what: str) -> None:
    if not 1 <= value <= rounds:
        raise InstanceError(f"{where}: {what} {value} is outside 1..{rounds}")


def _rounds(entry: Mapping[str, Any], where: str, rounds: int) -> frozenset[int] | None:
    if entry.get("available_rounds") is None:
        return None
    values = entry["available_rounds"]
    if not isinstance(values, list):
        raise InstanceError(f'{where}: "available_rounds" must be a list of rounds')
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InstanceError(
                f'{where}: "available_rounds" holds {json.dumps(value)}, not a round number'
            )
        _check_round(value, rounds, where, "available round")
    return frozenset(values)


def _entry(entry: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise InstanceError(f"{where}: must be a JSON object")
    return entry


def _table(raw: Any, where: str, rounds: int) -> Table:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    sites = entry.get("sites") or []
    if not isinstance(sites, list) or not all(isinstance(site, str) for site in sites):
        raise InstanceError(f'{where}: "sites" must be a list of site names')
    label = entry.get("label", "")
    location = _location(entry, where)
    return Table(
        id=_string(entry, "id", where),
        specialty=_string(entry, "specialty", where, default=""),
        track=_track(entry, where),
        capacity=_integer(entry, "capacity", where, minimum=1, default=1),
        available_rounds=_rounds(entry, where, rounds),
        sites=tuple(sites),
        label=label if isinstance(label, str) else "",
        location=location,
    )


def _group(raw: Any, where: str, rounds: int) -> Group:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    site = entry.get("site")
    if site is not None and not isinstance(site, str):
        raise InstanceError(f'{where}: "site" must be a site name')
    return Group(
        id=_string(entry, "id", where),
        name=_string(entry, "name", where, default=""),
        track=_track(entry, where),
        size=_integer(entry, "size", where, minimum=1, default=1),
        site=site,
        available_rounds=_rounds(entry, where, rounds),
        location=_location(entry, where),
    )


def _location(entry: Mapping[str, Any], where: str) -> str | None:
    location = entry.get("location")
    if location is not None and (not isinstance(location, str) or not location):
        raise InstanceError(f'{where}: "location" must be a non-empty location name')
    return location


def _unique_ids(ids: list[str], key: str) -> set[str]:
    seen: dict[str, int] = {}
    for index, entry_id in enumerate(ids):
        if entry_id in seen:
            raise InstanceError(
                f'{key}[{index}] (id "{entry_id}"): duplicate id, '
                f"already used by {key}[{seen[entry_id]}]"
            )
        seen[entry_id] = index
    return set(seen)


def _pair(raw: Any, where: str, group_ids: set[str], table_ids: set[str]) -> tuple[str, str]:
    entry = _entry(raw, where)
    group = _string(entry, "group", where)
    table = _string(entry, "table", where)
    if group not in group_ids:
        raise InstanceError(f'{where}: group "{group}" is not one of the groups')
    if table not in table_ids:
        raise InstanceError(f'{where}: table "{table}" is not one of the tables')
    return group, table
