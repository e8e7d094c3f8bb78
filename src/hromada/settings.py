"""Settings, read from environment variables through small typed helpers.

A site laptop runs on a SQLite file (the default); HQ sets DATABASE_URL=postgres://...
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


DATA_DIR = Path(envstr("HROMADA_DATA_DIR", str(Path.cwd() / "var")))

DEBUG = envbool("DEBUG", False)
# A fresh laptop gets a key of its own, kept beside its database, so nothing secret is in git.
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    from hromada.core.secret import load_or_create_secret_key

    SECRET_KEY = load_or_create_secret_key(DATA_DIR / "secret_key")

ALLOWED_HOSTS = [h for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# `hromada serve --lan` serves volunteers' phones on the local network, whatever the address.
if envbool("HROMADA_LAN", False):
    ALLOWED_HOSTS = ["*"]

# The node this installation is: every row it creates carries it.
HROMADA_NODE = envstr("HROMADA_NODE", "site-laptop")
# The hromada (municipality) this installation serves: the exports' #adm3+name.
HROMADA_TOWN_NAME = envstr("HROMADA_TOWN_NAME", "Громада")

INSTALLED_APPS = [
    "django.forms",  # lets FORM_RENDERER find Django's own form templates
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hromada.core",
    "hromada.people",
    "hromada.stock",
    "hromada.distribution",
    "hromada.evacuation",
    "hromada.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hromada.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hromada.core.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hromada.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "hromada.urls"
FORM_RENDERER = "hromada.core.forms.FormRenderer"
WSGI_APPLICATION = "hromada.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]


# FULL by default. NORMAL exists only so that the crash test can show it would see a loss.
SQLITE_SYNCHRONOUS = envstr("HROMADA_SQLITE_SYNCHRONOUS", "FULL").upper()
if SQLITE_SYNCHRONOUS not in {"FULL", "NORMAL", "EXTRA"}:
    raise ValueError("HROMADA_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")


def _database(url: str) -> dict[str, Any]:
    db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=600))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["ENGINE"] = "hromada.core.sqlite"  # Django's, with threads queueing for writes
        # WAL lets the desk read while another desk writes; synchronous=FULL makes a commit
        # the desk saw succeed survive a power cut; IMMEDIATE takes the write lock at BEGIN so
        # two desks never deadlock upgrading a read lock; the busy timeout makes the second
        # desk wait its turn instead of failing.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                f"PRAGMA synchronous={SQLITE_SYNCHRONOUS};"
                "PRAGMA foreign_keys=ON;"
            ),
        }
        db["CONN_MAX_AGE"] = 600
        # Tests run on a real file, not an in-memory database, with the same settings; one
        # file per test process, so that two runs on one machine do not share it.
        test_name = f"test-hromada-{os.getpid()}.sqlite3"
        db["TEST"] = {"NAME": str(Path(db["NAME"]).with_name(test_name))}
    return db


DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'hromada.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Failed logins per username and per address within the window before the door shuts.
HROMADA_LOGIN_MAX_FAILURES = envint("HROMADA_LOGIN_MAX_FAILURES", 5)
HROMADA_LOGIN_WINDOW_SECONDS = envint("HROMADA_LOGIN_WINDOW_SECONDS", 15 * 60)

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", "Українська"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Kyiv"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # hromada.css/.js and vendored htmx belong to no app
# Served straight from the package: no collectstatic step on a laptop, nothing from a CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after this long without a request, and in any case this long after login
# (core.middleware.SessionLimitsMiddleware); a laptop left open at the desk logs itself out.
HROMADA_SESSION_IDLE_SECONDS = envint("HROMADA_SESSION_IDLE_SECONDS", 30 * 60)
HROMADA_SESSION_MAX_SECONDS = envint("HROMADA_SESSION_MAX_SECONDS", 12 * 3600)
SESSION_COOKIE_AGE = HROMADA_SESSION_MAX_SECONDS
# A scanner device's token ends after a day unused and a month after it was issued.
HROMADA_TOKEN_IDLE_SECONDS = envint("HROMADA_TOKEN_IDLE_SECONDS", 24 * 3600)
HROMADA_TOKEN_MAX_SECONDS = envint("HROMADA_TOKEN_MAX_SECONDS", 30 * 24 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Behind TLS (HQ, or a site laptop given a certificate): cookies only over HTTPS, and HSTS.
# A site laptop serving plain HTTP on its Wi-Fi cannot set these; docs/security.md says
# what that leaves open.
HROMADA_HTTPS = envbool("HROMADA_HTTPS", False)
if HROMADA_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = envint("HROMADA_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True  # the directive only; nobody submits a town laptop to the list
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host != "*"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs carry no personal data: Django logs paths (UUIDs), never bodies or query strings. The
# SQL logger would print query parameters (names) at DEBUG, so it never goes below INFO.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
