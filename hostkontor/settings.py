"""Settings, read from the environment.

Every knob is an environment variable: ``DATABASE_URL``, ``SECRET_KEY`` and ``HOSTKONTOR_*``.
Without any, Hostkontor runs on its embedded default: a SQLite file under ``./var/``, a
generated secret key in ``./var/secret_key``, mail written to ``./var/mail/``, background
tasks in the database. ``HOSTKONTOR_ENV=production`` switches on everything
``manage.py check --deploy`` asks for, and refuses to start where the embedded default would
fall back silently (no ``SECRET_KEY``, vault keys or SMTP server configured).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HOSTKONTOR_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_set(name: str) -> bool:
    return bool((os.environ.get(name) or "").strip())


def _refuse_production_fallbacks() -> None:
    """In production nothing falls back to the embedded default: no secret key or vault key
    file generated next to the database, no mail written to files (reset links, access
    sheets). Refuse to start and name every missing variable instead."""
    missing = []
    if not _env_set("SECRET_KEY"):
        missing.append("SECRET_KEY (a long random string)")
    if not (_env_set("HOSTKONTOR_VAULT_KEYS") or _env_set("HOSTKONTOR_VAULT_KEY_FILE")):
        missing.append("HOSTKONTOR_VAULT_KEYS or HOSTKONTOR_VAULT_KEY_FILE (the vault keys)")
    elif not _env_set("HOSTKONTOR_VAULT_KEYS"):
        key_file = Path(os.environ["HOSTKONTOR_VAULT_KEY_FILE"].strip())
        if not key_file.is_file():
            missing.append(f"HOSTKONTOR_VAULT_KEY_FILE ({key_file} does not exist)")
    if not _env_set("HOSTKONTOR_EMAIL_HOST"):
        missing.append("HOSTKONTOR_EMAIL_HOST (the SMTP server; mail must not go to files)")
    if missing:
        raise ImproperlyConfigured(
            "HOSTKONTOR_ENV=production needs: " + "; ".join(missing) + ". See README.md."
        )


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


ENVIRONMENT = os.environ.get("HOSTKONTOR_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"HOSTKONTOR_ENV must be 'development' or 'production', not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"
if PRODUCTION:
    _refuse_production_fallbacks()
SECRET_KEY = _secret_key()
DEBUG = env_bool("HOSTKONTOR_DEBUG", False)
ALLOWED_HOSTS = env_list("HOSTKONTOR_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("HOSTKONTOR_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "hostkontor.core",
    "hostkontor.accounts",
    "hostkontor.customers",
    "hostkontor.domains",
    "hostkontor.contracts",
    "hostkontor.billing",
    "hostkontor.usage",
    "hostkontor.vault",
    "hostkontor.checks",
    "hostkontor.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hostkontor.core.content_security_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hostkontor.accounts.middleware.UserLanguageMiddleware",
    "hostkontor.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hostkontor.urls"
WSGI_APPLICATION = "hostkontor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hostkontor.core.context_processors.shell",
            ],
        },
    }
]

# Demo mode (HOSTKONTOR_DEMO=1, `make demo`): the demo data set lives in its own database
# (HOSTKONTOR_DEMO_DATABASE_URL, default var/demo.sqlite3; DATABASE_URL is never used, so demo
# documents cannot take numbers of the real ranges) and every page and document says "Demo".
DEMO = env_bool("HOSTKONTOR_DEMO", False)
if DEMO and PRODUCTION:
    raise ImproperlyConfigured(
        "HOSTKONTOR_DEMO=1 and HOSTKONTOR_ENV=production exclude each other: demo data never "
        "goes into a live install. Unset HOSTKONTOR_DEMO."
    )
_DATABASE_URL = (
    os.environ.get("HOSTKONTOR_DEMO_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'demo.sqlite3'}"
    if DEMO
    else os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'hostkontor.sqlite3'}"
)
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=int(os.environ.get("HOSTKONTOR_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and the scheduler share the file; IMMEDIATE
    # transactions take the write lock up front so concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "HOSTKONTOR_TEST_SQLITE", str(VAR_DIR / "test.sqlite3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: after 5 failures for one user name from one address, or 20 failures from
# one address across all user names, 15 minutes' lock (see accounts/throttling.py).
HOSTKONTOR_LOGIN_FAILURE_LIMIT = int(os.environ.get("HOSTKONTOR_LOGIN_FAILURE_LIMIT", "5"))
HOSTKONTOR_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("HOSTKONTOR_LOGIN_ADDRESS_FAILURE_LIMIT", "20")
)
AXES_FAILURE_LIMIT = "hostkontor.accounts.throttling.login_failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HOSTKONTOR_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Trusted reverse proxies in front of Hostkontor (for the client address in audit and throttling).
HOSTKONTOR_PROXY_COUNT = int(os.environ.get("HOSTKONTOR_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_COUNT = HOSTKONTOR_PROXY_COUNT or None
AXES_VERBOSE = False
# The password-reset form sends at most this many mails per hour per client address and per
# e-mail address; further requests get the same answer and send nothing.
HOSTKONTOR_PASSWORD_RESET_LIMIT = int(os.environ.get("HOSTKONTOR_PASSWORD_RESET_LIMIT", "5"))
HOSTKONTOR_PASSWORD_RESET_WINDOW = timedelta(hours=1)

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
# Each app keeps its own catalog (hostkontor/<app>/locale/de), so that `makemessages` run
# inside one app never touches another's strings.
LOCALE_PATHS: list = []
FORMAT_MODULE_PATH = ["hostkontor.formats"]
TIME_ZONE = os.environ.get("HOSTKONTOR_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(Path(os.environ.get("HOSTKONTOR_MEDIA_ROOT", VAR_DIR / "media")))
        },
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Mail: SMTP when HOSTKONTOR_EMAIL_HOST is set, else files under var/mail for the embedded default.
DEFAULT_FROM_EMAIL = os.environ.get("HOSTKONTOR_DEFAULT_FROM_EMAIL", "hostkontor@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("HOSTKONTOR_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["HOSTKONTOR_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("HOSTKONTOR_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("HOSTKONTOR_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("HOSTKONTOR_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("HOSTKONTOR_EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("HOSTKONTOR_EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Background work: Django's Tasks API. The database backend is the embedded default;
# HOSTKONTOR_TASK_BACKEND=rq moves tasks to Redis-backed RQ workers on any number of machines.
TASK_BACKEND = os.environ.get("HOSTKONTOR_TASK_BACKEND", "database")
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {
        "default": {"URL": os.environ.get("HOSTKONTOR_REDIS_URL", "redis://127.0.0.1:6379/0")}
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Customer numbers: the pattern's {0…0} is the counter, padded to its width; {YYYY} the year.
CUSTOMER_NUMBER_PATTERN = os.environ.get("HOSTKONTOR_CUSTOMER_NUMBER_PATTERN", "K{00000}")
CUSTOMER_NUMBER_START = int(os.environ.get("HOSTKONTOR_CUSTOMER_NUMBER_START", "10001"))
# Only the initial country of a new seller profile; afterwards the profile's country decides.
SELLER_COUNTRY = os.environ.get("HOSTKONTOR_SELLER_COUNTRY", "DE")
# An invoice is dated the day it is issued; an earlier date at most this many days back.
INVOICE_DATE_WINDOW_DAYS = int(os.environ.get("HOSTKONTOR_INVOICE_DATE_WINDOW_DAYS", "3"))
# A billing run further ahead of today than this needs --allow-future (a typo, not a plan).
BILLING_HORIZON_DAYS = int(os.environ.get("HOSTKONTOR_BILLING_HORIZON_DAYS", "366"))
# One-off items that credit (negative) or exceed this net amount (EUR) need Billing's approval.
ITEM_APPROVAL_LIMIT = os.environ.get("HOSTKONTOR_ITEM_APPROVAL_LIMIT", "1000.00")
# Vault keys for customer passwords come from HOSTKONTOR_VAULT_KEYS or HOSTKONTOR_VAULT_KEY_FILE;
# without either, the embedded default uses this file (created by `make run`, never in the DB).
VAULT_DEFAULT_KEY_FILE = Path(
    os.environ.get("HOSTKONTOR_VAULT_DEFAULT_KEY_FILE", VAR_DIR / "vault.keys")
)

# Function checks connect only to public addresses; these internal ones are allowed anyway
# (comma-separated addresses/CIDRs, e.g. "10.20.0.0/16,192.0.2.7"). At most CHECKS_PER_HOST
# checks run at once against one server address.
CHECKS_ALLOWED_NETWORKS = os.environ.get("HOSTKONTOR_CHECKS_ALLOWED_NETWORKS", "")
CHECKS_PER_HOST = int(os.environ.get("HOSTKONTOR_CHECKS_PER_HOST", "4"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("HOSTKONTOR_SESSION_SECONDS", str(8 * 3600)))
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own static files: no inline script, handlers or style
# attributes (htmx's own indicator styles are turned off in base.html, see hostkontor.css).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HOSTKONTOR_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("HOSTKONTOR_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo (browsers ship the list), so it is an explicit opt-in; without
    # it `check --deploy` would warn (security.W021) about a decision we made on purpose.
    SECURE_HSTS_PRELOAD = env_bool("HOSTKONTOR_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("HOSTKONTOR_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Error pages and exception reports hide sensitive variables and POST fields even with DEBUG.
DEFAULT_EXCEPTION_REPORTER_FILTER = "hostkontor.vault.reporting.SecretsHiddenFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOSTKONTOR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}
