"""A district education cloud's sign-in, for trials and tests: a real OpenID Connect provider (django-oauth-toolkit)
on loopback, its own database and cookies. Started by scripts/services/oidc.sh; never part of Kexiang itself."""
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ["IDP_STATE_DIR"])
SECRET_KEY = (STATE / "secret").read_text()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "oauth2_provider", "idp"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [HERE / "templates"],
              "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE / "idp.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
# Cookies of their own: the site under test may run on the same host.
SESSION_COOKIE_NAME, CSRF_COOKIE_NAME = "idp_session", "idp_csrf"
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (STATE / "key.pem").read_text(),
    "OAUTH2_VALIDATOR_CLASS": "idp.validator.DistrictValidator",
    "SCOPES": {"openid": "OpenID Connect", "profile": "Name and staff number", "phone": "Mobile number"},
    "PKCE_REQUIRED": True,
    "ALLOW_LOCALHOST_LOOPBACK": True,  # the site under test runs on http://localhost:<any port>
}
