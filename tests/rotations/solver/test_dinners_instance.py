"""dinners-instance/1 and dinners-groups/1: reading, writing, errors, and the command line."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.dinners_synthetic import dinner_season
from rotations.solver.__main__ import main
from rotations.solver.dinners import form_groups
from rotations.solver.dinners.instance import (
    dinners_to_json,
    dinners_warnings,
    grouping_to_json,
    parse_dinners,
    parse_grouping,
)
from rotations.solver.instance import InstanceError

REPO = Path(__file__).resolve().parents[3]


def season(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "dinners-instance/1",
        "name": "Spring dinners",
        "evenings": ["tue", "thu"],
        "min_size": 2,
        "max_size": 3,
        "people": [
            {"id": "P1", "region": "North", "site": "Quincy", "evenings": ["tue"], "host": "yes"},
            {"id": "P2", "region": "North", "site": "Milton", "evenings": ["tue", "thu"]},
            {
                "id": "P3",
                "region": "North",
                "site": "Quincy",
                "department": "IM",
                "evenings": ["tue"],
                "reach": ["Quincy"],
                "host": "no",
            },
            {"id": "P4", "region": "North", "site": "Milton", "evenings": ["tue"]},
        ],
        "met": [{"a": "P1", "b": "P2", "weight": 1}],
        "not_with": [["P3", "P4"]],
    }
    doc.update(changes)
    return doc


def test_parse_dinners_round_trips():
    problem = dinner_season(2, people=150)

    again = parse_dinners(json.loads(json.dumps(dinners_to_json(problem))))

    assert again == problem


def test_grouping_round_trips():
    problem = parse_dinners(season())
    grouping = form_groups(problem, time_limit_s=5)

    again = parse_grouping(json.loads(json.dumps(grouping_to_json(problem, grouping))))

    assert again == grouping.__class__(
        **{
            **{name: getattr(grouping, name) for name in grouping.__slots__},
            "solve_seconds": round(grouping.solve_seconds, 3),
        }
    )


def test_grouping_to_json_lists_groups_and_figures():
    problem = parse_dinners(season())

    doc = grouping_to_json(problem, form_groups(problem, time_limit_s=5))

    assert doc["groups"] == [
        {
            "id": "G1",
            "region": "North",
            "evening": "tue",
            "host": "P1",
            "dinner_site": "Quincy",
            "members": ["P1", "P4"],
            "out_of_reach": [],
        },
        {
            # P3 would rather not host, so P2 does, though P3 cannot reach Milton.
            "id": "G2",
            "region": "North",
            "evening": "tue",
            "host": "P2",
            "dinner_site": "Milton",
            "members": ["P2", "P3"],
            "out_of_reach": ["P3"],
        },
    ]
    assert {key: doc["stats"][key] for key in ("groups", "members", "pairs", "new_pairs")} == {
        "groups": 2,
        "members": 4,
        "pairs": 2,
        "new_pairs": 2,
    }
    assert doc["status"] == "optimal"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "dinners/0"}, '"format" is "dinners/0", expected "dinners-instance/1"'),
        ({"evenings": ["tue", "tue"]}, 'evenings[1]: "tue" is listed twice'),
        ({"min_size": 1}, "the instance: the smallest group must have at least 2 people, not 1"),
        ({"max_size": 1}, "the instance: the largest group (1) is smaller than the smallest (2)"),
        (
            {"people": [{"id": "P1", "region": "North", "evenings": ["fri"]}]},
            'people[0] (id "P1"): evening "fri" is not one of the evenings',
        ),
        ({"people": [{"id": "P1", "evenings": []}]}, 'people[0] (id "P1"): "region" is missing'),
        (
            {"people": [{"id": "P1", "region": "N", "evenings": [], "host": "maybe"}]},
            'people[0] (id "P1"): "host" is "maybe", not one of "yes", "if-needed", "no"',
        ),
        (
            {"met": [{"a": "P1", "b": "P9"}]},
            'met[0]: "P9" is not one of the people',
        ),
        (
            {"met": [{"a": "P1", "b": "P2", "weight": 2}]},
            'met[0]: "weight" must be a number from 0 (never met) to 1, not 2',
        ),
        ({"not_with": [["P1", "P1"]]}, 'not_with[0]: names "P1" twice; a pair is two people'),
        ({"not_with": ["P1"]}, 'not_with[0]: must be a pair of people, e.g. ["P1", "P7"]'),
    ],
)
def test_parse_dinners_names_the_problem(changes, message):
    with pytest.raises(InstanceError) as caught:
        parse_dinners(season(**changes))

    assert str(caught.value) == message


def test_parse_dinners_rejects_duplicate_people():
    doc = season()
    doc["people"].append(dict(doc["people"][0]))

    with pytest.raises(InstanceError) as caught:
        parse_dinners(doc)

    assert str(caught.value) == 'people[4] (id "P1"): duplicate id, already used by people[0]'


def test_dinners_warnings_name_small_regions_and_people_with_no_evening():
    doc = season()
    doc["people"].append({"id": "S1", "region": "South", "evenings": []})

    warnings = dinners_warnings(parse_dinners(doc))

    assert warnings == [
        'region "South" has 1 sign-up, fewer than a group\'s 2, so nobody there is grouped',
        'people[4] (id "S1"): no evening suits them, so they are not grouped',
    ]


def test_cli_writes_groups_and_prints_the_figure(tmp_path, capsys):
    path = tmp_path / "season.json"
    path.write_text(json.dumps(season()), encoding="utf-8")
    out = tmp_path / "groups.json"

    status = main(["dinners", str(path), "--time-limit", "5", "--output", str(out)])

    assert status == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "dinners-groups/1"
    assert capsys.readouterr().err == (
        "2 of 2 pairs in your groups are new colleagues; a random grouping gives "
        f"{doc['stats']['random_new_pairs']} of {doc['stats']['random_pairs']} (optimal).\n"
        if doc["stats"]["random_pairs"] != 2
        else "2 of 2 pairs in your groups are new colleagues; a random grouping gives "
        f"{doc['stats']['random_new_pairs']} (optimal).\n"
    )


def test_cli_reports_bad_input_with_status_2(tmp_path, capsys):
    path = tmp_path / "season.json"
    path.write_text(json.dumps(season(min_size=0)), encoding="utf-8")

    status = main(["dinners", str(path)])

    assert status == 2
    assert capsys.readouterr().err == (
        "error: the instance: the smallest group must have at least 2 people, not 0\n"
    )


def test_cli_runs_as_a_module(tmp_path):
    path = tmp_path / "season.json"
    path.write_text(json.dumps(season()), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "rotations.solver", "dinners", str(path), "--time-limit", "5"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0
    assert json.loads(result.stdout)["stats"]["members"] == 4
