from dataclasses import replace

from rotations.solver import Group, Problem, Table, Track, Visit, check_schedule, move_violations

PROBLEM = Problem(
    name="checks",
    rounds=3,
    tables=(
        Table(id="T01", specialty="Cardiology", track=Track.ADULT),
        Table(
            id="T02", specialty="Neonatology", track=Track.PEDIATRIC, label="table 2 (Neonatology)"
        ),
        Table(
            id="T03",
            specialty="Dermatology",
            track=Track.ALL_AGES,
            capacity=2,
            available_rounds=frozenset({1, 2}),
        ),
    ),
    groups=(
        Group(id="G01", name="Internal Medicine, Quincy", track=Track.ADULT),
        Group(id="G02", name="Family Medicine, Dedham", track=Track.ALL_AGES),
        Group(
            id="G03",
            name="Pediatrics, Quincy",
            track=Track.PEDIATRIC,
            available_rounds=frozenset({1, 2}),
        ),
    ),
    pinned=(Visit(1, "G02", "T01"),),
)


def test_check_schedule_valid():
    visits = [
        Visit(1, "G02", "T01"),
        Visit(1, "G01", "T03"),
        Visit(2, "G02", "T03"),
        Visit(2, "G03", "T02"),
        Visit(3, "G01", "T01"),
    ]

    problems = check_schedule(PROBLEM, visits)

    assert problems == []


def test_check_schedule_group_at_two_tables():
    visits = [Visit(1, "G02", "T01"), Visit(1, "G02", "T03")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == [
        "group G02 (Family Medicine, Dedham) is at 2 tables in round 1: "
        "table T01 (Cardiology), table T03 (Dermatology)"
    ]


def test_check_schedule_table_over_capacity():
    visits = [Visit(1, "G02", "T01"), Visit(1, "G01", "T01")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == ["table T01 (Cardiology) has 2 groups in round 1 but hosts 1"]


def test_check_schedule_revisit():
    visits = [Visit(1, "G02", "T01"), Visit(2, "G02", "T01")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == [
        "group G02 (Family Medicine, Dedham) visits table T01 (Cardiology) more than once: "
        "rounds 1 and 2"
    ]


def test_check_schedule_wrong_track():
    visits = [Visit(1, "G02", "T01"), Visit(2, "G01", "T02")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == [
        "group G01 (Internal Medicine, Quincy) (adult) visits table 2 (Neonatology) (pediatric)"
    ]


def test_check_schedule_table_absent():
    visits = [Visit(1, "G02", "T01"), Visit(3, "G01", "T03")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == [
        "group G01 (Internal Medicine, Quincy) visits table T03 (Dermatology) in round 3 "
        "but its anchor is not there in round 3"
    ]


def test_check_schedule_group_absent():
    visits = [Visit(1, "G02", "T01"), Visit(3, "G03", "T02")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == [
        "group G03 (Pediatrics, Quincy) visits table 2 (Neonatology) in round 3 "
        "but the group is not there in round 3"
    ]


def test_check_schedule_pin_missing():
    visits = [Visit(2, "G02", "T01")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == [
        "group G02 (Family Medicine, Dedham) is pinned to table T01 (Cardiology) in round 1 "
        "but is not there"
    ]


def test_check_schedule_unknown_group():
    visits = [Visit(1, "G02", "T01"), Visit(2, "G09", "T01")]

    problems = check_schedule(PROBLEM, visits)

    assert problems == ['round 2: group "G09" is not in the event']


def test_check_schedule_other_location():
    problem = Problem(
        name="two locations",
        rounds=1,
        tables=(Table(id="T01", specialty="Cardiology", track=Track.ADULT, location="Quincy"),),
        groups=(Group(id="G01", name="Internal Medicine", track=Track.ADULT, location="Dedham"),),
    )

    problems = check_schedule(problem, [Visit(1, "G01", "T01")])

    assert problems == [
        "group G01 (Internal Medicine) (at Dedham) visits table T01 (Cardiology) (at Quincy)"
    ]


MOVE_PROBLEM = Problem(
    name="moves",
    rounds=3,
    tables=(
        Table(id="T1", specialty="Cardiology", track=Track.ADULT, label="table 5 (Cardiology)"),
        Table(
            id="T2", specialty="Neonatology", track=Track.PEDIATRIC, available_rounds=frozenset({1})
        ),
    ),
    groups=(
        Group(id="G1", name="Internal Medicine North", track=Track.ADULT),
        Group(
            id="G2",
            name="Pediatrics North",
            track=Track.ALL_AGES,
            available_rounds=frozenset({1, 3}),
        ),
    ),
)
MOVE_VISITS = [Visit(1, "G1", "T1"), Visit(3, "G2", "T1")]


def test_move_violations_full_table():
    problems = move_violations(MOVE_PROBLEM, MOVE_VISITS, group="G1", round=3, table="T1")

    assert problems == [
        "Table 5 (Cardiology) hosts 1 group a round and already has Pediatrics North in round 3.",
        "Internal Medicine North already visits table 5 (Cardiology) in round 1: a group meets "
        "each table once.",
    ]


def test_move_violations_track_and_absent_anchor():
    problems = move_violations(MOVE_PROBLEM, MOVE_VISITS, group="G1", round=2, table="T2")

    assert problems == [
        "Internal Medicine North follows the adult track; table T2 (Neonatology) serves "
        "pediatric patients.",
        "No anchor is at table T2 (Neonatology) in round 2.",
    ]


def test_move_violations_allowed_move_replaces_the_visit():
    problems = move_violations(MOVE_PROBLEM, MOVE_VISITS, group="G2", round=3, table="T1")

    assert problems == []


def test_move_violations_frozen_round_of_a_replan():
    problem = replace(MOVE_PROBLEM, previous=tuple(MOVE_VISITS), replan_from_round=2)

    problems = move_violations(problem, MOVE_VISITS, group="G1", round=1, table=None)

    assert problems == [
        "Round 1 came before the re-plan from round 2: its visits stay as published."
    ]
