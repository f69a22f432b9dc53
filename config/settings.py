"""Rounds settings, read from the environment.

With no environment at all Rounds runs on a laptop: SQLite and a Celery broker that needs no
server, both under var/. Production is switched on by environment variables (see README):
DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), SECRET_KEY, DEBUG=0, ALLOWED_HOSTS.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ROUNDS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET_KEY = "django-insecure-rounds-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: the development key is refused when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "accounts",
    "outbox",
    "clinicians",
    "connections",
    "events",
    "rotations",
    "itineraries",
    "series",
    "outcomes",
    "dinners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The clinicians' itinerary pages (templates/jinja2/itineraries/): see config/jinja2.py.
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

# Database: DATABASE_URL (e.g. postgres://rounds@db/rounds), else SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rounds.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and workers share the file: wait for a lock instead of failing at once, and
    # take the write lock when a transaction starts (IMMEDIATE), so that two writers never
    # deadlock on upgrading read locks ("database is locked" at once, whatever the timeout:
    # seen with two evenings of a season solving side by side).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The lockout backend first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "events:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# WhiteNoise serves from here (collectstatic fills it); it warns when the folder is missing, so
# AccountsConfig.ready creates it (importing the settings creates nothing).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email (outbox/ sends it in the background). With EMAIL_HOST set, SMTP through that server;
# without it, each message is written to a file under var/mail/, so a laptop needs no mail
# server. EMAIL_BACKEND overrides both (e.g. django.core.mail.backends.console.EmailBackend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rounds <rounds@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_PORT = int(
    os.environ.get("EMAIL_PORT", "465" if EMAIL_USE_SSL else "587" if EMAIL_USE_TLS else "25")
)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# Seconds per SMTP operation: a hung server fails the attempt (and it is tried again) instead
# of holding a worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The site's address, for links in emails sent from a worker (no request to read it from).
ROUNDS_BASE_URL = os.environ.get("ROUNDS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Uploads (roster import): kept small; files are parsed from memory, never executed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security: production turns these on with DEBUG=0 (behind TLS).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts,
# which Django's CSRF check refuses. Personal-link pages send no-referrer themselves.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# No inline scripts or styles anywhere (Bootstrap is vendored under static/); QR codes are
# data: images; PDFs are rendered on the server, so they need nothing here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the Nth address
# from the right. 0 (the default) trusts no header and uses REMOTE_ADDR. Lockout and rate limits
# key on this address: behind a proxy, set it, or every client shares the proxy's address.
ROUNDS_TRUSTED_PROXY_COUNT = int(os.environ.get("ROUNDS_TRUSTED_PROXY_COUNT", "0"))

# Cache: Redis when REDIS_URL/CACHE_URL is set (shared by every worker and machine), else
# memory in each process. Rate limits live here, so with several gunicorn workers and no Redis
# each worker counts on its own (a client gets up to workers x the limit).
_CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
# With Redis down the cache degrades (config.cache.TolerantRedisCache): reads miss, rate limits
# allow, a warning is logged, and personal links still open.
CACHES = {
    "default": {
        "BACKEND": "config.cache.TolerantRedisCache",
        "LOCATION": _CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rounds"}
}
# Fixed-window limits per client address, by URL name patterns ("clinicians:import*"); a key
# may start with HTTP methods ("POST ...") to count only those, and with a status ("404 ...")
# to count only those responses: past the limit the address gets 429 until the window ends.
# Personal links: a venue's Wi-Fi puts every clinician behind one address, so valid requests
# meet only a flood cap (a 2,000-clinician venue, or `make loadtest`, stays below it);
# guessing tokens is stopped by the budget of failed lookups, which real users never spend.
_PERSONAL_LINKS = (
    "itineraries:detail itineraries:print itineraries:calendar itineraries:table series:reply"
    " outcomes:survey outcomes:survey_delete"
    " dinners:signup dinners:host"
)
ROUNDS_RATE_LIMITS = {
    _PERSONAL_LINKS: os.environ.get("ROUNDS_RATE_LIMIT_LINKS", "20000/m"),
    f"404 {_PERSONAL_LINKS}": os.environ.get("ROUNDS_RATE_LIMIT_LINK_FAILURES", "60/10m"),
    "POST clinicians:import*": os.environ.get("ROUNDS_RATE_LIMIT_IMPORT", "20/m"),
    "accounts:password_set": "30/m",
}

# Login lockout (django-axes): 5 failures for one username from one address lock that pair
# for 15 minutes. Attempts are kept in the database, so every worker sees them.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And an address with this many failures across any usernames within the cool-off is refused
# every login (accounts.backends.LockoutBackend): one machine trying many accounts.
ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.ratelimit.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False  # no start-up banner in every process

# Celery. With no CELERY_BROKER_URL the broker is kombu's filesystem transport under var/,
# so `make run` needs no server (config/celery.py creates its folders); production sets
# CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "store_processed": False,
        # Broadcast (pidbox) messages; kombu would otherwise write ./control in the cwd.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
# The solver's own limit; task limits sit just above it, the Redis visibility timeout above
# the longest solve so a slow solve is not delivered twice.
ROUNDS_SOLVE_TIME_LIMIT_S = int(os.environ.get("ROUNDS_SOLVE_TIME_LIMIT_S", "60"))
ROUNDS_SOLVE_MAX_TIME_LIMIT_S = 600
CELERY_TASK_SOFT_TIME_LIMIT = ROUNDS_SOLVE_MAX_TIME_LIMIT_S + 30
CELERY_TASK_TIME_LIMIT = ROUNDS_SOLVE_MAX_TIME_LIMIT_S + 60
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_TASK_TIME_LIMIT + 300,
        # A dead Redis is noticed within seconds, not at the kernel's TCP timeout.
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 10,
    }
# Broker outages (a Redis restart): the worker reconnects forever instead of exiting after
# 100 tries, and a solve in progress runs to its end (its result goes to the database, not
# the broker). Sending a task (Solve) tries for about 2 s, then start_solve fails the run
# and says the queue is unavailable.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
# Results, for the series' chord (one solve per evening, then a callback): Redis beside a Redis
# broker, files under var/ otherwise. Every worker writes its evening's result there and the
# last one starts the callback, so on many machines it must be a store they all share (Redis;
# `check --deploy` refuses a folder). Only tasks that say ignore_result=False keep one.
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"file://{VAR_DIR / 'celery-results'}",
)
CELERY_RESULT_EXPIRES = 24 * 3600
# A Redis blip while an evening stores its result is waited out (retried with backoff for about
# two minutes) rather than losing that evening from the chord, which would never call back.
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
CELERY_RESULT_BACKEND_MAX_RETRIES = 20
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # rotations.services.solving.WATCHDOG_EVERY_S
    "watchdog": {"task": "rotations.fail_stalled_runs", "schedule": 10.0},
    # The same rule for the plans of a season (series.planning.fail_stalled_plans).
    "plan-watchdog": {"task": "series.fail_stalled_plans", "schedule": 10.0},
    "finish-past-events": {"task": "events.finish_past_events", "schedule": 3600.0},
    # series.services.send_due_reminders: reminders before an evening's reply deadline.
    "series-reminders": {"task": "series.send_due_reminders", "schedule": 3600.0},
    # outcomes.services.send_due_survey_reminders: survey reminders after an evening.
    "survey-reminders": {"task": "outcomes.send_due_survey_reminders", "schedule": 3600.0},
    # dinners.services.send_dinner_reminders: members of the dinners of the next days.
    "dinner-reminders": {"task": "dinners.send_due_reminders", "schedule": 3600.0 * 6},
    # dinners.services.send_sign_up_reminders: those not answered, days before the deadline.
    "dinner-sign-up-reminders": {"task": "dinners.send_sign_up_reminders", "schedule": 3600.0},
    # dinners.services.finish_past_seasons: seasons whose last dinner is past are finished.
    "finish-past-dinner-seasons": {"task": "dinners.finish_past_seasons", "schedule": 3600.0},
    # outbox.services.WATCHDOG_EVERY_S: emails whose worker or message was lost go again.
    "outbox-watchdog": {"task": "outbox.requeue_stalled", "schedule": 60.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every stylesheet it parses at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
