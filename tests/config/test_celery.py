"""The web process starts tasks by name, so it must know them without a worker's start-up."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WEB_PROCESS = """
import django
django.setup()
from celery import current_app
print(sorted(name for name in current_app.tasks if not name.startswith("celery.")))
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
    assert {"rotations.solve", "rotations.fail_stalled_runs"} <= set(
        ast.literal_eval(result.stdout)
    )
