"""Settings: every value that differs between a laptop trial and production comes from the
environment, with a safe embedded default (SQLite in WAL mode, a generated secret key)."""

import ipaddress
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("OMNI_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int, *, low: int, high: int) -> int:
    """A whole number from low to high, or the process refuses to start: a typo in a limit
    must not silently become another limit."""
    raw = os.environ.get(name, str(default)).strip()
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        raise ImproperlyConfigured(
            f"{name} must be a whole number from {low} to {high}, not {raw!r}"
        )
    return int(raw)


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (case and spaces ignored), or the process refuses to start, naming
    them: a typo must not silently become the default."""
    raw = os.environ.get(name, default).strip().lower()
    if raw not in choices:
        allowed = f"{', '.join(choices[:-1])} or {choices[-1]}"
        raise ImproperlyConfigured(f"{name} must be {allowed}, not {raw!r}")
    return raw


def _generated_secret(env_name: str, file_name: str, length: int = 50) -> str:
    """Never a hard-coded secret: the environment's, else one generated into the data
    directory on first run and kept there."""
    if value := os.environ.get(env_name):
        return value
    path = DATA_DIR / file_name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(length))
        path.chmod(0o600)
    return path.read_text().strip()


def _generated_key_pair(name: str) -> dict[str, Path]:
    """An RSA-2048 key pair for a local sandbox, generated into the data directory on first
    run and kept there (like the secrets): `{name}_private` and `{name}_public` PEM paths."""
    private, public = DATA_DIR / f"{name}_private.pem", DATA_DIR / f"{name}_public.pem"
    if not (private.exists() and public.exists()):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return {f"{name}_private": private, f"{name}_public": public}


def _redis_url() -> str:
    """REDIS_URL (redis://, rediss:// or unix://), or "" for none; a malformed one stops
    start-up, naming the variable but never echoing it (it may hold a password)."""
    raw = os.environ.get("REDIS_URL", "").strip()
    if not raw:
        return ""
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
        db = parts.path.strip("/")
        well_formed = (
            parts.scheme in {"redis", "rediss"}
            and bool(parts.hostname)
            and (db == "" or (db.isascii() and db.isdigit()))
        ) or (parts.scheme == "unix" and bool(parts.path))
    except ValueError:
        well_formed = False
    if not well_formed:
        raise ImproperlyConfigured(
            "REDIS_URL is not a Redis URL: write redis://[:password@]host:6379/0 "
            "(rediss:// for TLS, unix:///path/redis.sock)"
        )
    return raw


def _database(url: str, **options) -> dict:
    """DATABASE_URL, PostgreSQL or SQLite: anything else (a typo in the scheme, a port that is
    not a number, no database name) stops start-up with one line."""
    try:
        database = dj_database_url.parse(url, **options)
    except ValueError:
        database = {}
    engine = database.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"} or not (
        database.get("NAME")
    ):
        raise ImproperlyConfigured(
            "DATABASE_URL is not a PostgreSQL or SQLite URL: write "
            "postgres://user:password@host:5432/omniretail (or sqlite:////absolute/path.sqlite3)"
        )
    return database


def _replica(default: dict) -> dict | None:
    """DATABASE_REPLICA_URL: a read replica of a PostgreSQL DATABASE_URL that the dashboards
    read the roll-ups from (docs/analytics.md "Read replica"), with the default's options (the
    pool); tests read the test database through it. Anything else stops start-up."""
    raw = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not raw:
        return None
    try:
        replica = _database(raw, conn_max_age=0)
    except ImproperlyConfigured:
        replica = {}
    postgresql = "django.db.backends.postgresql"
    if replica.get("ENGINE") != postgresql or default["ENGINE"] != postgresql:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is not a PostgreSQL URL beside a PostgreSQL DATABASE_URL: "
            "write postgres://user:password@replica-host:5432/omniretail"
        )
    options = {**default.get("OPTIONS", {}), **replica.get("OPTIONS", {})}
    return {**replica, "OPTIONS": options, "TEST": {"MIRROR": "default"}}


def _object_storage() -> dict:
    """STORAGES["default"]: the local disk, or with OMNI_S3_BUCKET an S3-compatible bucket
    (Aliyun OSS, Tencent COS, MinIO, AWS). An incomplete or malformed setting stops start-up
    with one line naming the variable; keys are never echoed."""
    env = {
        name: os.environ.get(f"OMNI_S3_{name}", "").strip()
        for name in (
            "BUCKET",
            "ENDPOINT_URL",
            "ACCESS_KEY_ID",
            "SECRET_ACCESS_KEY",
            "REGION",
            "CUSTOM_DOMAIN",
            "ADDRESSING_STYLE",
        )
    }
    if not any(env.values()):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    from botocore.config import Config

    for name in ("BUCKET", "ENDPOINT_URL", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"):
        if not env[name]:
            raise ImproperlyConfigured(
                f"OMNI_S3_{name} is not set: object storage needs OMNI_S3_BUCKET, "
                "OMNI_S3_ENDPOINT_URL, OMNI_S3_ACCESS_KEY_ID and OMNI_S3_SECRET_ACCESS_KEY "
                "(or none of them, for photos on the local disk)"
            )
    endpoint = urlsplit(env["ENDPOINT_URL"])
    if endpoint.scheme not in {"http", "https"} or not endpoint.hostname:
        raise ImproperlyConfigured(
            "OMNI_S3_ENDPOINT_URL must be the service's URL, e.g. "
            "https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000"
        )
    # The bucket as a sub-domain (what OSS and COS require), except on an address or
    # localhost, which have no sub-domains (a MinIO on a host name usually wants "path").
    style = env["ADDRESSING_STYLE"] or ("path" if _is_address(endpoint.hostname) else "virtual")
    if style not in {"virtual", "path"}:
        raise ImproperlyConfigured("OMNI_S3_ADDRESSING_STYLE must be virtual or path")
    domain = env["CUSTOM_DOMAIN"]
    if "://" in domain:
        raise ImproperlyConfigured(
            "OMNI_S3_CUSTOM_DOMAIN is a host name such as img.example.cn, without https://"
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["BUCKET"],
            "endpoint_url": env["ENDPOINT_URL"],
            "access_key": env["ACCESS_KEY_ID"],
            "secret_key": env["SECRET_ACCESS_KEY"],
            "region_name": env["REGION"] or "us-east-1",
            # Checksums only when an operation requires one: boto3's default streamed
            # checksums (aws-chunked uploads) are refused by Aliyun OSS and Tencent COS.
            "client_config": Config(
                s3={"addressing_style": style},
                signature_version="s3v4",
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
            "custom_domain": domain or None,
            # A private bucket: links are signed (an hour) unless a public custom domain
            # serves them; a stored name is never reused, so browsers may keep a photo.
            "default_acl": None,
            "querystring_auth": not domain,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def _photo_origins(storage: dict) -> list[str]:
    """Where pages load photos from when they are not on this site: the custom domain, else
    the bucket as a sub-domain of the endpoint (virtual hosting) and the endpoint itself."""
    options = storage.get("OPTIONS", {})
    if options.get("custom_domain"):
        return [f"https://{options['custom_domain']}"]
    if not options.get("endpoint_url"):
        return []
    endpoint = urlsplit(options["endpoint_url"])
    return [
        f"{endpoint.scheme}://{options['bucket_name']}.{endpoint.netloc}",
        f"{endpoint.scheme}://{endpoint.netloc}",
    ]


DEBUG = _env_bool("DEBUG", False)
# A key generated into the data directory serves one machine only: DEBUG, the embedded demo
# (`omniretail demo` sets OMNI_EMBEDDED=1) and the test suite. Anywhere else every host must
# share one SECRET_KEY, so a missing one stops the start. SECRET_KEY_FALLBACKS (comma-
# separated) keep a former key's sessions and pre-key-ring codes and links valid.
if not os.environ.get("SECRET_KEY") and not (
    DEBUG or _env_bool("OMNI_EMBEDDED", False) or "pytest" in sys.modules
):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: give every host the same secret (DEBUG=1 or OMNI_EMBEDDED=1 "
        "generate one into the data directory, for a trial on one machine)"
    )
SECRET_KEY = _generated_secret("SECRET_KEY", "secret_key")
SECRET_KEY_FALLBACKS = [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k]
# The embedded demo (`omniretail demo`): its sign-in page lists the demo city's accounts
OMNI_EMBEDDED = _env_bool("OMNI_EMBEDDED", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000").split(",") if o
]

INSTALLED_APPS = [
    "omniretail.core.admin_site.AdminConfig",  # django.contrib.admin, lists joined narrowly
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # /api/docs from our static files (Swagger UI), not a CDN
    "omniretail.core",
    "omniretail.accounts",
    "omniretail.notifications",
    "omniretail.ledger",
    "omniretail.payments",
    "omniretail.catalog",
    "omniretail.stores",
    "omniretail.addresses",
    "omniretail.inventory",
    "omniretail.orders",
    "omniretail.terminals",
    "omniretail.loyalty",
    "omniretail.earning",
    "omniretail.reviews",
    "omniretail.till",
    "omniretail.codes",
    "omniretail.pointsmall",
    "omniretail.referrals",
    "omniretail.groupbuy",
    "omniretail.counters",
    "omniretail.supply",
    "omniretail.service",
    "omniretail.community",
    "omniretail.privacy",
    "omniretail.merchandising",
    "omniretail.shopping",
    "omniretail.analytics",
    "omniretail.web",
    "omniretail.sandbox_wechatpay",
    "omniretail.sandbox_alipay",
]

MIDDLEWARE = [
    "omniretail.core.observability.ObservabilityMiddleware",  # probes, ids, timing
    # anonymous catalog pages a proxy may share, kept by this process too (core.page_cache)
    "omniretail.core.page_cache.PageCacheMiddleware",
    # HTML and JSON compressed for clients that accept it (static files come pre-compressed
    # from WhiteNoise); Django's GZip pads its output against BREACH, and CSRF tokens are
    # masked per response.
    "django.middleware.gzip.GZipMiddleware",
    # anonymous catalog pages shared by a proxy: no CSRF cookie, no Vary: Cookie, an ETag
    "omniretail.web.public.PublicPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "omniretail.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "omniretail.core.middleware.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "omniretail.urls"
WSGI_APPLICATION = "omniretail.wsgi.application"
ASGI_APPLICATION = "omniretail.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "omniretail.web.public.public_page_context",
                "omniretail.web.console.console_context",
            ],
        },
    },
]

SQLITE_BUSY_TIMEOUT_S = 20
if os.environ.get("DATABASE_URL"):
    # No connection is kept by a request (under ASGI each request runs in its own thread, so
    # a kept one was a new session per request): PostgreSQL connections come from a pool per
    # process instead, OMNI_DB_POOL_MIN to OMNI_DB_POOL_MAX of them (OMNI_DB_POOL=0: none).
    DATABASES = {"default": _database(os.environ["DATABASE_URL"], conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool(
        "OMNI_DB_POOL", True
    ):
        _pool_max = _env_int("OMNI_DB_POOL_MAX", 10, low=1, high=1000)
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": _env_int("OMNI_DB_POOL_MIN", 2, low=0, high=_pool_max),
            "max_size": _pool_max,
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool(
        "OMNI_DB_PREPARED", True
    ):
        # Values bound on the server, and a statement a connection has sent 5 times prepared
        # there (psycopg's threshold): PostgreSQL parses and plans each hot statement once per
        # connection, and the client no longer quotes values into the SQL (bench/checkout.py).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("OMNI_SQLITE_PATH", str(DATA_DIR / "omniretail.sqlite3")),
            # Two writers wait for each other instead of failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_TIMEOUT_S,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000};"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
            # Tests run on a WAL file too, as production does: an in-memory database cannot
            # be shared by the live server's threads.
            "TEST": {
                "NAME": os.environ.get(
                    "OMNI_SQLITE_TEST_PATH",
                    os.path.join(tempfile.gettempdir(), f"omni-test-{os.getpid()}.sqlite3"),
                )
            },
        }
    }

if _replica_settings := _replica(DATABASES["default"]):
    DATABASES["replica"] = _replica_settings

# A stand-in payment company keeps its own books. On SQLite, where a writer locks the whole
# file, the Alipay sandbox has a file of its own: the shop's transaction that calls it over
# HTTP (a refund, a payment code) would otherwise wait for itself (sandbox_alipay.routers).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["sandbox_alipay"] = {
        **DATABASES["default"],
        "NAME": f"{DATABASES['default']['NAME']}-sandbox-alipay",
        "TEST": {
            "NAME": os.path.join(tempfile.gettempdir(), f"omni-test-{os.getpid()}-alipay.sqlite3")
        },
    }
DATABASE_ROUTERS = ["omniretail.sandbox_alipay.routers.OwnDatabase"]

# Shared state (docs/operations.md "Redis"): with REDIS_URL the cache (one-use kiosk pairing
# links) and the rate-limit counters (core.throttle) live in Redis; without it both live in
# the database, which every process shares as well (`omniretail migrate` creates the cache
# table). Keys start with OMNI_REDIS_PREFIX, so one Redis may serve several installations.
REDIS_URL = _redis_url()
OMNI_REDIS_PREFIX = os.environ.get("OMNI_REDIS_PREFIX", "omni").strip() or "omni"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": OMNI_REDIS_PREFIX,
        }
    }
else:
    # Culling forgets live entries too: a high ceiling keeps a one-use mark until it expires.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "omni_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Anonymous catalog pages kept by each process (core.page_cache, docs/operations.md "Page
# cache") for up to OMNI_PAGE_CACHE_SECONDS (0: off; off in the test suite unless a test turns
# it on), never longer than the max-age they declare. In this process's memory: a hit costs
# no round trip (Redis's or the database's would be most of a hit's time).
OMNI_PAGE_CACHE_SECONDS = _env_int(
    "OMNI_PAGE_CACHE_SECONDS", 0 if "pytest" in sys.modules else 10, low=0, high=86400
)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "omniretail-pages",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

# Chat rooms (community): a channel layer in this process's memory, or with REDIS_URL one in
# Redis that every web process shares, so a message sent through one reaches sockets on all.
# The layer waits with 5 s blocking pops: redis-py's default 5 s read timeout would cut each
# one short and drop every socket quiet for 5 s, so reads may take 30 s.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # a room emptied at once discards every socket's channel in parallel: redis-py's
            # default pool of 100 refused the rest (MaxConnectionsError)
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 2000}],
            "prefix": f"{OMNI_REDIS_PREFIX}:chat",
        },
    }
    if REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# UserBackend signs members in and loads them; Django's own stays behind it only for sessions
# signed in before it (omniretail.accounts.backends.LEGACY)
AUTHENTICATION_BACKENDS = [
    "omniretail.accounts.backends.UserBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "omniretail" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("OMNI_STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("OMNI_MEDIA_ROOT", DATA_DIR / "media"))
# Photos users upload (core.uploads): bytes per file and pixels per image, before re-encoding.
OMNI_UPLOAD_MAX_BYTES = int(os.environ.get("OMNI_UPLOAD_MAX_BYTES", str(8 * 1024 * 1024)))
OMNI_UPLOAD_MAX_PIXELS = int(os.environ.get("OMNI_UPLOAD_MAX_PIXELS", "40000000"))
STORAGES = {
    "default": _object_storage(),  # docs/operations.md "Object storage"
    # Hashed names (cached for good), gzip and brotli copies: `omniretail collectstatic`.
    "staticfiles": {"BACKEND": "omniretail.web.staticfiles.CompressedManifestStorage"},
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "omniretail.web.staticfiles.PlotlyFinder",
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Background work (docs/operations.md "Tasks and schedule"): the database queue by default,
# RQ on Redis when REDIS_URL is set (OMNI_TASK_BACKEND overrides); tests run tasks
# immediately. `omniretail worker` runs the backend's worker and the periodic jobs' scheduler.
OMNI_TASK_BACKEND = os.environ.get("OMNI_TASK_BACKEND", "").strip() or (
    "django_tasks_rq.RQBackend" if REDIS_URL else "django_tasks_db.DatabaseBackend"
)
TASKS = {"default": {"BACKEND": OMNI_TASK_BACKEND}}
if OMNI_TASK_BACKEND == "django_tasks_rq.RQBackend":
    if not REDIS_URL:
        raise ImproperlyConfigured("OMNI_TASK_BACKEND=django_tasks_rq.RQBackend needs REDIS_URL")
    INSTALLED_APPS += ["django_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
# Periodic runs (core.JobRun), sent-SMS keys and finished database tasks are kept this long.
OMNI_RUN_RECORDS_DAYS = _env_int("OMNI_RUN_RECORDS_DAYS", 7, low=1, high=3650)
# Who delivers an outbox event after its commit (docs/operations.md "Outbox"): `task`, one
# task per event on the queue above, so a request never runs the handlers; `inline`, the
# committing process itself (tests); `sweep`, only the worker's sweep. The sweep also takes
# whatever a crash or a lost task left behind.
if "OMNI_EVENTS_INLINE" in os.environ:
    raise ImproperlyConfigured(
        "OMNI_EVENTS_INLINE is replaced by OMNI_EVENTS_DELIVERY=task, inline or sweep"
    )
OMNI_EVENTS_DELIVERY = _env_choice("OMNI_EVENTS_DELIVERY", "task", ("task", "inline", "sweep"))
# An event is left to its publisher's delivery (task or inline) this long before the sweep
# may take it.
OMNI_OUTBOX_DELIVERY_WINDOW_S = _env_int("OMNI_OUTBOX_DELIVERY_WINDOW_S", 30, low=1, high=3600)
# A failing event is retried after 10 s, 20 s, 40 s ... (at most the cap) and is dead,
# retryable from the admin, after this many attempts.
OMNI_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OMNI_OUTBOX_MAX_ATTEMPTS", "10"))
OMNI_OUTBOX_RETRY_BASE_S = float(os.environ.get("OMNI_OUTBOX_RETRY_BASE_S", "10"))
OMNI_OUTBOX_RETRY_CAP_S = float(os.environ.get("OMNI_OUTBOX_RETRY_CAP_S", "3600"))

# Notifications
OMNI_SMS_BACKEND = os.environ.get("OMNI_SMS_BACKEND", "omniretail.core.sms.ConsoleSmsBackend")
OMNI_SMS_FILE = Path(os.environ.get("OMNI_SMS_FILE", DATA_DIR / "sms.jsonl"))

# One-time login codes
OMNI_OTP_TTL_SECONDS = int(os.environ.get("OMNI_OTP_TTL_SECONDS", "300"))
OMNI_OTP_MAX_ATTEMPTS = int(os.environ.get("OMNI_OTP_MAX_ATTEMPTS", "5"))
OMNI_OTP_RESEND_SECONDS = int(os.environ.get("OMNI_OTP_RESEND_SECONDS", "60"))
OMNI_OTP_MAX_PER_HOUR = int(os.environ.get("OMNI_OTP_MAX_PER_HOUR", "5"))


def _rate(name: str, default: str) -> str:
    """A limit written 'count/seconds' (10/3600: ten an hour); a malformed one stops start-up."""
    value = os.environ.get(name, default).strip()
    count, _slash, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name} must be count/seconds, e.g. 10/3600 (got {value!r})")
    return value


# Rate limits (docs/auth.md), counted in the database by core.throttle, so every process
# shares them. Password login: this many failures lock the account for OMNI_LOGIN_LOCKOUT_S,
# doubling with each further lockout within a day.
OMNI_LOGIN_FAILURES_BEFORE_LOCKOUT = _env_int(
    "OMNI_LOGIN_FAILURES_BEFORE_LOCKOUT", 5, low=1, high=100
)
OMNI_LOGIN_LOCKOUT_S = _env_int("OMNI_LOGIN_LOCKOUT_S", 900, low=1, high=86_400)
OMNI_LOGIN_RATE_PER_IP = _rate("OMNI_LOGIN_RATE_PER_IP", "30/900")
OMNI_OTP_RATE_PER_IP = _rate("OMNI_OTP_RATE_PER_IP", "10/3600")
OMNI_OTP_RATE_GLOBAL = _rate("OMNI_OTP_RATE_GLOBAL", "1000/3600")
OMNI_COUNTER_CODE_RATE_PER_COUNTER = _rate("OMNI_COUNTER_CODE_RATE_PER_COUNTER", "5/600")
OMNI_COUNTER_CODE_RATE_PER_IP = _rate("OMNI_COUNTER_CODE_RATE_PER_IP", "20/600")
OMNI_PICKUP_RATE_PER_STAFF = _rate("OMNI_PICKUP_RATE_PER_STAFF", "10/600")
OMNI_PICKUP_RATE_PER_STORE = _rate("OMNI_PICKUP_RATE_PER_STORE", "30/600")
# Group chat: messages one member may send to one group (community.chat).
OMNI_COMMUNITY_POST_RATE = _rate("OMNI_COMMUNITY_POST_RATE", "30/60")
# Reverse proxies in front of the web processes: the client address is the X-Forwarded-For
# entry the outermost of them appended (0: REMOTE_ADDR, no proxy).
OMNI_TRUSTED_PROXIES = _env_int("OMNI_TRUSTED_PROXIES", 0, low=0, high=10)

# The city the demo is set in and the nearby page falls back to (Hangzhou, West Lake).
OMNI_CITY_NAME = os.environ.get("OMNI_CITY_NAME", "杭州")
OMNI_CITY_CENTER = (30.2741, 120.1551)

# Everything goes to stderr. Django's own console handler speaks only under DEBUG, so with
# DEBUG off a 500 would leave no trace: django.request (unhandled exceptions, with their
# traceback) and django.security (refused hosts, bad signatures) get a handler that speaks
# only then. Every line carries the request id (core.logs); OMNI_LOG_FORMAT=json writes one
# JSON object per line for a log collector, `text` (the default) is for people.
OMNI_LOG_FORMAT = _env_choice("OMNI_LOG_FORMAT", "text", ("text", "json"))
_LOG_FORMATTER = "plain" if OMNI_LOG_FORMAT == "text" else "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "debug_off": {"()": "django.utils.log.RequireDebugFalse"},
        "request_id": {"()": "omniretail.core.logs.RequestIdFilter"},
    },
    "formatters": {
        "plain": {
            "class": "omniretail.core.logs.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"class": "omniretail.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _LOG_FORMATTER,
            "filters": ["request_id"],
        },
        "errors": {
            "class": "logging.StreamHandler",
            "formatter": _LOG_FORMATTER,
            "level": "ERROR",
            "filters": ["debug_off", "request_id"],
        },
    },
    "loggers": {
        "omniretail": {"handlers": ["console"], "level": os.environ.get("OMNI_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["errors"], "level": "ERROR"},
        "django.security": {"handlers": ["errors"], "level": "ERROR"},
        "jieba": {"level": "WARNING"},
    },
}


def _networks(name: str, default: str) -> list:
    raw = os.environ.get(name, default)
    try:
        return [ipaddress.ip_network(n.strip(), strict=False) for n in raw.split(",") if n.strip()]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be comma-separated addresses or networks (10.0.0.0/8), not {raw!r}"
        ) from None


# /metrics (docs/operations.md "Observability") answers a client in these networks, or any
# client sending `Authorization: Bearer <OMNI_METRICS_TOKEN>`; anyone else gets a 403.
OMNI_METRICS_ALLOWED_IPS = _networks("OMNI_METRICS_ALLOWED_IPS", "127.0.0.1,::1")
OMNI_METRICS_TOKEN = os.environ.get("OMNI_METRICS_TOKEN", "")

# Payments
# Where gateways send callbacks and shoppers come back to (tests point it at the live server).
OMNI_PUBLIC_BASE_URL = os.environ.get("OMNI_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# HTTPS: on by default when DEBUG is off and the public base URL is https (a production
# site); each can be set on its own. Behind a reverse proxy that terminates TLS, set
# OMNI_PROXY_SSL_HEADER=1 so a request it forwarded as X-Forwarded-Proto: https counts as
# secure (only if the proxy always sets that header).
_HTTPS_SITE = not DEBUG and OMNI_PUBLIC_BASE_URL.startswith("https://")
SECURE_SSL_REDIRECT = _env_bool("OMNI_SSL_REDIRECT", _HTTPS_SITE)
SECURE_HSTS_SECONDS = int(os.environ.get("OMNI_HSTS_SECONDS", "31536000" if _HTTPS_SITE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("OMNI_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("OMNI_HSTS_PRELOAD", False)
# Database sessions whose read on every signed-in request is one raw statement (core.sessions)
SESSION_ENGINE = "omniretail.core.sessions"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("OMNI_SECURE_COOKIES", _HTTPS_SITE)
if _env_bool("OMNI_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Seconds a proxy may keep an anonymous catalog page (web.public); 0 marks them public with
# an ETag but asks for revalidation each time.
OMNI_PUBLIC_PAGE_MAX_AGE = _env_int("OMNI_PUBLIC_PAGE_MAX_AGE", 60, low=0, high=86400)
# The Content-Security-Policy of every response (core.middleware): scripts only from this
# site or marked with the request's nonce, no plugins, no framing; styles may be inline.
# Photos in object storage (another host) are added to img-src.
_IMG_SRC = " ".join(["'self' data: blob:", *_photo_origins(STORAGES["default"])])
OMNI_CSP = os.environ.get(
    "OMNI_CSP",
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    f"img-src {_IMG_SRC}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'",
)


# The sandbox gateway (/sandbox-gateway/) plays a payment company that pays anything: on for
# a trial on this machine, the demo and the tests, off unless asked for once the shop is
# served over https (production).
OMNI_SANDBOX_GATEWAY = _env_bool(
    "OMNI_SANDBOX_GATEWAY", not OMNI_PUBLIC_BASE_URL.startswith("https://")
)
# WeChat Pay (API v3; payment codes on v2), docs/payments-wechatpay.md. Real credentials come
# from the environment; without them, where the WeChat Pay sandbox (/sandbox-wechatpay/, on
# like the sandbox gateway) is switched on, the adapter talks to it with credentials
# generated into the data directory.
OMNI_SANDBOX_WECHATPAY = _env_bool(
    "OMNI_SANDBOX_WECHATPAY", not OMNI_PUBLIC_BASE_URL.startswith("https://")
)
OMNI_WECHATPAY_MCHID = os.environ.get("OMNI_WECHATPAY_MCHID", "").strip()
OMNI_WECHATPAY_APPID = os.environ.get("OMNI_WECHATPAY_APPID", "").strip()
OMNI_WECHATPAY_API_V3_KEY = os.environ.get("OMNI_WECHATPAY_API_V3_KEY", "")
OMNI_WECHATPAY_API_V2_KEY = os.environ.get("OMNI_WECHATPAY_API_V2_KEY", "")
OMNI_WECHATPAY_PRIVATE_KEY_PATH = os.environ.get("OMNI_WECHATPAY_PRIVATE_KEY_PATH", "")
OMNI_WECHATPAY_CERT_SERIAL = os.environ.get("OMNI_WECHATPAY_CERT_SERIAL", "").strip()
OMNI_WECHATPAY_CLIENT_CERT_PATH = os.environ.get("OMNI_WECHATPAY_CLIENT_CERT_PATH", "")
OMNI_WECHATPAY_PLATFORM_CERTS = [
    p.strip() for p in os.environ.get("OMNI_WECHATPAY_PLATFORM_CERTS", "").split(",") if p.strip()
]
OMNI_WECHATPAY_BASE_URL = os.environ.get("OMNI_WECHATPAY_BASE_URL", "").rstrip("/")
OMNI_WECHATPAY_LIMIT = _env_int("OMNI_WECHATPAY_LIMIT", 50000, low=1, high=100_000_000)
OMNI_WECHATPAY_CODE_TIMEOUT_S = _env_int("OMNI_WECHATPAY_CODE_TIMEOUT_S", 60, low=10, high=600)
OMNI_WECHATPAY_SANDBOXED = OMNI_SANDBOX_WECHATPAY and not OMNI_WECHATPAY_MCHID
if OMNI_WECHATPAY_SANDBOXED:
    from omniretail.sandbox_wechatpay import credentials as _wx

    _wx_sandbox = _wx.ensure(DATA_DIR / "wechatpay-sandbox")
    OMNI_WECHATPAY_MCHID, OMNI_WECHATPAY_APPID = _wx_sandbox["mchid"], _wx_sandbox["appid"]
    OMNI_WECHATPAY_API_V3_KEY = _wx_sandbox["api_v3_key"]
    OMNI_WECHATPAY_API_V2_KEY = _wx_sandbox["api_v2_key"]
    OMNI_WECHATPAY_PRIVATE_KEY_PATH = _wx_sandbox["private_key"]
    OMNI_WECHATPAY_CERT_SERIAL = _wx_sandbox["merchant_serial"]
    OMNI_WECHATPAY_PLATFORM_CERTS = [_wx_sandbox["platform_certificate"]]
    OMNI_SANDBOX_WECHATPAY_PLATFORM_KEY_PATH = _wx_sandbox["platform_key"]
    OMNI_SANDBOX_WECHATPAY_PLATFORM_SERIAL = _wx_sandbox["platform_serial"]
# The WeChat Pay sandbox keeps its books in a SQLite file of its own beside the shop's (a
# refund or a payment code is asked for over HTTP inside the shop's transaction, which on
# SQLite locks the whole file); on PostgreSQL in the shop's database (sandbox_wechatpay.routers).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["sandbox_wechatpay"] = {
        **DATABASES["default"],
        "NAME": f"{DATABASES['default']['NAME']}-sandbox-wechatpay",
        "TEST": {
            "NAME": os.path.join(
                tempfile.gettempdir(), f"omni-test-{os.getpid()}-wechatpay.sqlite3"
            )
        },
    }
DATABASE_ROUTERS = [
    *globals().get("DATABASE_ROUTERS", []),
    "omniretail.sandbox_wechatpay.routers.OwnDatabase",
]
# The sandbox asks for the payer's password (USERPAYING) on payment codes with this prefix.
OMNI_SANDBOX_WECHATPAY_PASSWORD_PREFIX = os.environ.get(
    "OMNI_SANDBOX_WECHATPAY_PASSWORD_PREFIX", "134"
)
# Alipay (open platform, RSA2; docs/payments-alipay.md). Configured by OMNI_ALIPAY_APP_ID and
# two PEM files: the app's private key and Alipay's public key. Unconfigured, the local
# sandbox (/sandbox-alipay/, OMNI_SANDBOX_ALIPAY) stands in: on for a trial on this machine,
# the demo and the tests, off unless asked for once the shop is served over https.
OMNI_ALIPAY_APP_ID = os.environ.get("OMNI_ALIPAY_APP_ID", "").strip()
OMNI_ALIPAY_PRIVATE_KEY_PATH = os.environ.get("OMNI_ALIPAY_PRIVATE_KEY_PATH", "")
OMNI_ALIPAY_PUBLIC_KEY_PATH = os.environ.get("OMNI_ALIPAY_PUBLIC_KEY_PATH", "")
OMNI_ALIPAY_SELLER_ID = os.environ.get("OMNI_ALIPAY_SELLER_ID", "").strip()
# Empty: https://openapi.alipay.com/gateway.do, or the local sandbox while it stands in.
OMNI_ALIPAY_GATEWAY = os.environ.get("OMNI_ALIPAY_GATEWAY", "").strip()
# The most one Alipay payment may be (yuan): Alipay's own ceiling unless the contract's is lower.
OMNI_ALIPAY_LIMIT = os.environ.get("OMNI_ALIPAY_LIMIT", "100000000")
# A payment code still awaiting the payer's confirmation this long is cancelled at Alipay.
OMNI_ALIPAY_CODE_WAIT_S = _env_int("OMNI_ALIPAY_CODE_WAIT_S", 60, low=10, high=600)
OMNI_SANDBOX_ALIPAY = _env_bool(
    "OMNI_SANDBOX_ALIPAY", not OMNI_PUBLIC_BASE_URL.startswith("https://")
)
# The sandbox's identities and its key pairs (the app's, Alipay's), generated into the data
# directory on first use like the secrets above; payment codes starting with the prefix wait
# for the payer to confirm on the sandbox's phone page (WAIT_BUYER_PAY).
OMNI_SANDBOX_ALIPAY_APP_ID = "2021000000000001"
OMNI_SANDBOX_ALIPAY_SELLER_ID = "2088000000000001"
OMNI_SANDBOX_ALIPAY_KEYS = (
    _generated_key_pair("sandbox_alipay_app") | _generated_key_pair("sandbox_alipay")
    if OMNI_SANDBOX_ALIPAY
    else {}
)
OMNI_SANDBOX_ALIPAY_CONFIRM_PREFIX = os.environ.get("OMNI_SANDBOX_ALIPAY_CONFIRM_PREFIX", "2899")
# Who takes payments here, in the order pages offer them: built-in names (balance, credit,
# cash, sandbox_gateway) or the dotted path of a PaymentProvider subclass (docs/payments.md).
OMNI_PAYMENT_PROVIDERS = [
    p.strip()
    for p in os.environ.get(
        "OMNI_PAYMENT_PROVIDERS",
        ",".join(
            [
                "sandbox_gateway",
                *(["wechatpay"] if OMNI_WECHATPAY_MCHID else []),
                *(["alipay"] if OMNI_SANDBOX_ALIPAY else []),
                "balance",
                "credit",
                "cash",
                "card_terminal",
            ]
        ),
    ).split(",")
    if p.strip()
]
OMNI_SANDBOX_GATEWAY_SECRET = _generated_secret(
    "OMNI_SANDBOX_GATEWAY_SECRET", "sandbox_gateway_secret", length=32
)
# Make the sandbox gateway misbehave like real ones: send a callback twice (probability),
# late (seconds), or a stale "processing" notice after the success (probability).
OMNI_SANDBOX_CHAOS = {
    "duplicate": float(os.environ.get("OMNI_SANDBOX_CHAOS_DUPLICATE", "0")),
    "delay_s": float(os.environ.get("OMNI_SANDBOX_CHAOS_DELAY_S", "0")),
    "out_of_order": float(os.environ.get("OMNI_SANDBOX_CHAOS_OUT_OF_ORDER", "0")),
}
OMNI_SANDBOX_DELIVERY_ATTEMPTS = int(os.environ.get("OMNI_SANDBOX_DELIVERY_ATTEMPTS", "5"))
OMNI_SANDBOX_RETRY_BASE_S = float(os.environ.get("OMNI_SANDBOX_RETRY_BASE_S", "0.5"))
OMNI_PAYMENT_CALLBACK_TOLERANCE_S = int(os.environ.get("OMNI_PAYMENT_CALLBACK_TOLERANCE_S", "300"))
OMNI_PAYMENT_INTENT_TTL_MINUTES = int(os.environ.get("OMNI_PAYMENT_INTENT_TTL_MINUTES", "30"))
# Ask the provider about a payment still processing this long after its last change (a lost
# callback is recovered by the query, payments.reconcile); asked again as often while open.
OMNI_PAYMENT_QUERY_AFTER_SECONDS = int(os.environ.get("OMNI_PAYMENT_QUERY_AFTER_SECONDS", "30"))
# Unpaid orders: minutes one holds its stock, and how much one member may hold at a time
# (orders, and units of one SKU across them) before checkout asks to pay or cancel first.
OMNI_ORDER_PAYMENT_MINUTES = _env_int("OMNI_ORDER_PAYMENT_MINUTES", 15, low=1, high=1440)
OMNI_ORDER_UNPAID_LIMIT = _env_int("OMNI_ORDER_UNPAID_LIMIT", 5, low=1, high=100)
OMNI_ORDER_UNPAID_UNITS_PER_SKU = _env_int(
    "OMNI_ORDER_UNPAID_UNITS_PER_SKU", 50, low=1, high=10_000
)
# Live orders one store hands over in one half-hour pickup slot; a full slot is not offered.
OMNI_PICKUP_SLOT_CAPACITY = _env_int("OMNI_PICKUP_SLOT_CAPACITY", 50, low=1, high=10_000)
OMNI_DELIVERY_SLOT_CAPACITY = _env_int("OMNI_DELIVERY_SLOT_CAPACITY", 20, low=1, high=10_000)
# After-sales: days after completion a refund may still be asked for (referral rebates
# are paid only once it has passed).
OMNI_RETURN_WINDOW_DAYS = int(os.environ.get("OMNI_RETURN_WINDOW_DAYS", "7"))

# Share links and rebates: platform points for sharing a product (once per product per
# day) and the points a rebate of one yuan is worth. Each merchant sets its own rates,
# attribution window, reseller threshold, commission tiers and payout terms in its console.
OMNI_REFERRAL_SHARE_POINTS = int(os.environ.get("OMNI_REFERRAL_SHARE_POINTS", "10"))
OMNI_REFERRAL_POINTS_PER_YUAN = int(os.environ.get("OMNI_REFERRAL_POINTS_PER_YUAN", "100"))

# Group buys: minutes a shopper has to pay a claimed seat before it goes back to the pool.
OMNI_GROUPBUY_PAYMENT_MINUTES = int(os.environ.get("OMNI_GROUPBUY_PAYMENT_MINUTES", "10"))
# Flash sales (PostgreSQL): pages and API seat joins through each process's batching queue.
OMNI_GROUPBUY_JOIN_QUEUE = os.environ.get("OMNI_GROUPBUY_JOIN_QUEUE", "") == "1"
OMNI_GROUPBUY_JOIN_BATCH = int(os.environ.get("OMNI_GROUPBUY_JOIN_BATCH", "100"))

# Producer-to-retailer channel: how far (metres) a delivery order may be routed to a store;
# beyond it the regional warehouse serves.
OMNI_SUPPLY_ROUTING_RADIUS_M = int(os.environ.get("OMNI_SUPPLY_ROUTING_RADIUS_M", "5000"))

# Smart counters: seconds a signed command stays valid, a door may stay open after an
# unlock, a counter may be silent before it is offline, and an SMS unlock code lives.
OMNI_COUNTER_COMMAND_TTL_S = int(os.environ.get("OMNI_COUNTER_COMMAND_TTL_S", "15"))
OMNI_COUNTER_DOOR_CLOSE_S = int(os.environ.get("OMNI_COUNTER_DOOR_CLOSE_S", "120"))
OMNI_COUNTER_OFFLINE_S = int(os.environ.get("OMNI_COUNTER_OFFLINE_S", "60"))
OMNI_COUNTER_CODE_TTL_S = int(os.environ.get("OMNI_COUNTER_CODE_TTL_S", "300"))
# Rotation: how long a counter's older credential keeps working once a newer one is issued.
OMNI_COUNTER_ROTATION_OVERLAP_S = int(
    os.environ.get("OMNI_COUNTER_ROTATION_OVERLAP_S", str(7 * 86400))
)
# The kiosk screen: seconds a pairing link works (once), and a screen's display pass lives
# without a refresh (each refresh renews it).
OMNI_COUNTER_KIOSK_PAIRING_S = int(os.environ.get("OMNI_COUNTER_KIOSK_PAIRING_S", "600"))
OMNI_COUNTER_KIOSK_PASS_S = int(os.environ.get("OMNI_COUNTER_KIOSK_PASS_S", str(7 * 86400)))
# Camera snapshots are personal data: days they are kept before the hourly sweep deletes them.
OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS = int(
    os.environ.get("OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS", "30")
)

# Loyalty: days a lot of points stays spendable, the yuan one platform point is worth in
# settlements between merchants, and the points a merchant gets for joining the online mall.
OMNI_POINTS_VALID_DAYS = int(os.environ.get("OMNI_POINTS_VALID_DAYS", "365"))
OMNI_POINT_VALUE_YUAN = os.environ.get("OMNI_POINT_VALUE_YUAN", "0.01")
OMNI_JOINING_REWARD_POINTS = int(os.environ.get("OMNI_JOINING_REWARD_POINTS", "1000"))
# The face-verification provider for the exchange step-up (the sandbox matches same bytes).
OMNI_FACE_PROVIDER = os.environ.get(
    "OMNI_FACE_PROVIDER", "omniretail.loyalty.face.SandboxFaceProvider"
)
# 实名认证 (analytics.realname): the provider of the 姓名 + 身份证号 check, and the checks one
# account may ask of it (count/seconds; typing mistakes are not counted).
OMNI_REAL_NAME_PROVIDER = os.environ.get(
    "OMNI_REAL_NAME_PROVIDER", "omniretail.analytics.realname.SandboxRealNameProvider"
)
OMNI_REAL_NAME_RATE = _rate("OMNI_REAL_NAME_RATE", "5/86400")
# Tencent Cloud FaceID's IdCardVerification (analytics.realname_tencent): the API key pair
# and region from the environment; an empty endpoint is faceid.tencentcloudapi.com, or the
# local sandbox (/sandbox-tencentcloud/, on like the other sandboxes) while no SecretId is
# set, with the sandbox's SecretId and a SecretKey generated into the data directory.
OMNI_TENCENTCLOUD_SECRET_ID = os.environ.get("OMNI_TENCENTCLOUD_SECRET_ID", "").strip()
OMNI_TENCENTCLOUD_SECRET_KEY = os.environ.get("OMNI_TENCENTCLOUD_SECRET_KEY", "").strip()
OMNI_TENCENTCLOUD_REGION = os.environ.get("OMNI_TENCENTCLOUD_REGION", "ap-guangzhou").strip()
OMNI_TENCENTCLOUD_FACEID_ENDPOINT = os.environ.get("OMNI_TENCENTCLOUD_FACEID_ENDPOINT", "").strip()
OMNI_SANDBOX_TENCENTCLOUD = _env_bool(
    "OMNI_SANDBOX_TENCENTCLOUD", not OMNI_PUBLIC_BASE_URL.startswith("https://")
)
OMNI_SANDBOX_TENCENTCLOUD_SECRET_ID = "AKIDomniretailSandbox0000000000000000"
OMNI_SANDBOX_TENCENTCLOUD_SECRET_KEY = (
    _generated_secret(
        "OMNI_SANDBOX_TENCENTCLOUD_SECRET_KEY", "sandbox_tencentcloud_secret_key", length=24
    )
    if OMNI_SANDBOX_TENCENTCLOUD
    else ""
)
OMNI_TENCENTCLOUD_SANDBOXED = OMNI_SANDBOX_TENCENTCLOUD and not OMNI_TENCENTCLOUD_SECRET_ID
if OMNI_TENCENTCLOUD_SANDBOXED:
    OMNI_TENCENTCLOUD_SECRET_ID = OMNI_SANDBOX_TENCENTCLOUD_SECRET_ID
    OMNI_TENCENTCLOUD_SECRET_KEY = OMNI_SANDBOX_TENCENTCLOUD_SECRET_KEY
