"""Django settings for Coproduce.

One module, and every value comes from the environment with a safe default.
With nothing set, Coproduce runs the "embedded default": SQLite under var/,
kombu's filesystem broker under var/broker/, and emails written to var/outbox/
and the console. Each variable is described in README.md.
"""

import os
import sys
import zoneinfo
from datetime import date, time
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from projects.time_given.money import CURRENCIES

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """A variable's value, or the default when it is unset or blank (Docker
    Compose and .env files pass an unset variable on as a blank one)."""
    return os.environ.get(name, "").strip() or default


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name).lower()
    return value in {"1", "true", "yes", "on"} if value else default


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {env(name)!r}")
    return value


def env_time_zone(name: str, default: str) -> str:
    value = env(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as Europe/London, not {value!r}"
        ) from None
    return value


def env_daytime(name: str, default: str) -> tuple[time, time] | None:
    """Two times "HH:MM-HH:MM" (start before end), or "always" for None."""
    value = env(name, default).lower()
    if value == "always":
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        start = end = None
    if start is None or not start < end:
        raise ImproperlyConfigured(
            f"{name} must be two times such as 08:00-20:00 (the first earlier), "
            f"or always, not {env(name)!r}"
        )
    return start, end


def env_date(name: str, default: str) -> date:
    """A date written as the ISO standard has it: 2026-12-01."""
    value = env(name, default)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a date such as 2026-12-01 (year-month-day), not {value!r}"
        ) from None


def require(name: str, value: str, why: str) -> None:
    """Production (DEBUG off) stops at start-up, in one plain line naming the
    variable, rather than running with a value that fails silently later."""
    if not value and not (DEBUG or TESTING):
        raise ImproperlyConfigured(f"{name} is not set. {why}")


VAR_DIR = Path(env("COPRODUCE_VAR_DIR", str(BASE_DIR / "var")))


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules

# The development key is public, so production (DEBUG off) refuses to start with it.
DEVELOPMENT_SECRET_KEY = "django-insecure-coproduce-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
        "(or DEBUG=true for development only)."
    )

# The public address: email links start with it. It may end in a path
# (https://example.org/coproduce) when the site is served under one; pages,
# static files and email links then all carry that path once.
require("SITE_URL", env("SITE_URL"), "Set it to the public address: https://coproduce.example.org")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname or _site.query or _site.fragment:
    raise ImproperlyConfigured(
        f"SITE_URL must be an address such as https://coproduce.example.org, not {SITE_URL!r}"
    )
SITE_ORIGIN = f"{_site.scheme}://{_site.netloc}"
# Django adds this prefix to every address it makes (pages and static files),
# in web requests and in the worker alike; coproduce.wsgi strips it from the
# requests the proxy passes on.
FORCE_SCRIPT_NAME = _site.path.rstrip("/") or None
# By default the site answers to the host in SITE_URL and to this machine.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"{_site.hostname},127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin with Coproduce's site: managers of an organisation may use it.
    "coproduce.apps.CoproduceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "coproduce",
    "projects",
    "participants",
    "decisions",
]

MIDDLEWARE = [
    "coproduce.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coproduce.middleware.PrivatePagesNotCachedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "participants.accounts.middleware.StaffSecondFactorMiddleware",
]

ROOT_URLCONF = "coproduce.urls"
# Where gunicorn listens in the container (deploy/entrypoint.sh web); the web
# container's health check asks on the same port. Every address inside the
# container: compose publishes the port on 127.0.0.1 only.
WEB_BIND = env("WEB_BIND", "0.0.0.0:8000")
WSGI_APPLICATION = "coproduce.wsgi.application"

# Templates are read from templates/ and each app's templates/ folder. In
# production (DEBUG off) each is compiled once per process and kept (the cached
# loader); with DEBUG on they are read afresh on every use, so an edited
# template shows at once under `make run` (which does not restart on changes).
TEMPLATE_LOADERS = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "loaders": (
                TEMPLATE_LOADERS
                if DEBUG
                else [("django.template.loaders.cached.Loader", TEMPLATE_LOADERS)]
            ),
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "participants.profile.context_processors.display_preferences",
            ],
        },
    },
]
# Every form, ours and allauth's, renders through templates/django/forms/,
# which follow the GOV.UK Design System patterns.
FORM_RENDERER = "coproduce.forms.AccessibleFormRenderer"

# Database: DATABASE_URL (PostgreSQL in production and CI); SQLite under var/ by default.
DATABASE_URL = env("DATABASE_URL")
require(
    "DATABASE_URL",
    DATABASE_URL,
    "Set it to your PostgreSQL database: postgres://user:password@host:5432/coproduce",
)
# Each web and worker process keeps its database connection open this many
# seconds (0: a new connection for every request), checked before reuse so a
# restarted database costs no failed request. Connections to PostgreSQL are
# then about the number of threads serving requests (docs/scaling.md).
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60)
if CONN_MAX_AGE < 0:
    raise ImproperlyConfigured(
        f"CONN_MAX_AGE must be a number of seconds, 0 or more, not {CONN_MAX_AGE}"
    )
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
            )
        }
    except ValueError as error:
        raise ImproperlyConfigured(
            "DATABASE_URL must be an address such as "
            f"postgres://user:password@host:5432/coproduce ({error})"
        ) from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "coproduce.sqlite3",
            # The web server, the worker and beat all write: WAL and IMMEDIATE
            # transactions stop "database is locked" errors.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (Redis): rate limits counted across every web process, and
# sign-in sessions read from memory. Sessions are written to the database as
# well (cached_db), so a restarted or emptied Redis signs nobody out; a
# signed-in request then costs one Redis read instead of a database query.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    if urlsplit(CACHE_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"CACHE_URL must be a Redis address such as redis://host:6379/1, not {CACHE_URL!r}"
        )
    # django-redis keeps one client per connection pool (Django's own backend
    # makes a new client for every read: 0.4 ms a read here, against 0.2),
    # and both caches share the pool.
    CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL},
        # Counts every member of a project sees alike (projects/cached.py).
        "fragments": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "fragments",
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Without a shared cache nothing is kept of the counts: the worker's
    # changes could not reach another process's memory.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "participants.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email addresses only, confirmation required, sign in with a
# one-time code (no password needed) or a password if the member sets one.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Fifteen minutes, not allauth's three: time to find the email, read it, and
# type the code, with a screen reader or switch access.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Tell the account's address when a password is set or changed, an address is
# added or becomes the main one (the old address is told too), or the account
# joins a project: participants.accounts.adapters.AccountAdapter.send_notification_mail.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Our versions of allauth's forms: plain labels and errors, no placeholders, and
# a login form that keeps the password box for members who set a password.
ACCOUNT_FORMS = {
    "signup": "participants.accounts.forms.SignupForm",
    "login": "participants.accounts.forms.LoginForm",
    "request_login_code": "participants.accounts.forms.RequestLoginCodeForm",
    "confirm_login_code": "participants.accounts.forms.ConfirmLoginCodeForm",
    "reset_password": "participants.accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "participants.accounts.forms.ResetPasswordKeyForm",
    "set_password": "participants.accounts.forms.SetPasswordForm",
    "change_password": "participants.accounts.forms.ChangePasswordForm",
    "add_email": "participants.accounts.forms.AddEmailForm",
    "reauthenticate": "participants.accounts.forms.ReauthenticateForm",
}
ACCOUNT_ADAPTER = "participants.accounts.adapters.AccountAdapter"
# Two-step sign-in (allauth.mfa): a code from an authenticator app, with
# recovery codes for when the phone is lost. Staff must set it up before they
# can use the admin dashboard (participants.accounts.middleware), unless
# STAFF_MFA_REQUIRED=false; it is on by default when DEBUG is off.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Coproduce"
# A code from the 30 seconds before (or after) still works: time to read it
# and type it with a screen reader, a magnifier or switch access.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "participants.accounts.adapters.MFAAdapter"
MFA_FORMS = {
    "authenticate": "participants.accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "participants.accounts.forms.MFAReauthenticateForm",
    "activate_totp": "participants.accounts.forms.ActivateTOTPForm",
}
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", not DEBUG)

# Email: SMTP when SMTP_HOST is set. Without it, development (DEBUG on)
# writes one file per message in the outbox folder and prints it; production
# refuses to start, since every reminder would silently go nowhere, unless
# EMAIL_TO_FILES=true says that files are wanted.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Coproduce <coproduce@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_OUTBOX_DIR = Path(env("MAIL_OUTBOX_DIR", str(VAR_DIR / "outbox")))
EMAIL_TO_FILES = env_bool("EMAIL_TO_FILES", False)
SMTP_HOST = env("SMTP_HOST")
if not EMAIL_TO_FILES:
    require(
        "SMTP_HOST",
        SMTP_HOST,
        "Set it to your mail server, or EMAIL_TO_FILES=true to keep emails in files instead.",
    )
if SMTP_HOST and not EMAIL_TO_FILES:
    SMTP_PORT = env_int("SMTP_PORT", 587)
    # starttls (port 587), tls (implicit TLS, port 465) or none (a local relay).
    SMTP_SECURITY = env_choice(
        "SMTP_SECURITY", ("starttls", "tls", "none"), "tls" if SMTP_PORT == 465 else "starttls"
    )
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": SMTP_PORT,
                "username": env("SMTP_USER"),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": SMTP_SECURITY == "starttls",
                "use_ssl": SMTP_SECURITY == "tls",
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "coproduce.mail.OutboxBackend",
            "OPTIONS": {"file_path": str(MAIL_OUTBOX_DIR)},
        }
    }

# Celery: Redis (or any broker URL) from CELERY_BROKER_URL; otherwise kombu's
# filesystem transport under var/broker/, so `make run` needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
require("CELERY_BROKER_URL", CELERY_BROKER_URL, "Set it to your Redis server: redis://host:6379/0")
BROKER_DIR = VAR_DIR / "broker"
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "safefs://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2)
# How often beat runs each scheduled task (coproduce/celery.py). Every task
# finds its work "at or before now", so any interval is correct, only slower
# or faster; the end-to-end tests use 1.
COPRODUCE_BEAT_SECONDS = env_int("COPRODUCE_BEAT_SECONDS", 60)
# How many rows a long list shows on one page (coproduce/pagination.py). 20:
# a page of comments stays a few screens long at 320 px with the largest
# text, and each page costs less than half what 50 rows did to build.
COPRODUCE_PAGE_SIZE = env_int("COPRODUCE_PAGE_SIZE", 20)
if not 5 <= COPRODUCE_PAGE_SIZE <= 500:
    raise ImproperlyConfigured(
        f"COPRODUCE_PAGE_SIZE must be from 5 to 500, not {COPRODUCE_PAGE_SIZE}"
    )
# The currency of involvement payments for new organisations (each
# organisation can change its own): an ISO 4217 code that
# projects/time_given/money.py knows (a table in code, with each one's minor unit).
COPRODUCE_CURRENCY = env("COPRODUCE_CURRENCY", "GBP").upper()
if COPRODUCE_CURRENCY not in CURRENCIES:
    raise ImproperlyConfigured(
        f"COPRODUCE_CURRENCY must be a currency code such as GBP or EUR, not {COPRODUCE_CURRENCY!r}"
    )
# /healthz answers 503 when beat has been silent this long: several periods.
BEAT_SILENT_AFTER_SECONDS = max(5 * COPRODUCE_BEAT_SECONDS, 60)
# When reminders that are not urgent may be sent, in each member's own time
# zone (None: at any hour, as `make run` does so a newcomer sees them).
COPRODUCE_DAYTIME = env_daytime("COPRODUCE_DAYTIME", "always" if DEBUG else "08:00-20:00")

# The accessibility statement (templates/pages/accessibility.html): who runs
# this site, how people reach them about accessibility and how soon they
# answer, and when the site was last tested and the statement reviewed. Each
# organisation that hosts Coproduce publishes its own.
COPRODUCE_SITE_OPERATOR = env("COPRODUCE_SITE_OPERATOR", "the organisation that runs this site")
COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL = env(
    "COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL", parseaddr(DEFAULT_FROM_EMAIL)[1]
)
if "@" not in COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL or " " in COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL:
    raise ImproperlyConfigured(
        "COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL must be an email address such as "
        f"access@example.org, not {COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL!r}"
    )
COPRODUCE_ACCESSIBILITY_CONTACT_PHONE = env("COPRODUCE_ACCESSIBILITY_CONTACT_PHONE")
COPRODUCE_ACCESSIBILITY_REPLY_DAYS = env_int("COPRODUCE_ACCESSIBILITY_REPLY_DAYS", 5)
if not 1 <= COPRODUCE_ACCESSIBILITY_REPLY_DAYS <= 60:
    raise ImproperlyConfigured(
        "COPRODUCE_ACCESSIBILITY_REPLY_DAYS must be from 1 to 60 working days, "
        f"not {COPRODUCE_ACCESSIBILITY_REPLY_DAYS}"
    )
# The defaults: the day this version of Coproduce was last tested, and its
# statement reviewed, by its makers.
COPRODUCE_ACCESSIBILITY_LAST_TESTED = env_date("COPRODUCE_ACCESSIBILITY_LAST_TESTED", "2026-12-01")
COPRODUCE_ACCESSIBILITY_STATEMENT_REVIEWED = env_date(
    "COPRODUCE_ACCESSIBILITY_STATEMENT_REVIEWED", "2026-12-01"
)

# The privacy notice (templates/pages/privacy.html) and how long Coproduce
# keeps records nobody needs for long (participants.accounts.retention, run
# daily by beat): who people write to about their data (by default, the
# accessibility contact), sent and finished reminders, and the record of each
# sign-in (when, and from which browser and internet address).
COPRODUCE_PRIVACY_CONTACT_EMAIL = env(
    "COPRODUCE_PRIVACY_CONTACT_EMAIL", COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL
)
if "@" not in COPRODUCE_PRIVACY_CONTACT_EMAIL or " " in COPRODUCE_PRIVACY_CONTACT_EMAIL:
    raise ImproperlyConfigured(
        "COPRODUCE_PRIVACY_CONTACT_EMAIL must be an email address such as "
        f"privacy@example.org, not {COPRODUCE_PRIVACY_CONTACT_EMAIL!r}"
    )
COPRODUCE_KEEP_REMINDER_LOGS_DAYS = env_int("COPRODUCE_KEEP_REMINDER_LOGS_DAYS", 365)
if not 30 <= COPRODUCE_KEEP_REMINDER_LOGS_DAYS <= 3650:
    raise ImproperlyConfigured(
        "COPRODUCE_KEEP_REMINDER_LOGS_DAYS must be from 30 to 3650 days, "
        f"not {COPRODUCE_KEEP_REMINDER_LOGS_DAYS}"
    )
COPRODUCE_KEEP_SIGN_INS_DAYS = env_int("COPRODUCE_KEEP_SIGN_INS_DAYS", 90)
if not 1 <= COPRODUCE_KEEP_SIGN_INS_DAYS <= 3650:
    raise ImproperlyConfigured(
        "COPRODUCE_KEEP_SIGN_INS_DAYS must be from 1 to 3650 days, "
        f"not {COPRODUCE_KEEP_SIGN_INS_DAYS}"
    )

LANGUAGE_CODE = "en-gb"
# The site's own time zone (the admin, logs, new projects' default); each
# project keeps its own zone for its dates and reminders.
TIME_ZONE = env_time_zone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# Absolute, with SITE_URL's path: Django would add the prefix to a relative
# one only in requests, and the web server reads it before the first.
STATIC_URL = f"{FORCE_SCRIPT_NAME or ''}/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Content Security Policy: nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and urlsplit(SITE_URL).scheme == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading binds the whole domain and every subdomain in browsers for
    # months, so it is the domain owner's choice, not an app's: off unless
    # SECURE_HSTS_PRELOAD=true, and Django's deploy check is not asked to
    # warn about every install that leaves it off.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
