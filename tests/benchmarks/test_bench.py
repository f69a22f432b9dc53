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
        "proved": 0,
        "value": 107,
        "valid": True,
        "small": True,
    }


def test_run_one_solver_reaches_the_bound_on_a_small_instance():
    row = bench.run_one(INSTANCES / "regional-45.json", "solver", 5.0)

    assert (row["status"], row["visits"], row["bound"], row["valid"]) == ("optimal", 38, 38, True)


def test_run_one_solves_a_synthetic_event():
    row = bench.run_one(Path("synthetic:0"), "greedy", 5.0)

    assert (row["valid"], row["visits"] <= row["bound"]) == (True, True)


def test_run_one_exact_proves_every_level_of_a_small_instance():
    row = bench.run_one(INSTANCES / "regional-45.json", "exact", 20.0)

    assert (row["status"], row["visits"], row["value"], row["repeated"], row["valid"]) == (
        "proved 4",
        38,
        108,
        0,
        True,
    )


def test_generated_reads_the_size_from_the_name():
    problem = bench.generated("synthetic:1:15:20:8")

    assert (problem.rounds, len(problem.tables), len(problem.groups)) == (8, 15, 20)


def test_gap_without_a_proved_reference_is_to_the_bounds():
    row = {"share": 0.5, "share_bound": 1.0, "visits": 9, "bound": 10}

    assert bench.gap(row, None) == "bounds: share -0.5, visits -1"


def test_main_prints_a_row_per_instance_and_method(tmp_path, capsys):
    shutil.copy(INSTANCES / "regional-45.json", tmp_path)

    code = bench.main(["--instances", str(tmp_path), "--time-limit", "5", "--windowed", "0"])

    solves, replans = capsys.readouterr().out.split("\n\n")
    assert code == 0
    assert [row.split()[:2] + row.split("valid  ")[1:] for row in solves.splitlines()[2:]] == [
        ["regional-45", "exact", "-"],
        ["regional-45", "solver", "exact: ="],
        ["regional-45", "greedy", "exact: share -0.1667, visits -1, value -1"],
    ]
    assert [row.split()[:2] + row.split()[-1:] for row in replans.splitlines()[2:]] == [
        ["regional-45", "fewest-changes", "valid"],
        ["regional-45", "best", "valid"],
    ]


def test_main_without_instances_says_so(tmp_path, capsys):
    code = bench.main(["--instances", str(tmp_path), "--windowed", "0"])

    assert (code, capsys.readouterr().err) == (2, f"no instances in {tmp_path}\n")


def test_replan_rows_close_the_busiest_table_and_keep_the_rounds_held():
    rows = bench.replan_rows(bench.default_instances() / "practice-140.json", time_limit=10)

    figures = [{k: v for k, v in row.items() if k != "seconds"} for row in rows]
    assert figures == [
        {
            "strategy": "fewest-changes",
            "from_round": 6,
            "visits_before": 122,
            "visits_after": 116,
            "changed_visits": 6,
            "changed_groups": 6,
            "groups": 15,
            "frozen_kept": True,
            "valid": True,
        },
        {
            "strategy": "best",
            "from_round": 6,
            "visits_before": 122,
            "visits_after": 116,
            "changed_visits": 50,
            "changed_groups": 14,
            "groups": 15,
            "frozen_kept": True,
            "valid": True,
        },
    ]
