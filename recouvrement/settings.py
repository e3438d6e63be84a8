"""Settings for Recouvrement, one module driven by environment variables.

Embedded default: SQLite (WAL) under ``var/``, files on the local disk, e-mail and
SMS to the console. Production: ``DATABASE_URL`` (PostgreSQL), ``DJANGO_SECRET_KEY``,
``DJANGO_ALLOWED_HOSTS`` and friends; see README.md.
"""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
VAR_DIR = Path(os.environ.get("RECOUVREMENT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    # Single-machine default: a random key kept beside the database, so that
    # sessions survive restarts without anyone having to invent a secret.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "template_partials",
    "django_htmx",
    "csp",
    "axes",
    "dossiers",
    "contacts",
    "pieces",
    # Reminders (issue 12): the task queue and its database backend, then the app.
    "django_tasks",
    "django_tasks_db",
    "relances",
    # Composition layers (they know the apps, no app knows them): demo_data.
    "demo",
    "paiements",
    "rgpd",
    # The client-file page's composition layer: its content's versions (triggers) and cache.
    "fiche",
]
# The client file's rendered content, per process (fiche/caching.py): keyed by exact
# versions, so nothing is ever stale; bounded, the least recently used goes first.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fiche": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fiche",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("FICHE_CACHE_ENTRIES", "1000"))},
    },
}
# FICHE_CACHE_URL=redis://host:6379/4: the rendered client files in Redis, shared by
# every worker and server (a database of its own: the tests and a flush empty it).
FICHE_CACHE_URL = os.environ.get("FICHE_CACHE_URL", "")
if FICHE_CACHE_URL:
    if not FICHE_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "FICHE_CACHE_URL must be a Redis URL (redis://host:6379/4, rediss://…, unix://…)."
        )
    CACHES["fiche"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": FICHE_CACHE_URL,
        # An entry outlives the processes: the page of a file whose data were since
        # erased (rgpd) stays, unreachable under its old version, an hour at most.
        "TIMEOUT": 3600,
        "KEY_PREFIX": "recouvrement",
    }

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML only, below WhiteNoise (static files come compressed): see the class.
    "recouvrement.middleware.HtmlGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "recouvrement.middleware.sliding_session",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "recouvrement.middleware.permissions_policy",
    "rgpd.middleware.ConsultationTraceMiddleware",
]

ROOT_URLCONF = "recouvrement.urls"

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
                "csp.context_processors.nonce",
                "relances.context_processors.worklist",
            ],
            # {% partialdef %} everywhere without a {% load %}, as in Django 6.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

WSGI_APPLICATION = "recouvrement.wsgi.application"

# --- Database ---------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the
                # write lock at BEGIN so concurrent writers queue instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept open across requests as on PostgreSQL (issue 15): opening the file
            # and running the PRAGMAs above cost every request otherwise. Safe with
            # WAL and autocommit (each statement sees the latest commit); a broken
            # connection is replaced at the next request (health check).
            "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "recouvrement.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "relances:worklist"  # « À faire », the agents' landing page
LOGOUT_REDIRECT_URL = "login"

# Browser features no page of the application uses, turned off (Permissions-Policy).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "xr-spatial-tracking=(), browsing-topics=()"
)

# Login throttling (django-axes): lock after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
# On the combination: an attacker elsewhere cannot lock a user out of their own machine.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a reverse proxy, the client's address comes from X-Forwarded-For, and only
# when the request comes from one of these proxies (comma-separated addresses or
# networks, e.g. "127.0.0.1,::1"); empty: REMOTE_ADDR, the header is ignored.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("DJANGO_TRUSTED_PROXIES", "").split(",")]
TRUSTED_PROXIES = [p for p in TRUSTED_PROXIES if p]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {_exc}") from None
AXES_CLIENT_IP_CALLABLE = "recouvrement.client_ip.client_ip"
# A French page that says how long the lock lasts (templates/registration/locked_out.html).
AXES_LOCKOUT_CALLABLE = "recouvrement.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "recouvrement.lockout.attempt_username"
AXES_VERBOSE = False

# Sessions end after an hour without activity, and with the browser. The expiry
# slides: a session is saved again once its last save is SESSION_REFRESH_AFTER
# seconds old (recouvrement.middleware.sliding_session), not on every request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_AFTER = int(os.environ.get("SESSION_REFRESH_AFTER", str(5 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"

# --- Static and uploaded files ------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# No MEDIA_URL route exists: pieces are only served through the download view.

if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # django-storages reads only the credentials from the environment: the bucket,
    # endpoint and region are passed here (tests/hostile/test_s3.py).
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
PIECE_MAX_UPLOAD_SIZE = int(os.environ.get("PIECE_MAX_UPLOAD_SIZE", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Stored pieces: read and written by the application's user, read by its group
# (backups), never by others (Django's default follows the umask: 0644).
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- E-mail and SMS -------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # The same, with SEND_DEADLINE on the whole exchange (see below).
    EMAIL_BACKEND = "contacts.messaging.mail_backend.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "recouvrement@localhost")
# SMS: a file backend under var/sms/ by default; the HTTP provider adapter is
# "contacts.messaging.sms_backends.HttpSmsBackend" with SMS_HTTP_URL and SMS_HTTP_TOKEN.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "contacts.messaging.sms_backends.FileSmsBackend")
SMS_FILE_DIR = Path(os.environ.get("SMS_FILE_DIR", VAR_DIR / "sms"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = float(os.environ.get("SMS_HTTP_TIMEOUT", "10"))
SMS_SENDER = os.environ.get("SMS_SENDER", "Recouvrement")
# EMAIL_TIMEOUT and SMS_HTTP_TIMEOUT bound each socket read; this bounds a whole send
# (SMTP exchange, SMS provider request), so that a server answering one byte at a
# time cannot hold an agent's request (and a gunicorn thread) for minutes.
SEND_DEADLINE = float(os.environ.get("SEND_DEADLINE", "20"))
# Sender block of generated letters (top left, above the envelope window).
LETTER_SENDER_LINES = env_list(
    "LETTER_SENDER_LINES", "Service recouvrement,1 place de la Bourse,75002 PARIS"
)

# --- Automatic reminders (relances) and the task queue ---------------------------
# « Envoi automatique activé »: off unless asked for (the demo and .ci/serve turn it on).
RELANCES_AUTO_SEND = env_bool("RELANCES_AUTO_SEND", default=False)
# Below this outstanding amount a file leaves its scenario.
RELANCES_TOLERANCE = os.environ.get("RELANCES_TOLERANCE", "5.00")
# At most N automatic contacts per file in CAP_DAYS days, GAP_DAYS at least between two.
RELANCES_CAP = int(os.environ.get("RELANCES_CAP", "4"))
RELANCES_CAP_DAYS = int(os.environ.get("RELANCES_CAP_DAYS", "30"))
RELANCES_GAP_DAYS = int(os.environ.get("RELANCES_GAP_DAYS", "3"))
# Sending windows per channel, Europe/Paris: weekdays (0 = Monday) and hour ranges.
# Never on French public holidays (the holidays package).
_PHONE_WINDOW = {"days": [0, 1, 2, 3, 4], "hours": [("10:00", "13:00"), ("14:00", "20:00")]}
_OFFICE_WINDOW = {"days": [0, 1, 2, 3, 4], "hours": [("08:00", "20:00")]}
RELANCES_WINDOWS = {
    "sms": _PHONE_WINDOW,
    "call": _PHONE_WINDOW,
    "email": _OFFICE_WINDOW,
    "letter": _OFFICE_WINDOW,
    "task": _OFFICE_WINDOW,
}
if env_bool("RELANCES_DEMO_ALWAYS_OPEN"):
    # Demo only (.ci/serve): every channel open at any hour, so reminders go out now.
    RELANCES_WINDOWS = {
        channel: {"days": list(range(7)), "hours": [("00:00", "24:00")]}
        for channel in RELANCES_WINDOWS
    }
RELANCES_HOLIDAYS = not env_bool("RELANCES_DEMO_ALWAYS_OPEN")
# A failed send is retried after these delays (minutes), then shown in the worklist.
RELANCES_RETRY_MINUTES = [5, 30, 120]
# A send still « en cours d'envoi » after this long was interrupted (worker killed).
RELANCES_SENDING_LEASE_MINUTES = int(os.environ.get("RELANCES_SENDING_LEASE_MINUTES", "15"))
RELANCES_BATCH_SIZE = int(os.environ.get("RELANCES_BATCH_SIZE", "1000"))
# The task queue: django-tasks with its database backend (worker: manage.py db_worker).
# TASKS_BACKEND=django_tasks_rq.RQBackend with RQ_URL runs the same tasks on Redis (rqworker).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": os.environ.get("RQ_URL", "redis://127.0.0.1:6379/3")}}
# Payments (paiements): days after an instalment's date before it is « non tenue ».
PROMISE_GRACE_DAYS = int(os.environ.get("PROMISE_GRACE_DAYS", "3"))
# --- Personal data (docs/RGPD.md) ---------------------------------------------------
# A closed file's personal data is purged this many months after its last event,
# unless a legal hold applies; the consultation trace is kept this many months.
RGPD_CLOSED_FILE_RETENTION_MONTHS = int(os.environ.get("RGPD_CLOSED_FILE_RETENTION_MONTHS", "60"))
RGPD_TRACE_RETENTION_MONTHS = int(os.environ.get("RGPD_TRACE_RETENTION_MONTHS", "6"))

# --- Forms and templates --------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -------------------------------------------------------------------
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(31536000 if HTTPS else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# django-template-partials wraps the loaders in the cached loader (see its AppConfig).

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if not DEBUG and SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a real secret in production.")
