"""The load test's own pieces (the run itself needs PostgreSQL, Redis and gunicorn)."""

from pathlib import Path

import pytest
from django.utils.module_loading import import_string

from benchmarks import loadtest


def test_locustfile_is_beside_the_load_test():
    assert Path(loadtest.__file__).with_name("locustfile.py").is_file()


def test_main_help_names_the_think_time(capsys):
    with pytest.raises(SystemExit) as exit:
        loadtest.main(["--help"])

    assert exit.value.code == 0
    assert "--think" in capsys.readouterr().out


def test_static_files_storage_is_found_by_its_dotted_path():
    storage = import_string("benchmarks.loadtest.StaticFilesWithoutSourceMaps")

    rules = [str(rule) for _, group in storage.patterns for rule in group]
    assert (storage.__name__, any("sourceMappingURL" in rule for rule in rules)) == (
        "StaticFilesWithoutSourceMaps",
        False,
    )


def test_read_summary_returns_the_aggregated_row(tmp_path):
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count\nGET,/i/[token]/,90,0\n,Aggregated,100,1\n"
    )

    summary = loadtest.read_summary(stats)

    assert summary == {
        "Type": "",
        "Name": "Aggregated",
        "Request Count": "100",
        "Failure Count": "1",
    }


def test_wrk_script_is_beside_the_load_test():
    assert loadtest.WRK_SCRIPT.is_file()


def test_parse_wrk_reads_the_scripts_figures_line():
    output = (
        "Running 30s test @ http://127.0.0.1:8000/\n"
        'ROUNDS_WRK {"requests": 3000, "seconds": 30.0, "p50_ms": 12.5, "p95_ms": 40.0, '
        '"p99_ms": 80.0, "non_2xx": 2, "socket_errors": 1}\n'
    )

    figures = loadtest.parse_wrk(output)

    assert figures == {
        "requests": 3000,
        "seconds": 30.0,
        "p50_ms": 12.5,
        "p95_ms": 40.0,
        "p99_ms": 80.0,
        "non_2xx": 2,
        "socket_errors": 1,
        "rps": 100.0,
    }


def test_ensure_wrk_without_wrk_nor_root_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(loadtest.shutil, "which", lambda name: None)

    with pytest.raises(SystemExit) as exit:
        loadtest.ensure_wrk()

    assert "apt-get install wrk" in str(exit.value.code)


def test_read_summary_returns_the_named_row(tmp_path):
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count\nGET,/login/,90\nGET,/i/[token]/,80\n,Aggregated,170\n"
    )

    summary = loadtest.read_summary(stats, "/login/")

    assert summary == {"Type": "GET", "Name": "/login/", "Request Count": "90"}
