"""Settings every environment shares. Environment-specific modules import * from here.

Everything an operator may change is read from the environment (see README.md,
"Configuration"); the defaults are the embedded single-machine setup.
"""
import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from core.s3_settings import s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"
VAR_DIR = Path(os.environ.get("KEXIANG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "kexiang-insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts.apps.AccountsConfig",
    "roster.apps.RosterConfig",
    "outbox.apps.OutboxConfig",
    "reports.apps.ReportsConfig",
    "resources.apps.ResourcesConfig",
    "lessons.apps.LessonsConfig",
    "research.apps.ResearchConfig",
    "live.apps.LiveConfig",
    "search.apps.SearchConfig",
    "media_pipeline.apps.MediaPipelineConfig",
    "protected_media.apps.ProtectedMediaConfig",
    "home.apps.HomeConfig",
    "demo.apps.DemoConfig",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.KexiangUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "django_cas_ng",  # CAS sign-on's tickets (for the cloud's single sign-out); used only when CAS_SERVER_URL is set
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SiteCSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.PasswordChangeRequiredMiddleware",  # a temporary password is replaced first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the 429 page (accounts/login_limits.py)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.media_storage.media_status",  # a note on every page while object storage is down
                "research.context_processors.notifications",  # the unread count in the header
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:port/name) or the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kexiang.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default takes concurrent writes from several app-server threads and processes and the
    # Celery worker: readers never wait for a writer (WAL), a writer waits its turn instead of failing
    # (busy timeout), and a transaction takes the write lock when it begins (IMMEDIATE), so two that read
    # and then write cannot deadlock into "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("KEXIANG_SQLITE_TIMEOUT", "30")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People: a custom user with a role and a school; sign in with a username or a phone number.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses any sign-in while its account or address is locked
    "accounts.backends.UsernameOrPhoneBackend",
]
# Single sign-on with the district's education cloud (OpenID Connect, mozilla-django-oidc) when its endpoints are
# set: the sign-in page offers it beside the password. A person is matched to the account the district imported, by
# mobile number or staff number (工号); no account is ever made by it (accounts/sso.py). Names are
# mozilla-django-oidc's own; scripts/services/oidc.sh prints a trial provider's.
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
KEXIANG_SSO_ENABLED = bool(OIDC_OP_AUTHORIZATION_ENDPOINT)
if KEXIANG_SSO_ENABLED:
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
    AUTHENTICATION_BACKENDS.append("accounts.sso.DistrictSignOnBackend")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile phone")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = float(os.environ.get("KEXIANG_SSO_TIMEOUT", "10"))  # seconds we wait for the cloud's answer
OIDC_CREATE_USER = False  # never a second account for a teacher the district already listed
KEXIANG_SSO_NAME = os.environ.get("KEXIANG_SSO_NAME", "")  # what the button says, e.g. 区教育云; empty: a default
KEXIANG_SSO_PHONE_CLAIM = os.environ.get("KEXIANG_SSO_PHONE_CLAIM", "phone_number")
KEXIANG_SSO_STAFF_CLAIM = os.environ.get("KEXIANG_SSO_STAFF_CLAIM", "employee_number")
# Or CAS (3.0, which many education clouds speak; django-cas-ng) when CAS_SERVER_URL is set: the same matching, the
# cloud's attributes read as the claims above. The CAS user name itself is the claim "cas:user", so
# KEXIANG_SSO_STAFF_CLAIM=cas:user says the cloud's login is the staff number.
CAS_SERVER_URL = os.environ.get("CAS_SERVER_URL", "")
KEXIANG_SSO_TIMEOUT = OIDC_TIMEOUT
KEXIANG_CAS_ENABLED = bool(CAS_SERVER_URL)
if KEXIANG_CAS_ENABLED:
    AUTHENTICATION_BACKENDS.append("accounts.sso.DistrictCasBackend")
CAS_VERSION = os.environ.get("CAS_VERSION", "3")
CAS_CREATE_USER = False  # as above: never a second account
CAS_LOGIN_MSG = CAS_LOGGED_MSG = None  # the page the teacher lands on says enough
CAS_STORE_NEXT = False
CAS_CHECK_NEXT = True
CAS_IGNORE_REFERER = True  # after signing in, ?next= (this site's own pages only: accounts/sso_urls.py) or home
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
LOGIN_URL = "accounts:login"
WAGTAILADMIN_USER_LOGIN_FORM = "accounts.forms.AdminLoginForm"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-ins that resist guessing (accounts/login_limits.py): per account and per address, in the database.
KEXIANG_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("KEXIANG_LOGIN_FAILURES_PER_ACCOUNT", "10"))
KEXIANG_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("KEXIANG_LOGIN_FAILURES_PER_ADDRESS", "30"))
KEXIANG_LOGIN_LOCK_MINUTES = int(os.environ.get("KEXIANG_LOGIN_LOCK_MINUTES", "15"))
# Trusted proxies in front of the app server (nginx: 1); the visitor's address is the one the nearest saw.
KEXIANG_PROXY_COUNT = int(os.environ.get("KEXIANG_PROXY_COUNT", "0"))
AXES_HANDLER = "accounts.login_limits.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = KEXIANG_LOGIN_FAILURES_PER_ADDRESS
AXES_COOLOFF_TIME = datetime.timedelta(minutes=KEXIANG_LOGIN_LOCK_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.login_limits.account_key"
AXES_CLIENT_IP_CALLABLE = "accounts.login_limits.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.login_limits.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # failures are what matter; a row per successful sign-in would only grow
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): no inline script, nothing from other sites. Inline style attributes stay
# allowed (boxes sized from the video before it loads, progress bars) while <style> and stylesheets must come
# from here (style-src-elem); browsers without style-src-elem apply style-src to both. hls.js plays from blob:
# URLs; the lesson page's service worker is a script of ours. The Wagtail and Django admins get
# 'unsafe-inline' scripts on top (config.middleware.SiteCSPMiddleware): their own templates still have some.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
KEXIANG_CSP_ADMIN_PREFIXES = ("/admin/", "/django-admin/")
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no avatars from another site (and no request leaving the school's network)
# Password reset by e-mail needs an e-mail backend; without one, school admins and researchers give temporary
# passwords (accounts/password_reset.py) and the admin offers no e-mail link that would fail silently.
WAGTAIL_PASSWORD_RESET_ENABLED = bool(os.environ.get("EMAIL_HOST"))
# E-mail (notifications beyond the site: outbox/). With EMAIL_HOST set, Django's SMTP backend with its own settings;
# without, each mail is written as a file under var/mail/ (nothing leaves the machine: read them there).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "课享 Kexiang <noreply@kexiang.invalid>")
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin would ask releases.wagtail.org from every browser; operators upgrade from PyPI
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Languages: Chinese (simplified) by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
LOCALE_PATHS = [SITE_DIR / "locale", SITE_DIR / "locale-wagtail"]  # ours, then what Wagtail's own zh_Hans lacks
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files of private 教研 groups (post attachments): outside MEDIA_ROOT, served only by a view that checks membership.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Where media lives (core/media_storage.py): "local" (MEDIA_ROOT and PRIVATE_MEDIA_ROOT on this machine's disk,
# the embedded default) or "s3" (S3-compatible object storage: SeaweedFS, Ceph RGW, MinIO, a cloud OSS), read
# through django-storages with django-storages' own environment names. With "s3" no machine needs the web's
# disk: workers fetch originals into KEXIANG_SCRATCH_DIR and publish ladders into the bucket, and files are
# reached through short-lived presigned URLs handed out after the page rules' check (anonymous reads of the
# buckets should be refused). Research files go to their own bucket (KEXIANG_PRIVATE_BUCKET_NAME), or under
# "private/" in the media bucket when it is not set.
KEXIANG_MEDIA_STORAGE = os.environ.get("KEXIANG_MEDIA_STORAGE", "local").strip().lower()
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None  # None: boto3's own chain (an instance role…)
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "kexiang-media")
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or "us-east-1"
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE") or "path"
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_FILE_OVERWRITE = False  # an attachment never replaces another one's object of the same name
AWS_DEFAULT_ACL = None  # objects inherit the bucket's policy: private
KEXIANG_PRIVATE_BUCKET_NAME = os.environ.get("KEXIANG_PRIVATE_BUCKET_NAME", "")
# Presigned links live this long (seconds): a page, a playlist or a download hands out fresh ones each time.
KEXIANG_SIGNED_URL_SECONDS = int(os.environ.get("KEXIANG_SIGNED_URL_SECONDS", "600"))
# Public files (of public resources) may be sent from a CDN in front of the media bucket instead:
# its base URL, e.g. https://cdn.example.org/ (the CDN reaches the bucket with its own credentials).
KEXIANG_MEDIA_CDN_URL = os.environ.get("KEXIANG_MEDIA_CDN_URL", "")
# Where transcoding workers keep an original and the ladder they build before publishing it.
KEXIANG_SCRATCH_DIR = Path(os.environ.get("KEXIANG_SCRATCH_DIR", VAR_DIR / "scratch"))


# A folder in the bucket(s) for this site's objects (several sites, or test runs, may share one bucket).
KEXIANG_S3_PREFIX = os.environ.get("KEXIANG_S3_PREFIX", "").strip("/")


if KEXIANG_MEDIA_STORAGE == "s3":
    _options = {"prefix": KEXIANG_S3_PREFIX, "addressing_style": AWS_S3_ADDRESSING_STYLE}
    STORAGES["default"] = s3_storage(AWS_STORAGE_BUCKET_NAME, **_options)
    STORAGES["private"] = (s3_storage(KEXIANG_PRIVATE_BUCKET_NAME, **_options) if KEXIANG_PRIVATE_BUCKET_NAME
                           else s3_storage(AWS_STORAGE_BUCKET_NAME, "private", **_options))
    # Browsers fetch files from the store (signed links) and the CDN: pictures, <video> and hls.js's requests.
    # The store's host as boto3 signs it: path style (endpoint/bucket/key) or the bucket in the host name,
    # both allowed (addressing "auto" may sign either); without an endpoint, AWS's global and regional hosts.
    if AWS_S3_ENDPOINT_URL:
        _endpoints = [urlsplit(AWS_S3_ENDPOINT_URL)]
    else:
        _domain = "amazonaws.com.cn" if AWS_S3_REGION_NAME.startswith("cn-") else "amazonaws.com"
        _endpoints = [urlsplit(f"https://s3.{_domain}"), urlsplit(f"https://s3.{AWS_S3_REGION_NAME}.{_domain}")]
    _media_origins = set()
    for _endpoint in _endpoints:
        _media_origins.add(f"{_endpoint.scheme}://{_endpoint.netloc}")
        for _bucket in {AWS_STORAGE_BUCKET_NAME, KEXIANG_PRIVATE_BUCKET_NAME or AWS_STORAGE_BUCKET_NAME}:
            _media_origins.add(f"{_endpoint.scheme}://{_bucket}.{_endpoint.netloc}")
    if KEXIANG_MEDIA_CDN_URL:
        _cdn = urlsplit(KEXIANG_MEDIA_CDN_URL)
        _media_origins.add(f"{_cdn.scheme}://{_cdn.netloc}")
    for _directive in ("img-src", "media-src", "connect-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive] += sorted(_media_origins)
else:
    STORAGES["private"] = {"BACKEND": "core.media_storage.PrivateFileSystemStorage"}
# Every file under MEDIA_URL goes through protected_media (who may read it: the page rules). "django": Django
# streams it (the embedded default); "nginx": Django decides and answers X-Accel-Redirect to one of these
# internal nginx locations, which send the bytes (deploy/nginx/kexiang.conf).
KEXIANG_FILE_SERVING = os.environ.get("KEXIANG_FILE_SERVING", "django")
KEXIANG_ACCEL_PREFIXES = {"media": "/_protected/media/", "private": "/_protected/private/", "live": "/_protected/live/"}
# Wagtail documents (in lesson plans) are served through their view, which protected_media takes over.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Cache: Redis when REDIS_URL is set, process memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis (or CELERY_BROKER_URL) at scale; a local filesystem transport by default,
# which a worker in another process on the same machine can read without any service.
CELERY_BROKER_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or f"file://{CELERY_BROKER_DIR / 'results'}"
else:
    # Longer than the longest job, so a late-acked task is not redelivered while it runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# FFmpeg work on its own queue, so its workers can sit on the machines with the CPU.
CELERY_TASK_ROUTES = {
    "media_pipeline.tasks.transcode_task": {"queue": "media"},
    "media_pipeline.tasks.encode_chunk_task": {"queue": "media"},
    "media_pipeline.tasks.join_chunks_task": {"queue": "media"},
    "live.tasks.live_replay_task": {"queue": "media"},
    "demo.tasks.demo_lesson_build_task": {"queue": "media"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE

# Search: Elasticsearch when ELASTICSEARCH_URL is set, the database otherwise.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
# The alias searches read; `search_index --rebuild` builds <alias>_<timestamp> and swaps it.
KEXIANG_SEARCH_INDEX = os.environ.get("KEXIANG_SEARCH_INDEX", "kexiang-resources")
KEXIANG_SEARCH_TIMEOUT = float(os.environ.get("KEXIANG_SEARCH_TIMEOUT", "3"))  # seconds per query
KEXIANG_SEARCH_RETRY_AFTER = float(os.environ.get("KEXIANG_SEARCH_RETRY_AFTER", "30"))  # after a failure, use the DB this long
# Highlight titles with Elasticsearch's highlighter on the cjk field. Off by default: at 200,000 documents it
# added ~15 ms a query (benchmarks/search.py); the shared Python highlighter marks the same text for free.
KEXIANG_SEARCH_ES_HIGHLIGHT = os.environ.get("KEXIANG_SEARCH_ES_HIGHLIGHT", "0") == "1"
# The database search counts, facets and ranks every match of a search up to this many matches; beyond,
# it ranks the newest KEXIANG_SEARCH_CANDIDATES of each ranking tier and estimates counts from a sample
# ("约 N 条", count_is_estimate in the API). README "Search at production size".
KEXIANG_SEARCH_EXACT_UP_TO = int(os.environ.get("KEXIANG_SEARCH_EXACT_UP_TO", "2000"))
KEXIANG_SEARCH_CANDIDATES = int(os.environ.get("KEXIANG_SEARCH_CANDIDATES", "500"))

# Live lessons (live/): the RTMP address phones and OBS publish to (nginx's rtmp module, scripts/services/nginx.sh
# with NGINX_RTMP_PORT); the secret nginx's hook URLs carry when nginx is on another machine (empty: only
# calls from this machine's loopback are taken); how long before and after its scheduled start a lesson may
# be published.
KEXIANG_LIVE_RTMP_URL = os.environ.get("KEXIANG_LIVE_RTMP_URL", "rtmp://127.0.0.1:1935/live")
KEXIANG_LIVE_HOOK_SECRET = os.environ.get("KEXIANG_LIVE_HOOK_SECRET", "")
KEXIANG_LIVE_EARLY_MINUTES = int(os.environ.get("KEXIANG_LIVE_EARLY_MINUTES", "60"))
KEXIANG_LIVE_HOURS = int(os.environ.get("KEXIANG_LIVE_HOURS", "6"))
# False where nginx with its RTMP module does not run (scripts/run.sh sets it when nginx is not installed): the
# live pages then say that broadcasting needs it.
KEXIANG_LIVE_AVAILABLE = env_bool("KEXIANG_LIVE_AVAILABLE", True)
# The live ladders (live/muxer.py, run by nginx for each stream) and nginx's recordings: on the disk of the
# machine that runs nginx-rtmp; nginx serves the files after the app has said who may (X-Accel-Redirect).
KEXIANG_LIVE_ROOT = Path(os.environ.get("KEXIANG_LIVE_ROOT", VAR_DIR / "live"))
KEXIANG_LIVE_SEGMENT_SECONDS = 2
# A publisher that drops and comes back within this many seconds continues the same lesson; after it, the
# lesson has ended and its recording goes to the replay.
KEXIANG_LIVE_GRACE_SECONDS = int(os.environ.get("KEXIANG_LIVE_GRACE_SECONDS", "60"))
# A member who watched this share of a live lesson is signed in to its activity (the hours rules then apply).
# How often a watch page says it is there (viewer count, time watched).
KEXIANG_LIVE_HEARTBEAT_SECONDS = int(os.environ.get("KEXIANG_LIVE_HEARTBEAT_SECONDS", "15"))
KEXIANG_LIVE_ATTENDANCE_SHARE = float(os.environ.get("KEXIANG_LIVE_ATTENDANCE_SHARE", "0.5"))
# /readyz: Elasticsearch down makes the site "degraded" (search falls back to the database), not unready.
KEXIANG_READY_REQUIRE_SEARCH = env_bool("KEXIANG_READY_REQUIRE_SEARCH", False)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Wagtail.
WAGTAIL_SITE_NAME = "课享 Kexiang"
WAGTAILADMIN_BASE_URL = os.environ.get("KEXIANG_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx", "odt", "odp", "txt", "zip"]

# Demo content (logins with a published password): only the embedded default (dev.py) or DEBUG loads it.
KEXIANG_DEMO_CONTENT_ALLOWED = False
# Where the third-party demo data lives (never committed; see README.md).
KEXIANG_SHARED_DATA_DIR = Path(os.environ.get("KEXIANG_SHARED_DATA_DIR", BASE_DIR.parent / "shared" / "data"))
# Sample videos the demo lessons use when they are there (else the demo draws its own; see demo/lessons.py).
KEXIANG_SHARED_SAMPLES_DIR = Path(os.environ.get("KEXIANG_SHARED_SAMPLES_DIR", BASE_DIR.parent / "shared" / "samples"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"quiet_unavailable": {"()": "core.storage.QuietUnavailable"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}, "elasticsearch": {"level": "WARNING"},
                "axes": {"level": "WARNING"},
                # a 503 is storage that cannot be written, logged once by core.storage.storage_failed
                "django.request": {"level": "ERROR", "filters": ["quiet_unavailable"]}},
}

# Resumable uploads (tus): one directory per upload (media_pipeline/tus.py).
KEXIANG_UPLOAD_DIR = Path(os.environ.get("KEXIANG_UPLOAD_DIR", VAR_DIR / "uploads"))
KEXIANG_UPLOAD_MAX_BYTES = int(os.environ.get("KEXIANG_UPLOAD_MAX_BYTES", 4 * 1024**3))
# Limits on what is kept (media_pipeline/quotas.py): uploads one person may have waiting (count; bytes, 0 = twice
# the largest file), hours an untouched unfinished upload is kept, and a school's storage in GB (0 = no quota;
# School.storage_quota_gb overrides it per school).
KEXIANG_UPLOAD_PENDING_MAX_COUNT = int(os.environ.get("KEXIANG_UPLOAD_PENDING_MAX_COUNT", "10"))
KEXIANG_UPLOAD_PENDING_MAX_BYTES = int(os.environ.get("KEXIANG_UPLOAD_PENDING_MAX_BYTES", "0"))
KEXIANG_UPLOAD_EXPIRE_HOURS = int(os.environ.get("KEXIANG_UPLOAD_EXPIRE_HOURS", "6"))
KEXIANG_SCHOOL_STORAGE_QUOTA_GB = int(os.environ.get("KEXIANG_SCHOOL_STORAGE_QUOTA_GB", "100"))

# Semester figures (resources/figures.py): the programme's goals for a school each semester —
# new resources added, and the share of its teachers who made a micro-lesson of their own.
KEXIANG_GOAL_RESOURCES_PER_SEMESTER = int(os.environ.get("KEXIANG_GOAL_RESOURCES_PER_SEMESTER", "200"))
KEXIANG_GOAL_MICRO_LESSON_SHARE = float(os.environ.get("KEXIANG_GOAL_MICRO_LESSON_SHARE", "0.5"))

# Workload hours (课时, research/hours.py), from the rules in DESIGN.md. For each activity kind: the hours,
# what they are counted per ("session", "half_day" or "day", the activity's `units`), and who earns
# them ("attendees" who signed in, or the activity's "presenters"). Mentoring earns the mentor
# KEXIANG_WORKLOAD_MENTORING_HOURS per apprentice per semester. KEXIANG_WORKLOAD_FTE_HOURS hours of
# part-time support count as one full-time supporting teacher.
KEXIANG_WORKLOAD_RULES = {
    "collective_prep": {"hours": 3, "per": "session", "who": "attendees"},
    "subject_group": {"hours": 2, "per": "session", "who": "attendees"},
    "cross_subject": {"hours": 2, "per": "session", "who": "attendees"},
    "school_wide": {"hours": 2, "per": "session", "who": "attendees"},
    "lesson_talk": {"hours": 2, "per": "session", "who": "attendees"},
    "demonstration": {"hours": 4, "per": "session", "who": "presenters"},
    "report": {"hours": 5, "per": "half_day", "who": "presenters"},
    "lecture": {"hours": 10, "per": "day", "who": "presenters"},
    "joint_research": {"hours": 5, "per": "half_day", "who": "attendees"},
}
KEXIANG_WORKLOAD_MENTORING_HOURS = 20
KEXIANG_WORKLOAD_FTE_HOURS = 120
# Posts in 教研 threads: the longest body (characters of HTML) and attachment (bytes) accepted.
KEXIANG_POST_MAX_CHARS = 20_000
KEXIANG_POST_ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
# Reminders go this many hours before an activity (research.tasks.activity_reminders_send, every 15 min).
KEXIANG_ACTIVITY_REMINDER_HOURS = 24
