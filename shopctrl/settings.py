"""Settings for the ShopCtrl back office.

Everything comes from the environment (or a `.env` file) through django-environ's typed
readers, which reject malformed values at start-up. Any variable may instead be read from
a file named by `NAME_FILE` (Docker/Kubernetes secrets). `.env.example` lists them all.

Embedded defaults (SQLite, a file-system Celery broker, a local-memory cache) exist only so
the demo runs on a bare machine; production and the tests set DATABASE_URL and REDIS_URL.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.FileAwareEnv()
environ.FileAwareEnv.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghijklmnop"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "shops",
    "accounts",
    "orders",
    "amazon1p",
    "bulkbuy",
    "asn",
    "ops",
    "cockpit",
    "receiving",
    "invoicing",
    # The project itself, last: its demo command composes every app's demo (shopctrl/demo.py),
    # and its static files (shopctrl/static/) are found as an app's.
    "shopctrl",
]

MIDDLEWARE = [
    "ops.timing.ServerTimingMiddleware",  # first: the whole server time of the page
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "shopctrl.middleware.PrivacyHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ops.logs.LogContextMiddleware",
    # After OTPMiddleware (needs request.user.is_verified); before axes, which must be last.
    "accounts.middleware.MfaRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shopctrl.urls"
WSGI_APPLICATION = "shopctrl.wsgi.application"

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
                "shops.context_processors.shop_navigation",
            ],
        },
    },
]

# Inputs, selects, labels and empty error lists drawn in Python, the same markup as Django's
# templates at a fraction of the CPU (core/forms.py).
FORM_RENDERER = "core.forms.FastWidgets"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's web, worker and beat share one SQLite file: WAL lets readers work while the
    # worker writes, IMMEDIATE transactions and a timeout turn lock clashes into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Django's Redis backend, with one client per connection pool (shopctrl/cache.py).
    CACHES = {"default": {"BACKEND": "shopctrl.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read from Redis and written through to the database: a page costs no
    # session query, and a Redis flush signs nobody out. Only with a cache every process
    # shares: with per-process memory a session ended in one would live on in another.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

_PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if _PASSWORD_MIN_LENGTH < 12:
    raise ImproperlyConfigured("PASSWORD_MIN_LENGTH must be at least 12 (Amazon's DPP).")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Accounts (Amazon's Data Protection Policy: MFA, lockout, idle sessions, security log).
# Axes checks every password sign-in first; ModelBackend then authenticates.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Two-factor sign-in (TOTP + recovery codes) for every user, on by default in production; a
# shop can also require it of its members (Shop settings › Security).
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="ShopCtrl")
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try
OTP_STATIC_THROTTLE_FACTOR = 1
# Lockout: after LOGIN_FAILURE_LIMIT failed sign-ins for one user name, or from one IP address,
# sign-in is refused for LOGIN_COOLOFF_MINUTES (a failure during lockout restarts the wait).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Refused tries during a lockout do not restart it: the account opens once the cool-off passes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in our security log
AXES_VERBOSE = False
# Behind a reverse proxy set USE_X_FORWARDED_FOR: the client address is then the last one
# the proxy appended to X-Forwarded-For (anything before it is the client's own claim).
USE_X_FORWARDED_FOR = env.bool("USE_X_FORWARDED_FOR", default=False)
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (a request renews the
# expiry, at most once a minute: accounts.middleware.IdleSessionMiddleware), and when the
# browser closes if SESSION_EXPIRE_AT_BROWSER_CLOSE.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
# Security events (sign-ins, failures, lockouts, MFA and role changes) are kept at least 90 days.
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=365)
if SECURITY_LOG_RETENTION_DAYS < 90:
    raise ImproperlyConfigured("SECURITY_LOG_RETENTION_DAYS must be at least 90.")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and the demo serve static files straight from the finders, no collectstatic needed.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# --- Security: strict unless DEBUG (`manage.py check --deploy` passes on production settings).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' HSTS preload list binds the whole domain and is hard to undo: that
# is the operator's call (SECURE_HSTS_PRELOAD=true), so its deploy-check warning is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's SQLite cannot hold one unique constraint with nulls not distinct (receiving
    # history): the demo goes without it, PostgreSQL (tests, production) has it. Said here
    # rather than as a warning at every start of `bin/demo`.
    SILENCED_SYSTEM_CHECKS.append("models.W047")
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [
    r"^healthz$",
    r"^readyz$",
    r"^livez$",
    r"^metrics$",
]  # load balancers and container checks speak plain HTTP
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline
# <script>, no on…= handlers, no eval (htmx's allowEval is off too). Inline style
# attributes stay allowed: they cannot run code, and the templates use them for layout.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page of ours uses (shopctrl/middleware.py sends the header).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), "
    "browsing-topics=(), interest-cohort=()"
)

# --- Celery. Without a broker URL the demo uses kombu's file-system transport, which needs
# no server and still works across the web, worker and beat processes.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    # Any process may be the first to send a task (a bench, a shell): the folder must exist.
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # kombu keeps its exchange tables (celery.exchange, celery.pidbox.exchange, ...) in
        # `control_folder`, by default "control" relative to the working directory: that
        # put them in the repository. Everything a run writes belongs under var/.
        "control_folder": str(_broker_dir / "control"),
    }
elif CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport with the fix that keeps a worker alive when Redis restarts
    # (see shopctrl/broker.py).
    CELERY_BROKER_TRANSPORT = "shopctrl.broker:Transport"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is redelivered; tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TIMEZONE = "UTC"

# --- Encryption of stored secrets (LWA client secret, refresh token): Fernet keys, newest
# first. DEBUG (the demo) has a fixed development key; everything else must set its own.
_DEV_SECRETS_KEY = "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE="
SECRETS_ENCRYPTION_KEYS = env.list(
    "SECRETS_ENCRYPTION_KEYS", default=[_DEV_SECRETS_KEY] if DEBUG else []
)
if not SECRETS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("SECRETS_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off.")

# --- Amazon SP-API
# Share of Amazon's documented rate the submissions (POSTs) leave unused, against network
# jitter (0.05 = 5 %); reads go at the full rate, less the kept-back burst token
# (amazon1p/spapi/ratelimit.py, FULL_RATE_OPERATIONS).
SPAPI_RATE_HEADROOM = env.float("SPAPI_RATE_HEADROOM", default=0.05)
if not 0 <= SPAPI_RATE_HEADROOM < 0.9:
    raise ImproperlyConfigured("SPAPI_RATE_HEADROOM must be between 0 and 0.9.")
# While Redis (the shared rate limit) is unreachable, each process paces itself at
# 1/SPAPI_RATE_FALLBACK_PROCESSES of Amazon's rate: set it to the number of processes that
# may call Amazon at once (all workers' concurrency), so together they stay within the limit.
SPAPI_RATE_FALLBACK_PROCESSES = env.int("SPAPI_RATE_FALLBACK_PROCESSES", default=4)
if SPAPI_RATE_FALLBACK_PROCESSES < 1:
    raise ImproperlyConfigured("SPAPI_RATE_FALLBACK_PROCESSES must be at least 1.")
SPAPI_TIMEOUT_SECONDS = env.float("SPAPI_TIMEOUT_SECONDS", default=30.0)
SPAPI_MAX_ATTEMPTS = env.int("SPAPI_MAX_ATTEMPTS", default=6)
# Whether a connection may use a custom base URL (the Vendor Central simulator) instead of
# Amazon's own hosts. On in the demo and the tests; off in production, where a custom URL
# would let a settings form send the stored LWA secrets (or probe ports) anywhere.
SPAPI_ALLOW_CUSTOM_ENDPOINTS = env.bool("SPAPI_ALLOW_CUSTOM_ENDPOINTS", default=DEBUG)

# --- Pick results from the warehouse: CSV files dropped in <dir>/inbox, moved to done/ or
# failed/ with a report (amazon1p.picks).
PICK_INBOX_DIR = Path(env.str("PICK_INBOX_DIR", default=str(VAR_DIR / "picks")) or ".")
if not PICK_INBOX_DIR.is_absolute():
    raise ImproperlyConfigured("PICK_INBOX_DIR must be an absolute path.")
# Pack files for group shipments, likewise (asn.packfile).
PACK_INBOX_DIR = Path(env.str("PACK_INBOX_DIR", default=str(VAR_DIR / "packs")) or ".")
if not PACK_INBOX_DIR.is_absolute():
    raise ImproperlyConfigured("PACK_INBOX_DIR must be an absolute path.")

# --- Housekeeping
ALERT_READ_RETENTION_DAYS = env.int("ALERT_READ_RETENTION_DAYS", default=90)
ORDERS_PAGE_SIZE = env.int("ORDERS_PAGE_SIZE", default=50)

# --- Operations (ops/): /metrics, /readyz, logs
# /metrics answers a `Authorization: Bearer <METRICS_TOKEN>` or a caller from one of
# METRICS_ALLOWED_NETWORKS (CIDRs); with neither set it is a 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(n) for n in env.list("METRICS_ALLOWED_NETWORKS", default=[])
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc
# beat ticks every minute; /readyz fails when the last tick is older than this
BEAT_STALE_SECONDS = env.int("BEAT_STALE_SECONDS", default=180)
OPS_PING_TIMEOUT = env.float("OPS_PING_TIMEOUT", default=1.0)  # Operations page: worker ping
# json: one JSON object a line (production); text: plain lines (the demo)
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "()": "ops.logs.RedactingTextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
        "json": {"()": "ops.logs.RedactingJsonFormatter"},
    },
    # context first (shop, run, PO), then the secrets are masked
    "filters": {
        "context": {"()": "ops.logs.ContextFilter"},
        "redact": {"()": "ops.logs.RedactFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # python-amazon-sp-api logs request headers (the LWA access token) at DEBUG.
        "sp_api": {"level": "WARNING", "propagate": True},
        "httpx": {"level": "WARNING"},
        # django-axes logs every attempt at INFO; ours is the security log (shopctrl.security).
        "axes": {"level": "WARNING"},
    },
}

# E-mail (the cockpit's weekly summary). The console backend prints mails to the worker log,
# which is what the demo uses; production sets an SMTP backend and host.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shopctrl@localhost")
# How many days back the hourly cockpit roll-up recomputes (acknowledgements and ASNs of a
# PO arrive days after its date).
COCKPIT_ROLLUP_DAYS = env.int("COCKPIT_ROLLUP_DAYS", default=21)
# How often beat runs the receiving sync, in minutes (1-30, a divisor of 60). The demo sets 1,
# so a shipment the simulator received shows (with its shortage) within about two minutes.
RECEIVING_SYNC_MINUTES = env.int("RECEIVING_SYNC_MINUTES", default=5)
if RECEIVING_SYNC_MINUTES < 1 or RECEIVING_SYNC_MINUTES > 30 or 60 % RECEIVING_SYNC_MINUTES:
    raise ImproperlyConfigured(
        "RECEIVING_SYNC_MINUTES must divide 60 and be between 1 and 30 (1, 2, 3, 5, 10, ...)."
    )
