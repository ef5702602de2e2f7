"""A district education cloud's sign-in, for trials and tests: a real OpenID Connect provider (django-oauth-toolkit)
and a real CAS 3.0 server (django-cas-server) over one list of people, on loopback, its own database and cookies.
Started by scripts/services/oidc.sh; never part of Kexiang itself."""
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ["IDP_STATE_DIR"])
SECRET_KEY = (STATE / "secret").read_text()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "django.contrib.messages", "oauth2_provider", "cas_server", "idp"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [HERE / "templates"], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.messages.context_processors.messages"]}}]
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
# CAS: the same people, their mobile and staff numbers released as attributes (idp/cas.py) to the services the
# `idp client` command lets in (any http://localhost or 127.0.0.1 port). Its pages are ours (no CDN on loopback).
STATIC_URL = "/static/"
CAS_AUTH_CLASS = "idp.cas.DistrictCasUser"
CAS_LOGIN_TEMPLATE = "cas_login.html"
CAS_WARN_TEMPLATE = CAS_LOGGED_TEMPLATE = CAS_LOGOUT_TEMPLATE = "cas_done.html"
CAS_SHOW_POWERED = False
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
