"""The benchmark: figures for one run, and the table over a folder of instances."""

import shutil
from pathlib import Path

from benchmarks import bench

INSTANCES = Path(__file__).resolve().parents[2] / "benchmarks" / "instances"


def test_default_instances_is_the_folder_in_the_repository(monkeypatch):
    monkeypatch.delenv("ROUNDS_INSTANCES", raising=False)

    assert bench.default_instances() == INSTANCES


def test_default_instances_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ROUNDS_INSTANCES", str(tmp_path))

    assert bench.default_instances() == tmp_path


def test_run_one_greedy_gives_the_baseline_figures():
    row = bench.run_one(INSTANCES / "regional-45.json", "greedy", 5.0)

    del row["seconds"], row["memory_mb"]
    assert row == {
        "visits": 37,
        "bound": 38,
        "share": 5 / 6,
        "share_bound": 1.0,
        "affinity": 36,
        "repeated": 0,
        "revisits": 2,
        "spread": 175,
        "status": "-",
        "valid": True,
    }


def test_run_one_solver_reaches_the_bound_on_a_small_instance():
    row = bench.run_one(INSTANCES / "regional-45.json", "solver", 5.0)

    assert (row["status"], row["visits"], row["bound"], row["valid"]) == ("optimal", 38, 38, True)


def test_run_one_solves_a_synthetic_event():
    row = bench.run_one(Path("synthetic:0"), "greedy", 5.0)

    assert (row["valid"], row["visits"] <= row["bound"]) == (True, True)


def test_main_prints_a_row_per_instance_and_method(tmp_path, capsys):
    shutil.copy(INSTANCES / "regional-45.json", tmp_path)

    code = bench.main(["--instances", str(tmp_path), "--time-limit", "5"])

    rows = capsys.readouterr().out.splitlines()[2:]
    assert code == 0
    assert [row.split()[:3] + row.split()[-1:] for row in rows] == [
        ["regional-45", "solver", "optimal", "valid"],
        ["regional-45", "greedy", "-", "valid"],
    ]


def test_main_without_instances_says_so(tmp_path, capsys):
    code = bench.main(["--instances", str(tmp_path)])

    assert (code, capsys.readouterr().err) == (2, f"no instances in {tmp_path}\n")
