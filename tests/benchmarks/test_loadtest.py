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
    monkeypatch.setattr(loadtest.shutil, "which", lambda name, path=None: None)

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


def test_ensure_nginx_without_nginx_nor_root_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(loadtest.shutil, "which", lambda name, path=None: None)
    monkeypatch.setattr(loadtest.os, "geteuid", lambda: 1000)

    with pytest.raises(SystemExit) as exit:
        loadtest.ensure_nginx()

    assert "apt-get install nginx-light" in str(exit.value.code)


def test_nginx_conf_passes_requests_to_gunicorn_over_kept_alive_connections(tmp_path):
    conf = loadtest.nginx_conf(workdir=tmp_path, port=8001, upstream_port=8002)

    assert "listen 127.0.0.1:8001;" in conf
    assert "server 127.0.0.1:8002;" in conf
    assert "proxy_http_version 1.1;" in conf and 'proxy_set_header Connection "";' in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    # Every file nginx writes stays in the run's own folder.
    for line in conf.splitlines():
        if "_path " in line or line.startswith(("pid ", "error_log ")):
            assert str(tmp_path) in line


def test_nginx_conf_with_two_pools_sends_personal_links_to_their_own(tmp_path):
    conf = loadtest.nginx_conf(workdir=tmp_path, port=8001, upstream_port=8002, links_port=8003)

    assert "upstream links { server 127.0.0.1:8003; keepalive 64; }" in conf
    assert "location ~ ^/(i|r|d|dh)/ { proxy_pass http://links; }" in conf
    assert "location / { proxy_pass http://rounds; }" in conf


IDLE_CONNECTIONS = 4


@pytest.mark.skipif(shutil.which("nginx", path="/usr/sbin:/usr/bin") is None, reason="no nginx")
def test_behind_nginx_idle_connections_do_not_hold_gunicorns_threads(tmp_path):
    """Why the README puts nginx in front and make loadtest measures through it: a gunicorn
    thread waits up to 5 s for a new connection's first request, so a few connections opened
    and left silent (a phone's speculative connection, wrk before a user's first think time
    ends) stall the worker; nginx opens gunicorn's connections only with a request to pass."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    app = tmp_path / "hello.py"
    app.write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    gunicorn_port, nginx_port = loadtest.free_port(), loadtest.free_port()
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hello:app", "--bind", f"127.0.0.1:{gunicorn_port}",
         "--workers", "1", "--threads", "2", "--log-level", "warning"],
        cwd=tmp_path,
    )  # fmt: skip
    nginx = loadtest.start_nginx(
        shutil.which("nginx", path="/usr/sbin:/usr/bin"),
        workdir=tmp_path,
        port=nginx_port,
        upstream_port=gunicorn_port,
    )
    idle = []
    try:
        loadtest.wait_until_up(f"http://127.0.0.1:{nginx_port}/")

        def seconds_for_a_request_behind_idle_connections(port: int) -> float:
            idle.extend(
                socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE_CONNECTIONS)
            )
            time.sleep(0.2)
            started = time.monotonic()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                assert response.read() == b"ok"
            return time.monotonic() - started

        through_nginx = seconds_for_a_request_behind_idle_connections(nginx_port)
        straight_to_gunicorn = seconds_for_a_request_behind_idle_connections(gunicorn_port)
    finally:
        for connection in idle:
            connection.close()
        for server in (nginx, gunicorn):
            server.terminate()
            server.wait(timeout=15)

    # Not a timing budget: gunicorn's data wait is 5 s, far beyond any noise here.
    assert straight_to_gunicorn > 3
    assert through_nginx < 3
