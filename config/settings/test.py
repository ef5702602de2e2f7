"""Fast, isolated settings for pytest. DATABASE_URL / REDIS_URL switch the integration parts on."""
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import AUTHENTICATION_BACKENDS, DATABASES

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kexiang-test-media-"))
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kexiang-test-private-"))
KEXIANG_LIVE_ROOT = Path(tempfile.mkdtemp(prefix="kexiang-test-live-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="kexiang-test-static-"))
WHITENOISE_USE_FINDERS = True
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # noqa: F405
            "private": {"BACKEND": "core.media_storage.PrivateFileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.mkdtemp(prefix="kexiang-test-db-")) / "test.sqlite3")}

# Tests use the database search unless a test asks for Elasticsearch (search/tests/conftest.py), which
# then reads the cluster from here and uses an alias of its own.
KEXIANG_TEST_ELASTICSEARCH_URL = ELASTICSEARCH_URL  # noqa: F405
ELASTICSEARCH_URL = ""

# Single sign-on is switched on per test (accounts/tests/test_sso.py), even where CI exports a trial provider's
# settings (scripts/services/oidc.sh): the other tests sign in with passwords only.
KEXIANG_SSO_ENABLED = KEXIANG_CAS_ENABLED = False
AUTHENTICATION_BACKENDS = [backend for backend in AUTHENTICATION_BACKENDS
                           if not backend.endswith(("DistrictSignOnBackend", "DistrictCasBackend"))]
