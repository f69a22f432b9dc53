import json
from typing import Any

import pytest

from rotations.solver import (
    Group,
    InstanceError,
    Problem,
    Solution,
    Status,
    Table,
    Track,
    Visit,
    instance_strategy,
    load_instance,
    parse_instance,
    problem_to_json,
    solution_to_json,
)
from rotations.solver.instance import instance_warnings


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "rotation-instance/1",
        "name": "Spring",
        "rounds": 3,
        "tables": [
            {
                "id": "T01",
                "specialty": "Cardiology",
                "track": "adult",
                "capacity": 2,
                "available_rounds": [1, 2],
                "sites": ["Quincy"],
            },
            {"id": "T02", "specialty": "Neonatology", "track": "pediatric"},
        ],
        "groups": [
            {
                "id": "G01",
                "name": "Internal Medicine, Quincy",
                "track": "adult",
                "size": 6,
                "site": "Quincy",
                "available_rounds": [2, 3],
            },
            {"id": "G02", "name": "Pediatrics, Quincy", "track": "pediatric"},
        ],
        "affinity": [{"group": "G01", "table": "T01", "weight": 3}],
        "met_before": [{"group": "G02", "table": "T02"}],
        "pinned": [{"round": 1, "group": "G02", "table": "T02"}],
    }
    doc.update(changes)
    return doc


def error_of(doc: Any) -> str:
    with pytest.raises(InstanceError) as caught:
        parse_instance(doc)
    return str(caught.value)


def test_parse_instance_valid_document():
    doc = document()

    problem = parse_instance(doc)

    assert problem == Problem(
        name="Spring",
        rounds=3,
        tables=(
            Table(
                id="T01",
                specialty="Cardiology",
                track=Track.ADULT,
                capacity=2,
                available_rounds=frozenset({1, 2}),
                sites=("Quincy",),
            ),
            Table(id="T02", specialty="Neonatology", track=Track.PEDIATRIC),
        ),
        groups=(
            Group(
                id="G01",
                name="Internal Medicine, Quincy",
                track=Track.ADULT,
                size=6,
                site="Quincy",
                available_rounds=frozenset({2, 3}),
            ),
            Group(id="G02", name="Pediatrics, Quincy", track=Track.PEDIATRIC),
        ),
        round_minutes=10,
        affinity=(("G01", "T01", 3),),
        met_before=frozenset({("G02", "T02")}),
        pinned=(Visit(round=1, group="G02", table="T02"),),
    )


def test_parse_instance_bad_track():
    doc = document()
    doc["groups"][1]["track"] = "kids"

    message = error_of(doc)

    assert message == 'groups[1] (id "G02"): track "kids" is not one of adult, pediatric, all-ages'


def test_parse_instance_duplicate_id():
    doc = document()
    doc["tables"][1]["id"] = "T01"

    message = error_of(doc)

    assert message == 'tables[1] (id "T01"): duplicate id, already used by tables[0]'


def test_parse_instance_unknown_group_in_affinity():
    doc = document(affinity=[{"group": "G09", "table": "T01", "weight": 1}])

    message = error_of(doc)

    assert message == 'affinity[0]: group "G09" is not one of the groups'


def test_parse_instance_unknown_table_in_met_before():
    doc = document(met_before=[{"group": "G01", "table": "T09"}])

    message = error_of(doc)

    assert message == 'met_before[0]: table "T09" is not one of the tables'


def test_parse_instance_unknown_group_in_pinned():
    doc = document(pinned=[{"round": 1, "group": "G07", "table": "T01"}])

    message = error_of(doc)

    assert message == 'pinned[0]: group "G07" is not one of the groups'


def test_parse_instance_pinned_round_out_of_range():
    doc = document(pinned=[{"round": 4, "group": "G01", "table": "T01"}])

    message = error_of(doc)

    assert message == 'pinned[0]: "round" 4 is outside 1..3'


def test_parse_instance_available_round_out_of_range():
    doc = document()
    doc["tables"][0]["available_rounds"] = [0, 1]

    message = error_of(doc)

    assert message == 'tables[0] (id "T01"): available round 0 is outside 1..3'


def test_parse_instance_missing_rounds():
    doc = document()
    del doc["rounds"]

    message = error_of(doc)

    assert message == 'the instance: "rounds" is missing'


def test_parse_instance_missing_track():
    doc = document()
    del doc["tables"][0]["track"]

    message = error_of(doc)

    assert message == 'tables[0] (id "T01"): "track" is missing'


def test_parse_instance_missing_group_id():
    doc = document()
    del doc["groups"][0]["id"]

    message = error_of(doc)

    assert message == 'groups[0]: "id" is missing'


def test_parse_instance_wrong_format():
    doc = document(format="rotation-instance/2")

    message = error_of(doc)

    assert message == '"format" is "rotation-instance/2", expected "rotation-instance/1"'


def test_parse_instance_not_an_object():
    message = error_of([1, 2])

    assert message == "the instance must be a JSON object"


def test_load_instance_invalid_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": ', encoding="utf-8")

    with pytest.raises(InstanceError) as caught:
        load_instance(path)

    assert str(caught.value) == (f"{path}: not valid JSON (line 1, column 12: Expecting value)")


def test_load_instance_missing_file(tmp_path):
    path = tmp_path / "nope.json"

    with pytest.raises(InstanceError) as caught:
        load_instance(path)

    assert str(caught.value) == f"{path}: no such file"


def test_load_instance_reads_file(tmp_path):
    path = tmp_path / "spring.json"
    path.write_text(json.dumps(document()), encoding="utf-8")

    problem = load_instance(path)

    assert problem == parse_instance(document())


def test_solution_to_json_shape():
    problem = parse_instance(document())
    solution = Solution(
        status=Status.FEASIBLE,
        visits=(Visit(1, "G02", "T02"),),
        visits_upper_bound=4,
        min_share_upper_bound=1.0,
        min_share=0.5,
        affinity=0,
        met_before_revisits=1,
        repeated_pairs=0,
        solve_seconds=0.01234,
    )

    document_out = solution_to_json(problem, solution)

    assert document_out == {
        "format": "rotation-schedule/1",
        "instance": "Spring",
        "status": "feasible",
        "assignments": [{"round": 1, "group": "G02", "table": "T02"}],
        "stats": {
            "visits": 1,
            "visits_upper_bound": 4,
            "min_share": 0.5,
            "min_share_upper_bound": 1.0,
            "affinity": 0,
            "met_before_revisits": 1,
            "repeated_pairs": 0,
            "solve_seconds": 0.012,
            "changed_visits": 0,
            "changed_groups": 0,
            "kept_visits": 0,
            "proved_levels": [],
        },
    }


def test_parse_instance_reads_locations():
    doc = document()
    doc["tables"][0]["location"] = "Quincy"
    doc["groups"][1]["location"] = None

    problem = parse_instance(doc)

    assert [t.location for t in problem.tables] == ["Quincy", None]
    assert [g.location for g in problem.groups] == [None, None]


def test_parse_instance_bad_location():
    doc = document()
    doc["groups"][0]["location"] = 7

    message = error_of(doc)

    assert message == 'groups[0] (id "G01"): "location" must be a non-empty location name'


def test_problem_to_json_reads_back_as_the_same_problem_with_every_optional_field():
    problem = Problem(
        name="Two halls",
        rounds=3,
        round_minutes=12,
        tables=(
            Table("T1", "Cardiology", Track.ADULT, capacity=2, sites=("Quincy",), label="table 1"),
            Table(
                "T2",
                "Neonatology",
                Track.PEDIATRIC,
                available_rounds=frozenset({2, 3}),
                location="Hall B",
            ),
        ),
        groups=(
            Group("G1", "IM, Quincy", Track.ADULT, size=5, site="Quincy"),
            Group(
                "G2", "Peds", Track.ALL_AGES, available_rounds=frozenset({1, 3}), location="Hall B"
            ),
        ),
        affinity=(("G1", "T1", 2),),
        met_before=frozenset({("G2", "T2")}),
        pinned=(Visit(3, "G2", "T2"),),
    )

    assert parse_instance(problem_to_json(problem)) == problem


def test_parse_instance_met_before_weight_is_kept_below_full():
    doc = document(
        met_before=[
            {"group": "G02", "table": "T02", "weight": 1},
            {"group": "G01", "table": "T01", "weight": 4},
            {"group": "G01", "table": "T02"},
        ]
    )

    problem = parse_instance(doc)

    assert (problem.met_before, problem.met_before_weights) == (
        frozenset({("G02", "T02"), ("G01", "T01"), ("G01", "T02")}),
        (("G02", "T02", 1),),
    )
    assert problem_to_json(problem)["met_before"] == [
        {"group": "G01", "table": "T01"},
        {"group": "G01", "table": "T02"},
        {"group": "G02", "table": "T02", "weight": 1},
    ]
    assert parse_instance(problem_to_json(problem)) == problem


def test_parse_instance_met_before_weight_above_full():
    doc = document(met_before=[{"group": "G02", "table": "T02", "weight": 5}])

    message = error_of(doc)

    assert message == 'met_before[0] (group "G02", table "T02"): "weight" must be at most 4, not 5'


def test_parse_instance_met_before_weight_below_one():
    doc = document(met_before=[{"group": "G02", "table": "T02", "weight": 0}])

    message = error_of(doc)

    assert message == 'met_before[0] (group "G02", table "T02"): "weight" must be at least 1, not 0'


def test_parse_instance_replan_round_trips():
    doc = document(previous=[{"round": 1, "group": "G02", "table": "T02"}], replan_from_round=2)

    problem = parse_instance(doc)

    assert (problem.previous, problem.replan_from_round) == ((Visit(1, "G02", "T02"),), 2)
    assert parse_instance(problem_to_json(problem)) == problem


def test_parse_instance_previous_without_replan_round():
    doc = document(previous=[{"round": 1, "group": "G02", "table": "T02"}])

    with pytest.raises(InstanceError) as error:
        parse_instance(doc)

    assert str(error.value) == (
        'the instance: "previous" is given without "replan_from_round"; say from which round '
        "to plan again"
    )


def test_parse_instance_previous_unknown_group():
    doc = document(previous=[{"round": 1, "group": "G09", "table": "T02"}], replan_from_round=2)

    with pytest.raises(InstanceError) as error:
        parse_instance(doc)

    assert str(error.value) == 'previous[0]: group "G09" is not one of the groups'


def test_parse_instance_replan_round_out_of_range():
    with pytest.raises(InstanceError) as error:
        parse_instance(document(replan_from_round=4))

    assert str(error.value) == 'the instance: "replan_from_round" 4 is outside 1..3'


def test_instance_strategy_unknown():
    with pytest.raises(InstanceError) as error:
        instance_strategy(document(strategy="cheapest"))

    assert str(error.value) == (
        'the instance: strategy "cheapest" is not one of fewest-changes, best'
    )


def test_parse_instance_missing_format():
    doc = document()
    del doc["format"]

    message = error_of(doc)

    assert message == 'missing "format": expected "rotation-instance/1"'


def test_parse_instance_negative_affinity_weight():
    doc = document(affinity=[{"group": "G01", "table": "T01", "weight": -2}])

    message = error_of(doc)

    assert message == (
        'affinity[0] (group "G01", table "T01"): "weight" must be at least 0, not -2'
    )


def test_parse_instance_too_many_rounds():
    doc = document(rounds=10_000)

    message = error_of(doc)

    assert message == 'the instance: "rounds" is 10000, more than the solver takes (at most 200)'


def test_parse_instance_too_many_tables():
    tables = [{"id": f"T{i}", "track": "adult"} for i in range(5_001)]
    doc = document(tables=tables, affinity=[], met_before=[], pinned=[])

    message = error_of(doc)

    assert message == "the instance: 5,001 tables, more than the solver takes (at most 5,000)"


def test_parse_instance_empty_available_rounds_is_never_present():
    doc = document()
    doc["groups"][1]["available_rounds"] = []

    problem = parse_instance(doc)

    assert problem.groups[1].available_rounds == frozenset()


def test_instance_warnings_empty_available_rounds():
    doc = document()
    doc["tables"][1]["available_rounds"] = []

    warnings = instance_warnings(parse_instance(doc))

    assert warnings == [
        'tables[1] (id "T02"): "available_rounds" is [], which means present in no round, '
        'so it gets no visit (leave "available_rounds" out for every round)'
    ]


def test_instance_warnings_no_tables_and_no_groups():
    doc = document(tables=[], groups=[], affinity=[], met_before=[], pinned=[])

    warnings = instance_warnings(parse_instance(doc))

    assert warnings == [
        'the instance has no tables ("tables" is empty): the schedule is empty',
        'the instance has no groups ("groups" is empty): the schedule is empty',
    ]


def test_instance_warnings_none_for_a_sound_instance():
    warnings = instance_warnings(parse_instance(document()))

    assert warnings == []
