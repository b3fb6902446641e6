"""Django settings for Attune, read from the environment (see .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from attune.env import env_bool, env_choice, env_float, env_int, env_list, env_rate, env_seconds, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off (see .env.example)"
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - only ever used with DEBUG on
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "attune",
    "packs",
    "workflows",
    "actions",
    "executions",
]

# Security and frame headers come first so every response carries them: static files,
# the envelope middleware's own 404/413 answers and error pages included.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "attune.middleware.ApiErrorEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "attune.urls"
WSGI_APPLICATION = "attune.wsgi.application"
# Paths are served with and without a trailing slash by the URL patterns themselves;
# a redirect would turn a POST into a GET in many clients.
APPEND_SLASH = False

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
]

# SQLite is the embedded default; PostgreSQL via DATABASE_URL in production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "attune.db.sqlite3"  # knows SQLite's real parameter limit
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy timeout
    # instead of one failing with "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so threads in the concurrency tests share it; one per process so
    # two test runs on one machine do not collide. pytest-django removes it afterwards.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")}

# Shared by every worker process (login throttle counters live here), in the database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "attune_cache",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the admin's favicon and editor gutter
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (tests, `make run`) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request bodies larger than this are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ATTUNE_MAX_REQUEST_BYTES", 2 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "attune.auth.authentication.JWTAuthentication",
    ],
    # Deny by default: every view must be reached with a valid access token unless it
    # says otherwise (login, refresh, logout, health, docs).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["attune.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "attune.api.JsonFallbackNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["attune.api.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "attune.api.EnvelopePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "attune.api.envelope_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env_rate("ATTUNE_LOGIN_RATE", "30/min")},
    # Throttles identify clients by REMOTE_ADDR, or by X-Forwarded-For when behind this many
    # trusted proxies; otherwise a client could pick any address by sending the header.
    "NUM_PROXIES": env_int("ATTUNE_NUM_PROXIES", 0, minimum=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": env_seconds("ATTUNE_ACCESS_TOKEN_LIFETIME", 3600),
    "REFRESH_TOKEN_LIFETIME": env_seconds("ATTUNE_REFRESH_TOKEN_LIFETIME", 7 * 24 * 3600),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env_str("ATTUNE_JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Attune API",
    "DESCRIPTION": (
        "Control plane for Attune automation packs and workflows. Every `/api/v1` call "
        "needs `Authorization: Bearer <access_token>` from `POST /auth/login`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ExecutionStatus": "executions.models.Status",
        # An action's runner type; the API creates every kind but `workflow` (actions.serializers).
        "RunnerTypeEnum": "actions.models.Action.RunnerType",
        "WritableRunnerTypeEnum": ["python", "shell", "builtin"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "attune.schema.strip_trailing_slashes",
        "attune.schema.tags_need_a_tag",
    ],
    "TAGS": [
        {"name": "auth", "description": "Log in, refresh and revoke tokens."},
        {"name": "packs", "description": "Automation packs."},
        {"name": "workflows", "description": "Workflow definitions."},
        {"name": "actions", "description": "Actions: what tasks run."},
        {"name": "executions", "description": "Running actions and following their runs."},
        {"name": "health", "description": "Liveness and database reachability."},
    ],
}

ATTUNE_ADMIN_PASSWORD = env_str("ATTUNE_ADMIN_PASSWORD")

# Pack loading. API calls may only name directories under ATTUNE_PACKS_DIR.
ATTUNE_PACKS_DIR = Path(env_str("ATTUNE_PACKS_DIR") or BASE_DIR / "var" / "packs")
ATTUNE_PACK_MAX_FILE_BYTES = env_int("ATTUNE_PACK_MAX_FILE_BYTES", 1024 * 1024)
ATTUNE_YAML_MAX_NODES = env_int("ATTUNE_YAML_MAX_NODES", 100_000)
# JSON bodies and YAML documents nesting arrays/objects deeper than this are refused (400)
# before anything recurses over them.
ATTUNE_MAX_NESTING_DEPTH = env_int("ATTUNE_MAX_NESTING_DEPTH", 64)
ATTUNE_UPLOAD_MAX_BYTES = env_int("ATTUNE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
ATTUNE_UPLOAD_MAX_FILES = env_int("ATTUNE_UPLOAD_MAX_FILES", 2000)

# Workflow definition limits: beyond them a definition is refused with a diagnostic.
ATTUNE_WORKFLOW_MAX_TASKS = env_int("ATTUNE_WORKFLOW_MAX_TASKS", 1000)
ATTUNE_WORKFLOW_MAX_DEPTH = env_int("ATTUNE_WORKFLOW_MAX_DEPTH", 3)
ATTUNE_TEMPLATE_MAX_LENGTH = env_int("ATTUNE_TEMPLATE_MAX_LENGTH", 10_000)
ATTUNE_DEFINITION_MAX_BYTES = env_int("ATTUNE_DEFINITION_MAX_BYTES", 1024 * 1024)

# Executions (docs/executions.md). `embedded`: `manage.py attune_worker` claims runs straight
# from the database; `celery`: runs are delivered through CELERY_BROKER_URL to
# `celery -A attune worker`; `inline`: run in the caller's process at commit (tests, scripts).
ATTUNE_ENGINE_TRANSPORT = env_choice("ATTUNE_ENGINE_TRANSPORT", ("embedded", "celery", "inline"), "embedded")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
ATTUNE_WORKER_CONCURRENCY = env_int("ATTUNE_WORKER_CONCURRENCY", 4)
ATTUNE_WORKER_POLL_SECONDS = env_float("ATTUNE_WORKER_POLL_SECONDS", 0.2)
ATTUNE_LEASE_SECONDS = env_int("ATTUNE_LEASE_SECONDS", 30)
ATTUNE_HEARTBEAT_SECONDS = env_float("ATTUNE_HEARTBEAT_SECONDS", 10)
ATTUNE_SWEEP_SECONDS = env_float("ATTUNE_SWEEP_SECONDS", 2)
ATTUNE_REDISPATCH_AFTER = env_int("ATTUNE_REDISPATCH_AFTER", 60)
# A worker's labels (k=v,k2=v2) pick the pack selector queues it serves; the set is refreshed
# this often. On SIGTERM a worker lets its runs finish for up to the grace, then leaves them
# to their leases (docs/workers.md).
ATTUNE_WORKER_LABELS = env_str("ATTUNE_WORKER_LABELS")
ATTUNE_WORKER_QUEUE_REFRESH_SECONDS = env_float("ATTUNE_WORKER_QUEUE_REFRESH_SECONDS", 60)
ATTUNE_WORKER_SHUTDOWN_GRACE = env_float("ATTUNE_WORKER_SHUTDOWN_GRACE", 30)
# Embedded workers listen on this loopback UDP port, so a run scheduled on their machine is
# claimed at once rather than at the next poll; 0 turns it off (polling only).
ATTUNE_WORKER_WAKE_PORT = env_int("ATTUNE_WORKER_WAKE_PORT", 47811, minimum=0)
if ATTUNE_HEARTBEAT_SECONDS >= ATTUNE_LEASE_SECONDS:
    # Every lease would run out between two heartbeats and every run would be abandoned.
    raise ImproperlyConfigured("ATTUNE_HEARTBEAT_SECONDS must be less than ATTUNE_LEASE_SECONDS")
if ATTUNE_ENGINE_TRANSPORT == "celery" and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("ATTUNE_ENGINE_TRANSPORT=celery needs CELERY_BROKER_URL (docs/workers.md)")
ATTUNE_DEFAULT_ACTION_TIMEOUT = env_int("ATTUNE_DEFAULT_ACTION_TIMEOUT", 3600)
# Subprocess actions: output caps, grace between SIGTERM and SIGKILL, resource limits.
ATTUNE_ACTION_MAX_OUTPUT_BYTES = env_int("ATTUNE_ACTION_MAX_OUTPUT_BYTES", 1024 * 1024)
ATTUNE_ACTION_KILL_GRACE_SECONDS = env_float("ATTUNE_ACTION_KILL_GRACE_SECONDS", 10)
ATTUNE_ACTION_MAX_MEMORY = env_int("ATTUNE_ACTION_MAX_MEMORY", 1024**3)
ATTUNE_ACTION_MAX_OPEN_FILES = env_int("ATTUNE_ACTION_MAX_OPEN_FILES", 1024)
ATTUNE_ACTION_MAX_PROCESSES = env_int("ATTUNE_ACTION_MAX_PROCESSES", 256)
ATTUNE_ACTION_MAX_FILE_BYTES = env_int("ATTUNE_ACTION_MAX_FILE_BYTES", 1024**3)
# Names of the worker's environment variables that actions receive (e.g. SLACK_BOT_TOKEN).
ATTUNE_ACTION_ENV_PASSTHROUGH = env_list("ATTUNE_ACTION_ENV_PASSTHROUGH", [])
# PATH and LANG of an action's environment (which is otherwise built from scratch).
ATTUNE_ACTION_PATH = env_str("ATTUNE_ACTION_PATH") or "/usr/local/bin:/usr/bin:/bin"
ATTUNE_ACTION_LANG = env_str("ATTUNE_ACTION_LANG") or "C.UTF-8"
ATTUNE_ENVS_DIR = Path(env_str("ATTUNE_ENVS_DIR") or BASE_DIR / "var" / "envs")
# Seconds one step of building a pack's Python environment (venv, pip install) may take.
ATTUNE_ENV_BUILD_TIMEOUT = env_int("ATTUNE_ENV_BUILD_TIMEOUT", 600)
# core.http may only call these hosts ("*" = any); e.g. "api.slack.com,*.example.com".
ATTUNE_HTTP_ALLOWED_HOSTS = env_list("ATTUNE_HTTP_ALLOWED_HOSTS", ["*"])

# Orchestration limits (docs/workflow-language.md#runtime-limits): each one ends the task or
# the workflow with an error that names it, never a stalled engine.
ATTUNE_MAX_TASK_ACTIVATIONS = env_int("ATTUNE_MAX_TASK_ACTIVATIONS", 1000)
ATTUNE_MAX_RUNS_PER_EXECUTION = env_int("ATTUNE_MAX_RUNS_PER_EXECUTION", 100_000)
ATTUNE_WITH_ITEMS_MAX = env_int("ATTUNE_WITH_ITEMS_MAX", 10_000)
ATTUNE_MAX_WORKFLOW_NESTING = env_int("ATTUNE_MAX_WORKFLOW_NESTING", 10)
ATTUNE_MAX_INLINE_STEPS = env_int("ATTUNE_MAX_INLINE_STEPS", 10_000)
ATTUNE_RENDER_MAX_BYTES = env_int("ATTUNE_RENDER_MAX_BYTES", 1024 * 1024)
ATTUNE_RENDER_MAX_SECONDS = env_float("ATTUNE_RENDER_MAX_SECONDS", 1.0)
ATTUNE_RESULT_MAX_BYTES = env_int("ATTUNE_RESULT_MAX_BYTES", 1024 * 1024)
ATTUNE_VARIABLES_MAX_BYTES = env_int("ATTUNE_VARIABLES_MAX_BYTES", 4 * 1024 * 1024)
# A finished task run the engine has not advanced past after this long is advanced by the sweeper.
ATTUNE_ADVANCE_REPAIR_AFTER = env_float("ATTUNE_ADVANCE_REPAIR_AFTER", 5)
# Live progress (Server-Sent Events): how long one stream lasts, keep-alive interval.
ATTUNE_SSE_MAX_SECONDS = env_float("ATTUNE_SSE_MAX_SECONDS", 300)
ATTUNE_SSE_KEEPALIVE_SECONDS = env_float("ATTUNE_SSE_KEEPALIVE_SECONDS", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

# Django's defaults already send nosniff, Referrer-Policy and Cross-Origin-Opener-Policy
# (SecurityMiddleware) and X-Frame-Options (XFrameOptionsMiddleware) on every response; they
# are spelled out so a reader (and `check --deploy`) need not know the defaults.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS is sent on HTTPS responses only. Off by default: once a browser has seen it, the site
# cannot go back to plain HTTP for that long.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=False)
# A load balancer probes /health over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^health/?$"]

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY") else None
    )
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
