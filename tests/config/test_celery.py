"""The web process starts tasks by name, so it must know them without a worker's start-up."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WEB_PROCESS = """
import importlib, pathlib
import django
django.setup()
from celery import current_app
known = sorted(name for name in current_app.tasks if not name.startswith("celery."))
for path in sorted(pathlib.Path(".").glob("*/tasks.py")):
    importlib.import_module(path.parent.name + ".tasks")
every = sorted(name for name in current_app.tasks if not name.startswith("celery."))
print([known, every])
"""


def test_a_web_process_knows_every_task_by_name():
    result = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings_test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    known, every = ast.literal_eval(result.stdout)
    # Every task of every app's tasks.py is known without importing it ...
    assert known == every
    # ... these among them.
    assert {
        "rotations.solve",
        "rotations.fail_stalled_runs",
        "outbox.send",
        "outbox.requeue_stalled",
        "series.plan",
        "series.solve_evening",
    } <= set(known)


def test_worker_reconnects_to_the_broker_forever_and_sending_gives_up_quickly():
    from config.celery import app

    conf = app.conf

    assert (
        conf.broker_connection_retry,
        conf.broker_connection_retry_on_startup,
        conf.broker_connection_max_retries,
        conf.worker_cancel_long_running_tasks_on_connection_loss,
        conf.task_acks_late,
        conf.task_publish_retry_policy["max_retries"],
    ) == (True, True, None, False, True, 2)
