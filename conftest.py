"""Shared pytest fixtures. Markers are declared in pyproject.toml (--strict-markers)."""
import os
import shutil
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("KEXIANG_SHARED_DATA_DIR", Path(__file__).resolve().parent.parent / "shared" / "data"))
BUILTIN_DEMO = Path(__file__).resolve().parent / "resources" / "demo"


def pytest_collection_modifyitems(config, items):
    """Skip what this machine cannot run, unless CI demands it (KEXIANG_REQUIRE=integration,ffmpeg,...)."""
    required = {name.strip() for name in os.environ.get("KEXIANG_REQUIRE", "").split(",") if name.strip()}
    available = {
        "integration": bool(os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        "ffmpeg": bool(shutil.which("ffmpeg") and shutil.which("ffprobe")),
        "browser": bool(shutil.which("chromium") or os.environ.get("KEXIANG_CHROMIUM")),
        "shared_data": SHARED_DATA.is_dir(),
        "search": bool(os.environ.get("ELASTICSEARCH_URL")),
        "office": bool(shutil.which("soffice") and shutil.which("pdftoppm") and shutil.which("pdfinfo")),
        "nginx": bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
    }
    reasons = {
        "integration": "needs DATABASE_URL=postgres://… and REDIS_URL (see scripts/services/)",
        "ffmpeg": "needs ffmpeg and ffprobe on PATH",
        "browser": "needs Debian's chromium",
        "shared_data": f"needs {SHARED_DATA}",
        "search": "needs ELASTICSEARCH_URL",
        "office": "needs LibreOffice and poppler (soffice, pdftoppm, pdfinfo)",
        "nginx": "needs Debian's nginx (apt-get install nginx)",
    }
    missing_required = [name for name in required if not available.get(name)]
    if missing_required:
        raise pytest.UsageError(
            "KEXIANG_REQUIRE asks for " + ", ".join(missing_required) + " but this machine lacks it: "
            + "; ".join(reasons[name] for name in missing_required)
        )
    for item in items:
        for name, ok in available.items():
            if not ok and item.get_closest_marker(name):
                item.add_marker(pytest.mark.skip(reason=reasons[name]))


@pytest.fixture
def media_root(settings, tmp_path):
    """Each test its own MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def shared_data():
    return SHARED_DATA


@pytest.fixture
def builtin_demo():
    return BUILTIN_DEMO


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language: a request in English must not leave English on for the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def migration_data(request):
    """What the data migrations made (vocabulary, home page, review workflow), back for a transactional test.

    A transactional test ends by flushing every table, so the next one would start without them.
    pytest-django runs the other tests first, so only transactional tests need this.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page

    from resources.models import HomePage
    from resources.services import review_setup_ensure, vocabulary_seed

    vocabulary_seed()
    review_setup_ensure()
    from research.reviews import scale_default_ensure

    scale_default_ensure()
    if not Page.objects.filter(depth=1).exists():
        locale, _created = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if not HomePage.objects.exists():
        importlib.import_module("resources.migrations.0002_seed_vocabulary_and_home").create_homepage(apps, None)


@pytest.fixture
def served(transactional_db, media_root, settings, tmp_path):
    """Starts the real app server (gunicorn, config/gunicorn.py) on this test's committed data, and with
    via="nginx" nginx in front of it (deploy/nginx/kexiang.conf, files by X-Accel-Redirect). Returns its URL."""
    from tests.serving import AppServer, Nginx

    # passwords the server can check: it has production's hashers, not the tests' fast MD5 (scrypt is quick enough)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    running = []

    def start(*, via="django", env=None, **options):
        env = dict(env or {})
        if via == "nginx":
            env.setdefault("KEXIANG_FILE_SERVING", "nginx")
            env.setdefault("KEXIANG_PROXY_COUNT", "1")
        server = AppServer(env=env, **options)
        running.append(server)
        server.start()
        if via != "nginx":
            return server.url
        proxy = Nginx(server)
        running.append(proxy)
        return proxy.start().url

    yield start
    for thing in reversed(running):
        thing.stop()
