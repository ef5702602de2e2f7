"""The embedded default: one machine, no services (SQLite, DB search, filesystem Celery transport)."""
from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Serve static files straight from the apps and site/static, no collectstatic step needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
