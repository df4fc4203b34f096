"""Claimwatch settings, driven by environment variables (every one is listed in .env.example).

The embedded default needs nothing: SQLite, local-memory cache, Celery tasks run in-process.
Set DATABASE_URL / REDIS_URL / CELERY_BROKER_URL to run on PostgreSQL, Redis and real workers.
With DEBUG off (production) SECRET_KEY and ALLOWED_HOSTS are required; README "Running in
production" lists the rest. Each setting is declared once, in the section of its concern.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

# Production fails fast: no default secret when DEBUG is off.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# Fail fast, like SECRET_KEY: a production process that answers any Host header is a
# cache-poisoning and password-reset-link risk.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# --- Languages (README "Languages") -----------------------------------------------------------
# English is the source language of every interface string; locale/<code>/LC_MESSAGES holds the
# catalogues. Public pages take their language from the URL (/es/claims/...; the default
# language has no prefix); the editors' desk and the API follow the user's choice (the
# language cookie set by the switcher, else Accept-Language): ops.middleware.LanguageMiddleware.
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as each language writes them ("2 December 2026", "2 de diciembre de 2026").
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Apps, middleware, templates -----------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_celery_beat",
    "axes",
    "claims",
    "sources",
    "webhooks",
    "ops",
    "demo",
]

MIDDLEWARE = [
    # First, so that its duration covers every other middleware and the view.
    "ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ops.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (which may redirect to the prefixed URL).
    "ops.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in a path or query string is a 400 here, not a database error in a view.
    "ops.request_guards.UnusableInputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
                "claims.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": {
        **env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Reconnect by itself after a database restart; keep connections for a while in
        # production.
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=0),
        "CONN_HEALTH_CHECKS": True,
        # Querysets iterated with .iterator() (form choices, exports) fetch in one round trip
        # instead of DECLARE/FETCH/CLOSE, and stay correct behind a transaction-pooling PgBouncer.
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
}

# --- Cache --------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # Redis down must not take the site down: short socket timeouts, and every cache error is
    # logged and treated as a miss (ops/cache.py), so pages render, sessions (database) work and
    # DRF throttling lets requests through.
    CACHES = {
        "default": {
            "BACKEND": "ops.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="claimwatch"),
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "claimwatch",
            "TIMEOUT": 300,
        }
    }

# --- Celery and the broker ------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
# Without a broker (the embedded default) tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_SEND_TASK_EVENTS = False
# Celery's Django fix-up closes the database connection around every task unless this is set
# (then every 2×N tasks); a reconnect per check costs more than the check's own queries.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A redelivered task (worker killed mid-check) comes back after this many seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
    # How often workers sweep for such abandoned tasks (kombu's defaults: every ~100 s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Enqueueing gives up quickly when the broker is down (ops.broker.FailSoftTask logs it and moves
# on; the dispatcher's lease expires and the source is due again).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env.int("CELERY_PUBLISH_MAX_RETRIES", default=2),
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # How often beat runs the dispatcher (sources.scheduling).
    "dispatch-due-checks": {
        "task": "sources.tasks.dispatch_due_checks",
        "schedule": timedelta(seconds=env.int("DISPATCH_INTERVAL_SECONDS", default=60)),
    },
    # Import jobs whose task was lost (sources.import_jobs) are queued again.
    "resume-stalled-imports": {
        "task": "sources.tasks.resume_stalled_imports",
        "schedule": timedelta(minutes=5),
    },
    # Page cache versions that could not be bumped while Redis was unreachable (claims.caching).
    "flush-page-invalidations": {
        "task": "claims.tasks.flush_page_invalidations",
        "schedule": timedelta(minutes=1),
    },
    # Webhook deliveries due and not in the queue: lost with the broker, or long retries.
    "sweep-webhook-deliveries": {
        "task": "webhooks.tasks.sweep_webhook_deliveries",
        "schedule": timedelta(seconds=env.int("WEBHOOKS_SWEEP_SECONDS", default=30)),
    },
}

# --- Security -------------------------------------------------------------------------------
# Reverse proxies of ours in front of gunicorn (0 = none: gunicorn faces the clients). It alone
# decides which address is the client's (config/proxies.py: API and login throttling, logs)
# and whether X-Forwarded-Proto is believed; a client reaching gunicorn directly could forge
# both headers.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("PROXY_COUNT must be 0 or more.")
# HTTPS: production turns on the redirect and HSTS (README "Running in production"). Behind a
# proxy that terminates TLS, the proxy's X-Forwarded-Proto says whether the client used HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PROXY_COUNT > 0 else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies and sessions.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Editors' sessions end after a working day (seconds); the admin is the only session user.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy and Permissions-Policy (ops/middleware.py). No 'unsafe-inline' for
# scripts: the admin has none, Swagger UI's one init script carries the per-request nonce
# (templates/drf_spectacular/swagger_ui.html); inline *styles* stay allowed (admin, Swagger UI and
# ReDoc set style attributes). ReDoc runs its search in a blob: worker.
CSP_POLICY = env.str("CSP_POLICY", default="") or (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
)

# Editors sign in through the admin only; an unsafe ?next= (another site) lands here instead.
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin login throttling: django-axes (jazzband; failed attempts kept in the database, so the
# lock holds across gunicorn workers and hosts and does not depend on Redis being up).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock the (username, address) pair: a guesser cannot lock a real editor out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The client address as every throttle reads it (PROXY_COUNT, above).
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_address"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Logging --------------------------------------------------------------------------------
# One JSON object per line on stdout (ops/logging.py): per request (claimwatch.requests) and per
# check (claimwatch.checks); LOG_FORMAT=text for humans.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="") or ("text" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- The publication (ClaimReview author, feeds, canonical URLs) -----------------------------
SITE_NAME = env.str("SITE_NAME", default="Claimwatch")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PUBLISHER_NAME = env.str("PUBLISHER_NAME", default="Claimwatch")
PUBLISHER_URL = env.str("PUBLISHER_URL", default=SITE_URL)

# --- Editorial desk (claims/matching.py, claims/admin) -------------------------------------
# A published claim this similar (find_similar_claims score, 0-1) to one being sent to review
# or published is named in a warning: it may be a repeat of a fact check already made.
CLAIMS_REPEAT_THRESHOLD = env.float("CLAIMS_REPEAT_THRESHOLD", default=0.5)
# The languages claims are written in (ISO 639-1 codes): Claim.language's choices, and the
# only languages intake's detector tells apart (fewer languages: a faster, smaller detector).
# A claim's default is the site's language (LANGUAGE_CODE) if listed, else the first one.
CLAIMS_LANGUAGES = env.list("CLAIMS_LANGUAGES", default=["en", "es", "de", "fr", "it", "pt", "nl"])

# --- Public page cache (claims/caching.py) ----------------------------------------------------
PUBLIC_PAGE_CACHE = env.bool("PUBLIC_PAGE_CACHE", default=True)
# Seconds a web worker reuses the cache version numbers it read: a hit then needs no network
# I/O; another worker's invalidation shows up to this late (its own at once). 0 = strict.
PUBLIC_PAGE_VERSION_TTL = env.float("PUBLIC_PAGE_VERSION_TTL", default=1.0)
# Rendered claim cards kept under their claim's page version and reused by every list page
# (claims/fragments.py), also when whole pages are not cached.
PUBLIC_FRAGMENT_CACHE = env.bool("PUBLIC_FRAGMENT_CACHE", default=True)
# After a change, a Celery task renders the public pages it emptied (claims/warmup.py), so
# readers do not pay for the render: at most one run per page group per DELAY seconds, at
# most MAX_PAGES pages (per language counted) per run.
# Off when tasks run in-process: the renders would then hold up the editor's save itself.
PUBLIC_PAGE_WARMUP = env.bool("PUBLIC_PAGE_WARMUP", default=not CELERY_TASK_ALWAYS_EAGER)
PUBLIC_PAGE_WARMUP_DELAY = env.float("PUBLIC_PAGE_WARMUP_DELAY", default=1.5)
PUBLIC_PAGE_WARMUP_MAX_PAGES = env.int("PUBLIC_PAGE_WARMUP_MAX_PAGES", default=200)

# --- Check-worthiness model ------------------------------------------------------------
# The trained artefact intake scores with (committed; `manage.py train_checkworthiness`).
CHECKWORTHINESS_ARTEFACT_DIR = Path(
    env.str("CHECKWORTHINESS_ARTEFACT_DIR", default="")
    or BASE_DIR / "claims" / "checkworthiness" / "artefact"
)
# The CheckThat! TSV files it is trained and measured on: the shared corpus beside the
# checkout (../shared for a checkout, ../../shared for a worktree) unless set.
CHECKWORTHINESS_DATA_DIR = Path(
    env.str("CHECKWORTHINESS_DATA_DIR", default="")
    or next(
        (
            parent / "shared" / "corpus" / "checkworthiness"
            for parent in BASE_DIR.parents
            if (parent / "shared" / "corpus" / "checkworthiness").is_dir()
        ),
        BASE_DIR.parent / "shared" / "corpus" / "checkworthiness",
    ),
)

# --- Source monitoring --------------------------------------------------------------------
# Hosts or networks the fetcher may reach although they are private (tests use 127.0.0.1).
# Production leaves it empty.
SOURCES_FETCH_ALLOW = env.list("SOURCES_FETCH_ALLOW", default=[])
SOURCES_USER_AGENT = (
    env.str("SOURCES_USER_AGENT", default="") or f"ClaimwatchBot/1.0 (+{SITE_URL}/about/)"
)
SOURCES_CONNECT_TIMEOUT = env.float("SOURCES_CONNECT_TIMEOUT", default=5.0)
SOURCES_TOTAL_TIMEOUT = env.float("SOURCES_TOTAL_TIMEOUT", default=20.0)
SOURCES_MAX_BYTES = env.int("SOURCES_MAX_BYTES", default=10 * 1024 * 1024)
SOURCES_MAX_REDIRECTS = env.int("SOURCES_MAX_REDIRECTS", default=5)
# Datasets (XLSX, ODS, CSV): limits on what a workbook may expand to (zip bombs, giant sheets).
SOURCES_DATASET_MAX_UNCOMPRESSED_BYTES = env.int(
    "SOURCES_DATASET_MAX_UNCOMPRESSED_BYTES", default=100 * 1024 * 1024
)
SOURCES_DATASET_MAX_MEMBER_BYTES = env.int(
    "SOURCES_DATASET_MAX_MEMBER_BYTES", default=60 * 1024 * 1024
)
SOURCES_DATASET_MAX_RATIO = env.float("SOURCES_DATASET_MAX_RATIO", default=200.0)
SOURCES_DATASET_MAX_ROWS = env.int("SOURCES_DATASET_MAX_ROWS", default=100_000)
SOURCES_DATASET_MAX_CELLS = env.int("SOURCES_DATASET_MAX_CELLS", default=500_000)
SOURCES_PER_HOST_CONCURRENCY = env.int("SOURCES_PER_HOST_CONCURRENCY", default=2)
SOURCES_BROKEN_AFTER_FAILURES = env.int("SOURCES_BROKEN_AFTER_FAILURES", default=3)
SOURCES_BROKEN_AFTER_HOURS = env.float("SOURCES_BROKEN_AFTER_HOURS", default=24.0)
SOURCES_MIN_INTERVAL_HOURS = env.float("SOURCES_MIN_INTERVAL_HOURS", default=1.0)
SOURCES_MAX_INTERVAL_HOURS = env.float("SOURCES_MAX_INTERVAL_HOURS", default=24.0 * 7)
SOURCES_DISPATCH_BATCH = env.int("SOURCES_DISPATCH_BATCH", default=500)
# How long a dispatched source stays claimed before a lost check (broker down at enqueue,
# worker gone) makes it due again (sources.scheduling).
SOURCES_DISPATCH_LEASE_SECONDS = env.int("SOURCES_DISPATCH_LEASE_SECONDS", default=15 * 60)
# The dispatcher enqueues checks in batches of this many sources (one task each); a batch
# fetches with up to SOURCES_CHECK_THREADS requests at once and records its results in a few
# queries (sources.batches).
SOURCES_CHECK_BATCH_SIZE = env.int("SOURCES_CHECK_BATCH_SIZE", default=25)
SOURCES_CHECK_THREADS = env.int("SOURCES_CHECK_THREADS", default=8)

# --- Webhooks (webhooks/) --------------------------------------------------------------------
# Deliveries go through the fetcher's address policy (SOURCES_FETCH_ALLOW included).
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=10.0)
# Attempts per delivery; the retry after attempt n waits BASE * 2**(n-1) s (+ <=10% jitter),
# at most RETRY_MAX: 30 s, 1 min, 2 min ... about 2 h in all with the defaults.
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=30.0)
WEBHOOKS_RETRY_MAX_SECONDS = env.float("WEBHOOKS_RETRY_MAX_SECONDS", default=6 * 3600.0)
# Retries due later than this are left to the sweep rather than held by a worker as a countdown
# (the Redis broker redelivers tasks held past its visibility timeout).
WEBHOOKS_COUNTDOWN_MAX_SECONDS = env.float("WEBHOOKS_COUNTDOWN_MAX_SECONDS", default=600.0)
# An endpoint is disabled after this many deliveries in a row failed every attempt.
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=5)
# From address of the notice emailed to an endpoint's owner when it is disabled ("" = no email).
WEBHOOKS_NOTICE_FROM_EMAIL = env.str("WEBHOOKS_NOTICE_FROM_EMAIL", default="")
# --- Imports (sources/import_jobs.py) ---------------------------------------------------------
# Most items one ClaimReview import request may hold (413 beyond; the command has no limit).
CLAIMREVIEW_IMPORT_MAX_ITEMS = env.int("CLAIMREVIEW_IMPORT_MAX_ITEMS", default=10_000)
# Imports of up to this many items run within the request (200 and the report); larger ones
# run as a background job (202 and the job's address).
IMPORT_SYNC_MAX_ITEMS = env.int("IMPORT_SYNC_MAX_ITEMS", default=50)
# A synchronous import that takes longer than this hands its remaining items to a job.
IMPORT_SYNC_SECONDS = env.float("IMPORT_SYNC_SECONDS", default=5.0)
# One task runs a job for this long, then queues the rest (well under the visibility timeout).
IMPORT_JOB_SLICE_SECONDS = env.float("IMPORT_JOB_SLICE_SECONDS", default=60.0)
# An unfinished job with no progress for this long is queued again (its task was lost).
IMPORT_JOB_STALE_SECONDS = env.int("IMPORT_JOB_STALE_SECONDS", default=600)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anyone reads; writes need the role's model permission (views narrow what is seen).
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.ReadOrEditorial"],
    # JSON bodies within DATA_UPLOAD_MAX_MEMORY_SIZE; forms for the browsable API.
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.LimitedJSONParser",
        "config.api.parsers.CleanFormParser",
        "config.api.parsers.CleanMultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # drf-spectacular's AutoSchema + the error responses every operation can return.
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.ApiAutoSchema",
    # JSON errors in one shape for every API failure (config/api/errors.py).
    "EXCEPTION_HANDLER": "config.api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Counted per client address as config/proxies.py reads it (PROXY_COUNT).
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonRateThrottle",
        "config.api.throttling.UserRateThrottle",
    ],
    # For any DRF code that reads it itself; our throttles ask config/proxies.py.
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
    },
}
# Domain errors the API answers with an HTTP error of their own, keeping their message (the
# raised class or its nearest listed base decides; config/api/errors.py).
# JSON bodies nest at most this deep (ClaimReview DataFeeds need about ten levels); deeper is
# a 400, before Python's decoder could recurse out of stack (config/api/parsers.py).
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=64)
# Every string of an API body is cleaned by this function (the rules: claims/hygiene.py).
API_TEXT_CLEANER = "claims.hygiene.strip_json_body"
API_EXCEPTION_TRANSLATIONS = {
    "claims.exceptions.NotAllowed": "rest_framework.exceptions.PermissionDenied",
    "claims.exceptions.WorkflowError": "config.api.exceptions.Conflict",
    "sources.tasks.BrokerUnavailable": "config.api.exceptions.ServiceUnavailable",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claimwatch API",
    "DESCRIPTION": "Fact checks, claims, figures and the live state of their sources.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc assets come from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimantKindEnum": "claims.models.Claimant.Kind",
        "SourceKindEnum": "sources.models.Source.Kind",
        "CorrectionKindEnum": "claims.models.Correction.Kind",
        "ImportJobKindEnum": "sources.models.ImportJob.Kind",
        "ImportJobStatusEnum": "sources.models.ImportJob.Status",
        # The name the schema has always given the claim statuses (clients generated from it
        # use it); named here, so the clash with the import report's `status` is resolved.
        "Status86dEnum": "claims.models.Claim.Status",
    },
}

# Public, read-only cross-origin access to the API and to oEmbed (consumers may read it from
# a script on their own pages).
CORS_URLS_REGEX = r"^/(api/v1/.*|oembed)$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --- Operations endpoints (ops/health.py, ops/metrics.py) -------------------------------------
# readyz answers 503 when one of these is down; the cache and broker are reported but not
# required by default, because the site keeps serving without Redis.
READYZ_REQUIRED = env.list("READYZ_REQUIRED", default=["database"])
HEARTBEAT_STALE_SECONDS = env.int("HEARTBEAT_STALE_SECONDS", default=300)
# Empty = /metrics answers 404; otherwise send "Authorization: Bearer <token>".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# The queue whose length /metrics reports.
CELERY_QUEUE_NAME = env.str("CELERY_QUEUE_NAME", default="celery")
