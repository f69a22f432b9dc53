import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

INSTANCE = {
    "format": "rotation-instance/1",
    "name": "Small",
    "rounds": 2,
    "tables": [
        {"id": "T1", "specialty": "Cardiology", "track": "adult"},
        {"id": "T2", "specialty": "Dermatology", "track": "all-ages"},
    ],
    "groups": [
        {"id": "G1", "name": "Internal Medicine", "track": "adult"},
        {"id": "G2", "name": "Family Medicine", "track": "all-ages"},
    ],
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rotations.solver", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def write(tmp_path: Path, document) -> str:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_cli_writes_schedule(tmp_path):
    path = write(tmp_path, INSTANCE)

    result = run(path, "--time-limit", "5", "--seed", "1")

    document = json.loads(result.stdout)
    assert (result.returncode, result.stderr) == (0, "")
    assert (document["format"], document["instance"], document["status"]) == (
        "rotation-schedule/1",
        "Small",
        "optimal",
    )
    assert len(document["assignments"]) == 4
    assert sorted(document["stats"]) == sorted(
        [
            "visits",
            "visits_upper_bound",
            "min_share",
            "min_share_upper_bound",
            "affinity",
            "met_before_revisits",
            "changed_visits",
            "changed_groups",
            "kept_visits",
            "proved_levels",
            "repeated_pairs",
            "solve_seconds",
        ]
    )


def test_cli_writes_output_file(tmp_path):
    path = write(tmp_path, INSTANCE)
    out = tmp_path / "out.json"

    result = run(path, "--output", str(out))

    assert (result.returncode, result.stdout) == (0, "")
    assert json.loads(out.read_text())["stats"]["visits"] == 4


def test_cli_infeasible_exits_1(tmp_path):
    path = write(
        tmp_path,
        {
            **INSTANCE,
            "pinned": [
                {"round": 1, "group": "G1", "table": "T2"},
                {"round": 1, "group": "G1", "table": "T1"},
            ],
        },
    )

    result = run(path)

    document = json.loads(result.stdout)
    assert (result.returncode, document["status"], document["assignments"]) == (1, "infeasible", [])
    assert document["reasons"] == [
        "group G1 (Internal Medicine) is pinned 2 times in round 1: "
        "table T1 (Cardiology), table T2 (Dermatology)"
    ]


def test_cli_bad_track_exits_2(tmp_path):
    path = write(tmp_path, {**INSTANCE, "groups": [{"id": "G1", "track": "kids"}]})

    result = run(path)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        'error: groups[0] (id "G1"): track "kids" is not one of adult, pediatric, all-ages\n'
    )


def test_cli_missing_file_exits_2(tmp_path):
    path = str(tmp_path / "missing.json")

    result = run(path)

    assert (result.returncode, result.stderr) == (2, f"error: {path}: no such file\n")


def test_cli_invalid_json_exits_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")

    result = run(str(path))

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: not valid JSON")
    assert "Traceback" not in result.stderr


def test_cli_missing_format_exits_2(tmp_path):
    document = {key: value for key, value in INSTANCE.items() if key != "format"}
    path = write(tmp_path, document)

    result = run(path)

    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        'error: missing "format": expected "rotation-instance/1"\n',
    )


def test_cli_negative_weight_exits_2(tmp_path):
    path = write(tmp_path, {**INSTANCE, "affinity": [{"group": "G1", "table": "T1", "weight": -1}]})

    result = run(path)

    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        'error: affinity[0] (group "G1", table "T1"): "weight" must be at least 0, not -1\n',
    )


def test_cli_too_many_rounds_exits_2(tmp_path):
    path = write(tmp_path, {**INSTANCE, "rounds": 10_000})

    result = run(path)

    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        'error: the instance: "rounds" is 10000, more than the solver takes (at most 200)\n',
    )


def test_cli_no_groups_warns_and_writes_an_empty_schedule(tmp_path):
    path = write(tmp_path, {**INSTANCE, "groups": []})

    result = run(path, "--time-limit", "5")

    document = json.loads(result.stdout)
    assert (result.returncode, result.stderr) == (
        0,
        'warning: the instance has no groups ("groups" is empty): the schedule is empty\n',
    )
    assert (document["status"], document["assignments"]) == ("optimal", [])


def test_cli_empty_available_rounds_warns(tmp_path):
    tables = [{**INSTANCE["tables"][0], "available_rounds": []}, INSTANCE["tables"][1]]
    path = write(tmp_path, {**INSTANCE, "tables": tables})

    result = run(path, "--time-limit", "5")

    assert (result.returncode, result.stderr) == (
        0,
        'warning: tables[0] (id "T1"): "available_rounds" is [], which means present in no '
        'round, so it gets no visit (leave "available_rounds" out for every round)\n',
    )


def test_cli_unwritable_output_exits_2_before_solving(tmp_path):
    path = write(tmp_path, INSTANCE)
    out = tmp_path / "missing" / "out.json"

    result = run(path, "--output", str(out))

    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"error: {out}: cannot be written (No such file or directory)\n",
    )


def test_cli_output_check_leaves_no_file_behind_on_bad_input(tmp_path):
    path = write(tmp_path, {**INSTANCE, "rounds": 0})
    out = tmp_path / "out.json"

    result = run(path, "--output", str(out))

    assert (result.returncode, out.exists()) == (2, False)
