"""The embedded default: one machine, no services (SQLite, DB search, filesystem Celery transport), served by
the same app server as production (gunicorn, config/gunicorn.py). DEBUG is off unless DEBUG=1: a school runs
this for real, and tracebacks are not for its visitors.
"""
import os
import secrets

from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env_bool, env_list

DEBUG = env_bool("DEBUG", False)
# Loopback, plus the names or addresses this machine is reached by on the school's network (ALLOWED_HOSTS).
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver", *env_list("ALLOWED_HOSTS")]
# The demo content (make run) has logins with a published password: allowed here, never in production.
KEXIANG_DEMO_CONTENT_ALLOWED = True
# The home page's "示例课程正在生成…" while the worker makes the demo lessons (a query only on that page).
TEMPLATES[0]["OPTIONS"]["context_processors"].append("demo.context_processors.demo")  # noqa: F405


def _secret_key():
    """SECRET_KEY from the environment, else one made for this machine on first start and kept in var/:
    a key known to everyone would let anyone forge calendar links and password-reset tokens."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret-key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = VAR_DIR / f".secret-key-{os.getpid()}"
        with open(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)  # whole or not at all; the first process to get here wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return SECRET_KEY  # noqa: F405  (a read-only checkout: the development key)


SECRET_KEY = _secret_key()

# Serve static files straight from the apps and site/static, no collectstatic step needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
