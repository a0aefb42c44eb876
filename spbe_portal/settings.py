"""The one settings module of the SPBE Evaluation Portal.

Everything that differs between a laptop, CI and production is read from the
environment (see .env.example). The defaults are safe for local development and
need nothing but Python: SQLite, eager Celery tasks, console email. Production
(DEBUG off) is refused when it is misconfigured.
"""

import json
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's .env (git-ignored) is read if present; real environment wins.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production below

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Official documents (receipts and reports): the letterhead and the signature block.
# The logo is a path under static/ (the PDF renderer reads nothing else); the place is
# where documents are issued; the official signs every document with name and NIP.
OFFICIAL_DOCUMENTS = {
    "ministry": env.str(
        "OFFICIAL_MINISTRY",
        default="Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi",
    ),
    "address": env.str(
        "OFFICIAL_ADDRESS", default="Jl. Jenderal Sudirman Kav. 69, Jakarta Selatan 12190"
    ),
    "logo": env.str("OFFICIAL_LOGO", default="img/logo-mark.svg"),
    "place": env.str("OFFICIAL_PLACE", default="Jakarta"),
    "official_title": env.str(
        "OFFICIAL_SIGNATORY_TITLE",
        default="Deputi Bidang Reformasi Birokrasi, Akuntabilitas Aparatur dan Pengawasan",
    ),
    "official_name": env.str("OFFICIAL_SIGNATORY_NAME", default=""),
    "official_nip": env.str("OFFICIAL_SIGNATORY_NIP", default=""),
    # Numbers read PREFIX-KIND-YEAR-SEQUENCE, e.g. SPBE-TT-2026-00042.
    "number_prefix": env.str("OFFICIAL_NUMBER_PREFIX", default="SPBE"),
}

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set a real SECRET_KEY (32+ characters) when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "institutions",
    "evaluations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Indonesian unless the user picked English (ignores the browser's Accept-Language).
    "spbe_portal.middleware.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # request.htmx, read by the session and two-factor middleware below.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits (after authentication and messages).
    "spbe_portal.sessions.SessionLimitsMiddleware",
    # A session that still owes its second factor reaches only the two-factor pages.
    "spbe_portal.two_factor.TwoFactorMiddleware",
    # Before the clickjacking middleware: its CSP frame-ancestors follows X-Frame-Options.
    "spbe_portal.security.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes documents: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spbe_portal.urls"
WSGI_APPLICATION = "spbe_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spbe_portal.sessions.session_limits",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite when DATABASE_URL is unset (a laptop with nothing but Python);
# PostgreSQL in CI, benchmarks and production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections with health checks: without them every request pays a
# PostgreSQL connection set-up, and throughput here drops 6-8 times.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The hottest statements are prepared on the PostgreSQL server once per connection
# (spbe_portal.prepared). Off behind a pooler that resets sessions between
# transactions (PgBouncer in transaction mode), where a prepared statement vanishes.
DATABASE_SERVER_PREPARED = env.bool("DATABASE_SERVER_PREPARED", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "institutions.User"

# --- Cache and sessions ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that does not answer fails fast instead of holding a request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database only: with Redis down every page still knows who is
# logged in (a cached_db session on a dead cache made every logged-in page a 500).
# Django's database store, read with one plain statement (spbe_portal/session_store.py).
SESSION_ENGINE = "spbe_portal.session_store"
SESSION_COOKIE_AGE = 60 * 60 * 12  # one working day
# Signed out after this many seconds without a page load or a save (a warning comes
# SESSION_IDLE_WARNING seconds before), and SESSION_ABSOLUTE_LIFETIME after signing in.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_IDLE_WARNING = 120
SESSION_ABSOLUTE_LIFETIME = SESSION_COOKIE_AGE
SESSION_COOKIE_HTTPONLY = True

# --- Authentication -------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: it locks out repeated failed logins per user and address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Behind TRUSTED_PROXY_COUNT proxies the client's address is read from X-Forwarded-For
# (spbe_portal/client_ip.py); 0 means the portal faces the clients directly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# A username is locked from one address only (the real user elsewhere still signs in);
# an address is stopped after LOGIN_FAILURES_PER_ADDRESS failures in 15 minutes
# (spbe_portal/auth_views.py).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock ends 15 minutes after the failure that set it, as the lockout page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "spbe_portal.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "spbe_portal.auth_views.axes_lockout"
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
# Password reset requests per hour: from one client address, and for one email address.
PASSWORD_RESETS_PER_CLIENT = 10
PASSWORD_RESETS_PER_EMAIL = 3

# Argon2id first; a PBKDF2 hash from before is checked once more and re-hashed with
# Argon2id at that sign-in (Django upgrades a hash made by any later hasher in the list).
PASSWORD_HASHERS = [
    "spbe_portal.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Two-factor sign-in: required for ministry admins, coordinators, assessors and the admin
# site; for institution staff only when this is on (they may always enrol).
TWO_FACTOR_FOR_INSTITUTIONS = env.bool("TWO_FACTOR_FOR_INSTITUTIONS", default=False)
OTP_TOTP_ISSUER = "Portal SPBE"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"  # WIB: every deadline is shown and entered in WIB
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and generated reports live outside any public URL: there is
# no MEDIA_URL route; every file goes out through a permission-checked view.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")


def _json_option(name: str) -> dict:
    raw = env(name, default="").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object.")
    return value


# Every file is read and written through Django's storage API, so the media can move to
# object storage by configuration: e.g. MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage
# with MEDIA_STORAGE_OPTIONS={"bucket_name": "...", "endpoint_url": "..."} (README).
STORAGES = {
    "default": {
        "BACKEND": env(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        )
        or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": _json_option("MEDIA_STORAGE_OPTIONS"),
    },
    "staticfiles": {
        # WhiteNoise's compressed, hashed files; each URL worked out once per process.
        "BACKEND": "spbe_portal.static_storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Evidence uploads: the limit is a setting, checked on the server.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ----------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Portal Evaluasi SPBE <noreply@spbe.local>"
)

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker (a laptop with nothing but Python) tasks run eagerly in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # report state lives in the database
CELERY_TASK_ACKS_LATE = True  # safe: every task claims its row before working
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that publishes a task (after its commit) tries a dead broker once, briefly,
# then leaves the task to the dispatcher (evaluations.dispatch) instead of holding the
# user for kombu's default reconnect loop.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Two queues, each with its own workers: what a user waits for (receipts, emails,
# reminders, one document, the dispatcher and reclaim jobs) never waits behind the bulk
# rendering of a whole period or an export.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_INTERACTIVE_QUEUE", default="interactive")
BULK_QUEUE = env.str("CELERY_BULK_QUEUE", default="bulk")
CELERY_TASK_ROUTES = {
    "evaluations.build_archive": {"queue": BULK_QUEUE},
    "evaluations.build_export": {"queue": BULK_QUEUE},
    "evaluations.sweep_orphan_files": {"queue": BULK_QUEUE},
}
WORKER_QUEUES = (CELERY_TASK_DEFAULT_QUEUE, BULK_QUEUE)

# --- Forms ----------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page may be framed; the evidence viewer alone allows the portal's own pages
# (xframe_options_sameorigin), and the CSP in spbe_portal/security.py follows suit.
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), fullscreen=(self)"
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
# The portal's own subdomains (if any) are HTTPS too; preloading is the registrable
# domain owner's decision (README, "Deployment checks").
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Django's admin site under a path of the operator's choosing, not the /admin/ that
# every scanner tries first (relative, ending in "/").
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

# --- Benchmark ------------------------------------------------------------------
# Mounts /bench/ceiling (one SELECT FOR UPDATE + UPDATE), the throughput ceiling
# that `make bench` measures the save endpoint against. Never on in production.
BENCHMARK_ENDPOINTS = env.bool("BENCHMARK_ENDPOINTS", default=False)

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step (and its stylesheet parsing at import) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
