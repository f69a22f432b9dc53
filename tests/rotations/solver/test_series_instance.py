"""series-instance/1 and series-plan/1: reading, writing, errors, and the command line."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.series_synthetic import series_season
from rotations.solver.instance import InstanceError
from rotations.solver.series import plan_series
from rotations.solver.series.instance import (
    parse_plan,
    parse_series,
    plan_to_json,
    series_to_json,
    series_warnings,
)

REPO = Path(__file__).resolve().parents[3]


def season(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "series-instance/1",
        "name": "Spring season",
        "evenings": [
            {"id": "E1", "label": "North", "sites": ["Quincy"], "tables": 1},
            {"id": "E2", "label": "South", "sites": ["Quincy", "Milton"], "tables": 1},
        ],
        "specialists": [
            {"id": "S1", "specialty": "Cardiology", "track": "adult", "sites": ["Quincy"]},
            {
                "id": "S2",
                "specialty": "Dermatology",
                "sites": ["Quincy", "Milton"],
                "available_evenings": ["E2"],
                "max_evenings": 2,
            },
        ],
        "departments": [{"id": "IM", "name": "Internal Medicine", "needs": ["Cardiology"]}],
        "groups": [
            {"id": "G1", "department": "IM", "clinicians": {"Quincy": 3}},
            {"id": "G2", "department": "IM", "track": "adult", "clinicians": {"Milton": 2}},
        ],
    }
    doc.update(changes)
    return doc


def test_parse_series_round_trips():
    problem = series_season(2, clinicians=300, sites=6, evenings=3)

    again = parse_series(json.loads(json.dumps(series_to_json(problem))))

    assert again == problem


def test_parse_series_reads_defaults():
    problem = parse_series(season())

    assert problem.specialists[0].available_evenings is None
    assert problem.specialists[0].max_evenings == 1
    assert problem.specialists[1].available_evenings == frozenset({"E2"})
    assert problem.groups[0].clinicians == (("Quincy", 3),)
    assert (problem.groups[0].evenings, problem.groups[0].track.value) == (1, "all-ages")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "series-instance/2"}, '"format" is "series-instance/2", expected'),
        (
            {"evenings": [{"id": "E1", "sites": ["Q"]}]},
            'evenings[0] (id "E1"): "tables" is missing',
        ),
        (
            {"evenings": [{"id": "E1", "sites": ["Q"], "tables": 1}] * 2},
            'evenings[1] (id "E1"): duplicate id, already used by evenings[0]',
        ),
        (
            {
                "specialists": [
                    {"id": "S1", "specialty": "C", "sites": ["Q"], "available_evenings": ["E9"]}
                ]
            },
            'specialists[0] (id "S1"): available evening "E9" is not one of the evenings',
        ),
        (
            {"groups": [{"id": "G1", "department": "XX", "clinicians": {"Q": 1}}]},
            'groups[0] (id "G1"): department "XX" is not one of the departments',
        ),
        (
            {"groups": [{"id": "G1", "department": "IM", "clinicians": {"Q": 0}}]},
            'groups[0] (id "G1"): "clinicians": "Q" must be at least 1, not 0',
        ),
        (
            {"groups": [{"id": "G1", "department": "IM", "clinicians": ["Q"]}]},
            'groups[0] (id "G1"): "clinicians" must map each site to its number of clinicians',
        ),
        ({"specialists": "none"}, 'the instance: "specialists" must be a list'),
    ],
)
def test_parse_series_names_the_bad_entry(changes, message):
    with pytest.raises(InstanceError) as error:
        parse_series(season(**changes))

    assert message in str(error.value)


def test_series_warnings_name_what_cannot_take_part():
    problem = parse_series(
        season(groups=[{"id": "G9", "department": "IM", "clinicians": {"Nowhere": 2}}])
    )

    assert series_warnings(problem) == [
        'groups[0] (id "G9"): no evening it may attend (none covers its sites, or it attends '
        "none), so its pairs cannot meet"
    ]


def test_plan_to_json_lists_each_evening_and_reads_back():
    problem = parse_series(season())
    plan = plan_series(problem, time_limit_s=10)

    document = json.loads(json.dumps(plan_to_json(problem, plan)))

    assert document["evenings"] == [
        {"id": "E1", "tables": 1, "anchors": [], "groups": []},
        {"id": "E2", "tables": 1, "anchors": ["S1"], "groups": ["G1", "G2"]},
    ]
    assert document["stats"] | {"solve_seconds": 0} == {
        "shared_patient_pairs": 8,
        "pairs_meeting": 3,
        "upper_bound": 3,
        "share": 0.375,
        "share_upper_bound": 0.375,
        "needs": 2,
        "needs_met": 2,
        "needs_upper_bound": 2,
        "solve_seconds": 0,
        "stopped": False,
    }
    again = parse_plan(document)
    assert (again.anchors, again.attendance, again.status) == (
        plan.anchors,
        plan.attendance,
        plan.status,
    )


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rotations.solver", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_cli_series_writes_plan(tmp_path):
    path = tmp_path / "season.json"
    path.write_text(json.dumps(season()), encoding="utf-8")

    result = run("series", str(path), "--time-limit", "10", "--seed", "1")

    document = json.loads(result.stdout)
    assert result.returncode == 0
    assert (document["format"], document["instance"], document["status"]) == (
        "series-plan/1",
        "Spring season",
        "optimal",
    )
    assert result.stderr == (
        "38% of shared-patient pairs meet this season (the most that can); 2 of 2 needs met "
        "(optimal).\n"
    )


def test_cli_series_bad_input_exits_2(tmp_path):
    path = tmp_path / "season.json"
    path.write_text(json.dumps(season(evenings=[])) + "}", encoding="utf-8")

    result = run("series", str(path))

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: {path}: not valid JSON")


def test_cli_series_writes_output_file(tmp_path):
    path = tmp_path / "season.json"
    path.write_text(json.dumps(season()), encoding="utf-8")
    out = tmp_path / "plan.json"

    result = run("series", str(path), "--output", str(out), "--time-limit", "10")

    assert (result.returncode, result.stdout) == (0, "")
    assert json.loads(out.read_text(encoding="utf-8"))["stats"]["pairs_meeting"] == 3
