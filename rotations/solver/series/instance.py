"""Reading series-instance/1 JSON into a ``SeriesProblem`` and writing series-plan/1 JSON.

The format is described in ``docs/solver-format.md`` ("The series planner"). Every input error
raises ``InstanceError`` (the rotation instance's) with one message that names the offending
entry, e.g. ``specialists[3] (id "P4"): available evening "E9" is not one of the evenings``.
What is valid but probably a mistake (a group with no evening to attend, a specialist with
none to anchor, an evening with no tables) is listed by ``series_warnings``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rotations.solver.instance import (
    InstanceError,
    _describe,
    _entry,
    _integer,
    _list,
    _string,
    _track,
    _unique_ids,
)
from rotations.solver.problem import Track
from rotations.solver.series.limits import series_size_error
from rotations.solver.series.problem import (
    Anchor,
    Attendance,
    Department,
    Evening,
    Group,
    Need,
    PlanStatus,
    SeriesIndex,
    SeriesPlan,
    SeriesProblem,
    Specialist,
)

SERIES_FORMAT = "series-instance/1"
PLAN_FORMAT = "series-plan/1"


def parse_series(data: Any) -> SeriesProblem:
    """Validate a decoded series-instance/1 document and return its ``SeriesProblem``."""
    if not isinstance(data, Mapping):
        raise InstanceError("the season must be a JSON object")
    if data.get("format") is None:
        raise InstanceError(f'missing "format": expected "{SERIES_FORMAT}"')
    if data["format"] != SERIES_FORMAT:
        raise InstanceError(f'"format" is {json.dumps(data["format"])}, expected "{SERIES_FORMAT}"')
    name = data.get("name", "")
    if not isinstance(name, str):
        raise InstanceError('the instance: "name" must be a string')
    raw = {key: _list(data, key, required=key != "departments") for key in _KEYS}
    error = series_size_error(len(raw["evenings"]), len(raw["specialists"]), len(raw["groups"]))
    if error is not None:
        raise InstanceError(f"the instance: {error}")

    evenings = tuple(_evening(entry, f"evenings[{i}]") for i, entry in enumerate(raw["evenings"]))
    evening_ids = _unique_ids([evening.id for evening in evenings], "evenings")
    departments = tuple(
        _department(entry, f"departments[{i}]") for i, entry in enumerate(raw["departments"])
    )
    department_ids = _unique_ids([d.id for d in departments], "departments")
    specialists = tuple(
        _specialist(entry, f"specialists[{i}]", evening_ids)
        for i, entry in enumerate(raw["specialists"])
    )
    _unique_ids([specialist.id for specialist in specialists], "specialists")
    groups = tuple(
        _group(entry, f"groups[{i}]", evening_ids, department_ids if departments else None)
        for i, entry in enumerate(raw["groups"])
    )
    _unique_ids([group.id for group in groups], "groups")
    return SeriesProblem(
        name=name,
        evenings=evenings,
        specialists=specialists,
        groups=groups,
        departments=departments,
    )


_KEYS = ("evenings", "specialists", "departments", "groups")


def series_warnings(problem: SeriesProblem) -> list[str]:
    """What in a valid season is probably a mistake, one sentence each."""
    ix = SeriesIndex(problem)
    warnings = []
    for e, evening in enumerate(problem.evenings):
        if evening.tables == 0:
            warnings.append(f'evenings[{e}] (id "{evening.id}"): "tables" is 0, so nobody anchors')
    for p, specialist in enumerate(problem.specialists):
        if not any(ix.tables[e] for e in ix.anchor_options[p]):
            warnings.append(
                f'specialists[{p}] (id "{specialist.id}"): no evening with tables they may '
                "anchor, so they anchor none"
            )
    for g, group in enumerate(problem.groups):
        if ix.attends[g] == 0:
            warnings.append(
                f'groups[{g}] (id "{group.id}"): no evening it may attend (none covers its '
                "sites, or it attends none), so its pairs cannot meet"
            )
    return warnings


def series_to_json(problem: SeriesProblem) -> dict[str, Any]:
    """The series-instance/1 document of ``problem``: ``parse_series`` reads it back to an
    equal ``SeriesProblem``."""

    def available(value: frozenset[str] | None) -> dict[str, Any]:
        return {} if value is None else {"available_evenings": sorted(value)}

    return {
        "format": SERIES_FORMAT,
        "name": problem.name,
        "evenings": [
            {
                "id": evening.id,
                "label": evening.label,
                "sites": list(evening.sites),
                "tables": evening.tables,
            }
            for evening in problem.evenings
        ],
        "specialists": [
            {
                "id": specialist.id,
                "name": specialist.name,
                "specialty": specialist.specialty,
                "track": specialist.track.value,
                "sites": list(specialist.sites),
                **available(specialist.available_evenings),
                "max_evenings": specialist.max_evenings,
            }
            for specialist in problem.specialists
        ],
        "departments": [
            {"id": department.id, "name": department.name, "needs": list(department.needs)}
            for department in problem.departments
        ],
        "groups": [
            {
                "id": group.id,
                "name": group.name,
                "department": group.department,
                "track": group.track.value,
                "clinicians": dict(group.clinicians),
                **available(group.available_evenings),
                "evenings": group.evenings,
            }
            for group in problem.groups
        ],
    }


def plan_to_json(problem: SeriesProblem, plan: SeriesPlan) -> dict[str, Any]:
    """The series-plan/1 document of ``plan``: each evening with its anchors and groups (the
    evenings the per-evening solver then schedules), the same as two lists, and the figures.
    ``parse_plan`` reads it back."""
    anchors: dict[str, list[str]] = {evening.id: [] for evening in problem.evenings}
    groups: dict[str, list[str]] = {evening.id: [] for evening in problem.evenings}
    for anchor in plan.anchors:
        anchors[anchor.evening].append(anchor.specialist)
    for attendance in plan.attendance:
        groups[attendance.evening].append(attendance.group)
    return {
        "format": PLAN_FORMAT,
        "instance": problem.name,
        "status": plan.status.value,
        "summary": plan.summary(),
        "evenings": [
            {
                "id": evening.id,
                "tables": evening.tables,
                "anchors": anchors[evening.id],
                "groups": groups[evening.id],
            }
            for evening in problem.evenings
        ],
        "anchors": [{"specialist": a.specialist, "evening": a.evening} for a in plan.anchors],
        "attendance": [{"group": a.group, "evening": a.evening} for a in plan.attendance],
        "unmet_needs": [{"group": n.group, "specialty": n.specialty} for n in plan.unmet_needs],
        "unplaced_groups": list(plan.unplaced_groups),
        "stats": {
            "shared_patient_pairs": plan.shared_patient_pairs,
            "pairs_meeting": plan.pairs_meeting,
            "upper_bound": plan.upper_bound,
            "share": round(plan.share, 4),
            "share_upper_bound": round(plan.share_upper_bound, 4),
            "needs": plan.needs,
            "needs_met": plan.needs_met,
            "needs_upper_bound": plan.needs_upper_bound,
            "solve_seconds": round(plan.solve_seconds, 3),
            "stopped": plan.stopped,
        },
    }


def parse_plan(data: Any) -> SeriesPlan:
    """The ``SeriesPlan`` of a decoded series-plan/1 document (``plan_to_json``)."""
    if not isinstance(data, Mapping) or data.get("format") != PLAN_FORMAT:
        raise InstanceError(f'the plan must be a JSON object with "format": "{PLAN_FORMAT}"')
    try:
        stats = data["stats"]
        return SeriesPlan(
            status=PlanStatus(data["status"]),
            anchors=tuple(Anchor(a["specialist"], a["evening"]) for a in data["anchors"]),
            attendance=tuple(Attendance(a["group"], a["evening"]) for a in data["attendance"]),
            shared_patient_pairs=int(stats["shared_patient_pairs"]),
            pairs_meeting=int(stats["pairs_meeting"]),
            upper_bound=int(stats["upper_bound"]),
            needs=int(stats["needs"]),
            needs_met=int(stats["needs_met"]),
            needs_upper_bound=int(stats["needs_upper_bound"]),
            unmet_needs=tuple(Need(n["group"], n["specialty"]) for n in data["unmet_needs"]),
            unplaced_groups=tuple(data["unplaced_groups"]),
            solve_seconds=float(stats["solve_seconds"]),
            stopped=bool(stats["stopped"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InstanceError(f"the plan cannot be read ({exc!r})") from None


def _sites(entry: Mapping[str, Any], where: str) -> tuple[str, ...]:
    sites = entry.get("sites")
    if sites is None:
        raise InstanceError(f'{where}: "sites" is missing')
    if not isinstance(sites, list) or not all(isinstance(s, str) and s for s in sites):
        raise InstanceError(f'{where}: "sites" must be a list of site names')
    return tuple(sites)


def _available(
    entry: Mapping[str, Any], where: str, evening_ids: set[str]
) -> frozenset[str] | None:
    values = entry.get("available_evenings")
    if values is None:
        return None
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise InstanceError(f'{where}: "available_evenings" must be a list of evening ids')
    for value in values:
        if value not in evening_ids:
            raise InstanceError(f'{where}: available evening "{value}" is not one of the evenings')
    return frozenset(values)


def _track_or_default(entry: Mapping[str, Any], where: str) -> Track:
    return Track.ALL_AGES if entry.get("track") is None else _track(entry, where)


def _evening(raw: Any, where: str) -> Evening:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    label = entry.get("label", "")
    return Evening(
        id=_string(entry, "id", where),
        label=label if isinstance(label, str) else "",
        sites=_sites(entry, where),
        tables=_integer(entry, "tables", where, minimum=0),
    )


def _department(raw: Any, where: str) -> Department:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    needs = entry.get("needs") or []
    if not isinstance(needs, list) or not all(isinstance(n, str) and n for n in needs):
        raise InstanceError(f'{where}: "needs" must be a list of specialties')
    return Department(
        id=_string(entry, "id", where),
        name=_string(entry, "name", where, default=""),
        needs=tuple(needs),
    )


def _specialist(raw: Any, where: str, evening_ids: set[str]) -> Specialist:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    return Specialist(
        id=_string(entry, "id", where),
        name=_string(entry, "name", where, default=""),
        specialty=_string(entry, "specialty", where),
        track=_track_or_default(entry, where),
        sites=_sites(entry, where),
        available_evenings=_available(entry, where, evening_ids),
        max_evenings=_integer(entry, "max_evenings", where, minimum=0, default=1),
    )


def _group(raw: Any, where: str, evening_ids: set[str], department_ids: set[str] | None) -> Group:
    entry = _entry(raw, where)
    where = _describe(entry, where)
    department = _string(entry, "department", where)
    if department_ids is not None and department not in department_ids:
        raise InstanceError(f'{where}: department "{department}" is not one of the departments')
    clinicians = entry.get("clinicians")
    if (
        not isinstance(clinicians, Mapping)
        or not clinicians
        or not all(isinstance(site, str) and site for site in clinicians)
    ):
        raise InstanceError(
            f'{where}: "clinicians" must map each site to its number of clinicians, '
            'e.g. {"Quincy": 6}'
        )
    for site in clinicians:
        _integer(clinicians, site, f'{where}: "clinicians"', minimum=1)
    return Group(
        id=_string(entry, "id", where),
        name=_string(entry, "name", where, default=""),
        department=department,
        track=_track_or_default(entry, where),
        clinicians=tuple((site, int(count)) for site, count in clinicians.items()),
        available_evenings=_available(entry, where, evening_ids),
        evenings=_integer(entry, "evenings", where, minimum=0, default=1),
    )
