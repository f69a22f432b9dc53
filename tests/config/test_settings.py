import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# tests/browser/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE when collected; the deploy check
# rightly refuses it, so the settings subprocesses get the environment without it.
NOT_INHERITED = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "CACHE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update(env)
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


SHOW = (
    "from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE']); print(settings.CELERY_BROKER_URL)"
)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "rounds.example.org",
    "DATABASE_URL": "postgres://rounds@db.example.org/rounds",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "REDIS_URL": "redis://redis.example.org:6379/1",
    "EMAIL_HOST": "smtp.example.org",
}


def test_settings_default_to_sqlite_and_a_broker_without_server():
    result = run_python(SHOW)

    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]


def test_settings_switch_to_postgresql_and_redis_from_the_environment():
    result = run_python(
        SHOW,
        DATABASE_URL="postgres://rounds@db.example.org:5432/rounds",
        CELERY_BROKER_URL="redis://redis.example.org:6379/0",
    )

    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://redis.example.org:6379/0",
    ]


EMAIL = (
    "from django.conf import settings; "
    "print(settings.EMAIL_BACKEND.rsplit('.', 2)[1], settings.EMAIL_HOST or '-', "
    "settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT, "
    "settings.EMAIL_FILE_PATH.relative_to(settings.VAR_DIR))"
)


def test_settings_write_emails_under_var_without_a_mail_server():
    result = run_python(EMAIL, ROUNDS_VAR_DIR="/tmp/rounds-settings-test")

    assert result.stdout.split() == ["filebased", "-", "25", "False", "30", "mail"]


def test_settings_send_emails_by_smtp_when_a_mail_server_is_set():
    result = run_python(EMAIL, EMAIL_HOST="smtp.example.org", EMAIL_USE_TLS="1", EMAIL_TIMEOUT="10")

    assert result.stdout.split()[:5] == ["smtp", "smtp.example.org", "587", "True", "10"]


def test_deploy_check_warns_when_emails_are_not_sent():
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_HOST"}

    result = run_manage("check", "--deploy", **env)

    assert "outbox.W001" in result.stderr + result.stdout


def test_deploy_check_passes_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_a_real_broker():
    env = {**PRODUCTION, "CELERY_BROKER_URL": "filesystem://"}

    result = run_manage("check", "--deploy", **env)

    assert result.returncode != 0
    assert "rounds.E001" in result.stderr


def test_the_chords_results_go_to_the_brokers_redis_unless_told_otherwise():
    show = "from django.conf import settings; print(settings.CELERY_RESULT_BACKEND)"

    beside_redis = run_python(show, CELERY_BROKER_URL="redis://redis.example.org:6379/0")
    own = run_python(
        show,
        CELERY_BROKER_URL="redis://redis.example.org:6379/0",
        CELERY_RESULT_BACKEND="redis://results.example.org:6379/2",
    )

    assert (beside_redis.stdout.strip(), own.stdout.strip()) == (
        "redis://redis.example.org:6379/0",
        "redis://results.example.org:6379/2",
    )


def test_deploy_check_fails_with_results_in_a_folder_of_one_machine():
    env = {**PRODUCTION, "CELERY_RESULT_BACKEND": "file:///srv/rounds/results"}

    result = run_manage("check", "--deploy", **env)

    assert result.returncode != 0
    assert "rounds.E003" in result.stderr


def test_production_refuses_the_development_secret_key():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_deploy_check_warns_when_rate_limits_are_counted_per_process():
    env = {key: value for key, value in PRODUCTION.items() if key != "REDIS_URL"}

    result = run_manage("check", "--deploy", **env)

    assert "rounds.W001" in result.stderr + result.stdout


def _folders(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_dir())


def test_settings_create_no_folder_on_import(tmp_path):
    var = tmp_path / "var"

    result = run_python("import config.settings", ROUNDS_VAR_DIR=str(var))

    assert (result.returncode, var.exists()) == (0, False), result.stderr


def test_django_setup_creates_static_root_and_the_sqlite_folder_so_whitenoise_is_quiet(tmp_path):
    var = tmp_path / "var"
    code = (
        "import warnings, django; warnings.simplefilter('error'); django.setup(); "
        "from django.core.handlers.wsgi import WSGIHandler; WSGIHandler(); print('ok')"
    )

    result = run_python(code, ROUNDS_VAR_DIR=str(var))

    assert (result.stdout.split(), _folders(var)) == (["ok"], ["static"]), result.stderr


def test_celery_app_creates_the_filesystem_broker_and_result_folders_when_configured(tmp_path):
    var = tmp_path / "var"
    code = "from config.celery import app; print(app.conf.broker_url)"

    result = run_python(code, ROUNDS_VAR_DIR=str(var))

    assert (result.stdout.split(), _folders(var)) == (
        ["filesystem://"],
        [
            "celery-broker",
            "celery-broker/control",
            "celery-broker/processed",
            "celery-broker/queue",
            # The result backend of the series' chords, on files like the broker.
            "celery-results",
        ],
    ), result.stderr


def test_celery_app_creates_no_folder_for_redis(tmp_path):
    var = tmp_path / "var"
    code = "from config.celery import app; print(app.conf.broker_url)"

    result = run_python(
        code, ROUNDS_VAR_DIR=str(var), CELERY_BROKER_URL="redis://127.0.0.1:6379/12"
    )

    assert (result.stdout.split(), var.exists()) == (["redis://127.0.0.1:6379/12"], False), (
        result.stderr
    )
