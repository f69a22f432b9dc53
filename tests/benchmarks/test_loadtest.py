"""The load test's own pieces (the run itself needs PostgreSQL, Redis and gunicorn)."""

import argparse
import http.server
import shutil
import threading
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


def test_wrk_command_passes_paths_think_time_and_cookie_to_the_script(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUNDS_WRK_COOKIE", "left over from the shell")
    paths = tmp_path / "paths.txt"

    command, env = loadtest.wrk_command(
        "wrk",
        url="http://127.0.0.1:8000/",
        paths=paths,
        connections=200,
        duration="30s",
        threads=1,
        think_ms=(1000, 3000),
    )

    assert command[command.index("-c") + 1] == "200"
    assert (
        env["ROUNDS_WRK_PATHS"],
        env["ROUNDS_WRK_THINK"],
        "ROUNDS_WRK_COOKIE" in env,
    ) == (str(paths), "1000,3000", False)


def test_parse_pair_reads_min_and_max_and_refuses_a_reversed_pair():
    assert loadtest.parse_pair("1000,3000") == (1000, 3000)
    with pytest.raises(argparse.ArgumentTypeError):
        loadtest.parse_pair("3000,1000")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_script_paces_users_and_sends_the_organizers_cookie(tmp_path):
    seen = []

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Cookie")))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    paths = tmp_path / "paths.txt"
    paths.write_text("/grid/\n/status/\n")
    try:
        figures = loadtest.run_wrk(
            shutil.which("wrk"),
            url=f"http://127.0.0.1:{server.server_address[1]}/",
            paths=paths,
            connections=2,
            duration="1s",
            threads=1,
            think_ms=(300, 300),
            cookie="sessionid=abc",
        )
    finally:
        server.shutdown()

    # Two users who each wait 300 ms after an answer send a handful of requests a second,
    # not the thousands of a run without pause.
    assert 0 < figures["requests"] <= 20
    assert {path for path, _ in seen} <= {"/grid/", "/status/"}
    assert {cookie for _, cookie in seen} == {"sessionid=abc"}
