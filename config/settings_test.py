"""Test settings: the real settings, made fast and quiet. DATABASE_URL still picks the
database, so CI runs the same suite against PostgreSQL."""

import os

os.environ.setdefault(
    "ROUNDS_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# No rate limits by default: the whole suite talks from one address within a minute.
# tests/test_security.py turns them on with its own small limits.
ROUNDS_RATE_LIMITS = {}

# SQLite tests use a file, not memory, so the services tests' real Celery worker (another
# process) sees the test database; one file per test process so parallel runs don't clash.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
