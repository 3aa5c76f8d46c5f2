"""OpenIOP settings: everything comes from the environment (see README's table).

Secure by default: DEBUG is off, SECRET_KEY is required unless DEBUG, cookies are
Secure/HttpOnly unless OPENIOP_INSECURE_HTTP is set for a local demo, HSTS is on.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from openiop.config.env import env_bool, env_int, env_list, env_str

django_stubs_ext.monkeypatch()  # lets typed generics such as ModelAdmin[Model] run

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (see README).")
    SECRET_KEY = "insecure-development-key-only-for-debug-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "openiop.core",
    "openiop.accounts",
    "openiop.organization",
    "openiop.patients",
    "openiop.intake",
    "openiop.scheduling",
    "openiop.locator",
    "openiop.delivery",
    "openiop.care",
    "openiop.billing",
    "openiop.authorizations",
    "openiop.privacy",
    "openiop.fhir",
    "openiop.portal",
    "openiop.support",
    "openiop.outcomes",
    "openiop.records",
    "openiop.appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "openiop.core.middleware.SessionTimeoutMiddleware",
    "openiop.core.middleware.LoginRequiredMiddleware",
    "openiop.core.middleware.NoStoreMiddleware",
    "openiop.core.slowdb.StatementTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "openiop.config.urls"
WSGI_APPLICATION = "openiop.config.wsgi.application"

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
                "csp.context_processors.nonce",
                "openiop.core.context_processors.navigation",
                "openiop.portal.context.portal_nav",
            ],
            # `|words` (stored identifiers to words) in every template without a {% load %}.
            "builtins": ["openiop.core.templatetags.words"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'openiop.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer lock instead of failing at once; WAL lets readers go on.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            # IMMEDIATE: a write transaction takes the lock at BEGIN, so concurrent writers
            # queue instead of failing on lock upgrade (the audit chain reads then appends).
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL stops any statement that runs longer than this many milliseconds (0: no limit).
# Web processes (`openiop.config.wsgi`/`asgi` set OPENIOP_PROCESS=web before the settings
# load) keep it below the WSGI server's worker time-out (gunicorn's default 30 s), so that
# the database cancels a runaway query and the worker answers 503 with a reason
# (core.slowdb) instead of being killed with the query still running. The task worker and
# management commands (solves, demo data, imports, reports, migrations) have their own limit,
# none by default: their work may rightly take minutes, and a migration cut half-way helps no one.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 25_000, minimum=0)
DATABASE_COMMAND_STATEMENT_TIMEOUT_MS = env_int(
    "DATABASE_COMMAND_STATEMENT_TIMEOUT_MS", 0, minimum=0
)
WEB_PROCESS = env_str("OPENIOP_PROCESS") == "web"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _statement_ms = (
        DATABASE_STATEMENT_TIMEOUT_MS if WEB_PROCESS else DATABASE_COMMAND_STATEMENT_TIMEOUT_MS
    )
    if _statement_ms:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c statement_timeout={_statement_ms}".strip()
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "openiop.accounts.hashers.OpenIOPArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "openiop.accounts.validators.MaximumLengthValidator"},
    {"NAME": "openiop.accounts.validators.RepetitiveValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: server-side (database) sessions so logout ends them for good.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Flash messages can name a patient ("Held, not billed (Quintero, Alma ...)"): keep them in
# the server-side session, never in a cookie (no PHI in browser storage).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 15, minimum=1, maximum=30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(
    hours=env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1, maximum=12)
)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Transport security. OPENIOP_INSECURE_HTTP=1 is only for the local demo on 127.0.0.1.
INSECURE_HTTP = env_bool("OPENIOP_INSECURE_HTTP", False)
SESSION_COOKIE_SECURE = not INSECURE_HTTP
CSRF_COOKIE_SECURE = not INSECURE_HTTP
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not INSECURE_HTTP)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For in front of the application; the client address
# is that many entries from the right (core.clientip). Ignored unless BEHIND_TLS_PROXY.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1, minimum=1, maximum=10)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # The portal's service worker (/portal/sw.js) and web app manifest.
        "worker-src": [SELF],
        "manifest-src": [SELF],
    }
}

# Login throttling: lock the (username, IP) pair, never the username alone, so that an
# attacker cannot lock a clinician out from every address (ASVS 6.1.1 / 6.3.1).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "openiop.core.clientip.client_ip"  # the proxy-aware address

OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "OpenIOP")

BREAK_GLASS_MAX_HOURS = 4

# The patient and family portal. Invitation links expire after this many hours.
PORTAL_INVITE_HOURS = env_int("PORTAL_INVITE_HOURS", 72, minimum=1, maximum=336)
# Web push (RFC 8292 VAPID): the application server's key pair, from the environment only.
# Without them the portal offers e-mail reminders alone and says so.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:privacy@example.org")

# Outgoing e-mail (portal invitations and reminders; never any health detail). Without
# EMAIL_HOST, messages are written to the server's console (development and the demo).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@localhost")
# The site's public address (https://iop.example.org), for links in e-mail sent by background
# tasks when no request gives it (a partner's referral link).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")

# Background work: one task queue (Django's Tasks API through the django-tasks backport),
# stored in this database and run by `openiop db_worker` on any number of machines
# (docs/adr/0004-task-queue.md). Tasks are enqueued after their transaction commits.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Without a worker (`make demo`, development), the web process runs the queue in a background
# thread after each enqueue. Off by default outside DEBUG: production runs `openiop db_worker`.
SCHEDULE_INLINE_FALLBACK = env_bool("SCHEDULE_INLINE_FALLBACK", DEBUG)

# Weekly schedule solver: seconds and CP-SAT workers per solve.
SCHEDULE_SOLVE_SECONDS = env_int("SCHEDULE_SOLVE_SECONDS", 10, minimum=1, maximum=600)
SCHEDULE_SOLVE_WORKERS = env_int("SCHEDULE_SOLVE_WORKERS", 1, minimum=1, maximum=16)
LOCATOR_REFERRAL_LIMIT_PER_HOUR = env_int("LOCATOR_REFERRAL_LIMIT_PER_HOUR", 5, minimum=1)
LOCATOR_SEARCH_LIMIT_PER_MINUTE = env_int("LOCATOR_SEARCH_LIMIT_PER_MINUTE", 30, minimum=1)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serves app static files without collectstatic (demo, tests)
if not STATIC_ROOT.exists():
    warnings.filterwarnings("ignore", message="No directory at")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["openiop.core.api.IsVerifiedStaff"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "openiop.core.api.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
# The FHIR API's OAuth 2.0 server (django-oauth-toolkit): system clients only, with the
# client-credentials grant (SMART Backend Services style scopes, docs/fhir.md). Client secrets
# are stored hashed; a token lives one hour. Which scopes a client may ask for is the
# client's own list (openiop.fhir.scopes.ClientScopes). Secrets are hashed by default
# (Application.hash_client_secret, CLIENT_SECRET_HASHER "default").
# django-oauth-toolkit's own models, named so that `makemigrations` can resolve the swappable
# references in openiop.fhir's migrations.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "system/*.rs": "Read and search every FHIR resource the client's consents allow",
        **{
            f"system/{t}.rs": f"Read and search {t}"
            for t in (
                "Patient",
                "Practitioner",
                "Organization",
                "Location",
                "Encounter",
                "Condition",
                "Observation",
                "QuestionnaireResponse",
                "CarePlan",
                "Goal",
                "Consent",
                "Coverage",
            )
        },
    },
    "DEFAULT_SCOPES": ["system/*.rs"],
    "SCOPES_BACKEND_CLASS": "openiop.fhir.scopes.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "OAUTH2_VALIDATOR_CLASS": "openiop.fhir.scopes.ClientCredentialsValidator",
    # OAuth 2.0 Security Best Current Practice (RFC 9700): every compliant behaviour on,
    # although only the client credentials grant is accepted here (no redirects, no refresh
    # tokens are issued).
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    **{
        f"COMPLIANT_BCP_RFC9700_{name}": True
        for name in (
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "REDIRECT_URI_SCHEME",
            "REFRESH_TOKEN",
            "TOKEN_STORAGE",
        )
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OpenIOP API",
    "DESCRIPTION": "REST API of OpenIOP. Every endpoint needs a staff session verified with MFA.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "PATH_CONVERTER_OVERRIDES": {"id": int},  # core.converters: a database id is an integer
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refusal (403/404) is an expected answer, already in the audit trail: one line in the
    # log, not a traceback.
    "filters": {
        "refusals_one_line": {"()": "openiop.core.logfilters.RefusalsOneLine"},
        "redact_link_secrets": {"()": "openiop.core.logfilters.RedactLinkSecrets"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["refusals_one_line", "redact_link_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The development server's access log through the same handler, so it too keeps the
        # route and not the secret of a link.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
