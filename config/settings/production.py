"""Production: everything from the environment, nothing that exists only here.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL. Usual: REDIS_URL, ELASTICSEARCH_URL,
object storage (see README.md).
"""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = False
for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production.")

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
if env_bool("TRUST_X_FORWARDED_PROTO", True):  # set 0 when Django itself ends TLS: then the header is forgeable
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
# Production runs behind nginx (deploy/nginx/kexiang.conf): one proxy whose X-Forwarded-For names the visitor.
# Without it every sign-in would come from the proxy's address and one locked address would lock everyone.
KEXIANG_PROXY_COUNT = int(os.environ.get("KEXIANG_PROXY_COUNT", "1"))
