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
