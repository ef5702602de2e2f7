"""Shared pytest fixtures. Markers are declared in pyproject.toml (--strict-markers)."""
import os
import shutil
from pathlib import Path

import pytest

from tests.shared import SAMPLES, SHARED_DATA
from tests.shared import available as shared_available

BUILTIN_DEMO = Path(__file__).resolve().parent / "demo" / "content"


def pytest_collection_modifyitems(config, items):
    """Skip what this machine cannot run, unless CI demands it (KEXIANG_REQUIRE=integration,ffmpeg,...)."""
    required = {name.strip() for name in os.environ.get("KEXIANG_REQUIRE", "").split(",") if name.strip()}
    available = {
        "integration": bool(os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
        "ffmpeg": bool(shutil.which("ffmpeg") and shutil.which("ffprobe")),
        "browser": bool(shutil.which("chromium") or os.environ.get("KEXIANG_CHROMIUM")),
        "shared_data": shared_available(),
        "search": bool(os.environ.get("ELASTICSEARCH_URL")),
        "office": bool(shutil.which("soffice") and shutil.which("pdftoppm") and shutil.which("pdfinfo")),
        "nginx": bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
        "live": bool((shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) and shutil.which("ffmpeg")
                     and Path("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists()),
        "objectstore": bool(os.environ.get("AWS_S3_ENDPOINT_URL") and os.environ.get("AWS_ACCESS_KEY_ID")),
        "sso": bool(os.environ.get("KEXIANG_TEST_IDP") and os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT")
                    and os.environ.get("CAS_SERVER_URL")),
    }
    reasons = {
        "integration": "needs DATABASE_URL=postgres://… and REDIS_URL (see scripts/services/)",
        "ffmpeg": "needs ffmpeg and ffprobe on PATH",
        "browser": "needs Debian's chromium",
        "shared_data": f"needs {SHARED_DATA} and {SAMPLES} (the shared material beside the project)",
        "search": "needs ELASTICSEARCH_URL",
        "office": "needs LibreOffice and poppler (soffice, pdftoppm, pdfinfo)",
        "nginx": "needs Debian's nginx (apt-get install nginx)",
        "live": "needs nginx's RTMP module and ffmpeg (apt-get install nginx libnginx-mod-rtmp ffmpeg)",
        "objectstore": "needs an S3 API server: export the lines of scripts/services/s3.sh start",
        "sso": "needs the trial OpenID provider: export the lines of scripts/services/oidc.sh start",
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


SLOW_SECONDS = 10  # a test that takes longer carries the `slow` marker: `-m "not slow"` is the quick run
_took = {}


def pytest_runtest_logreport(report):
    """How long each test ran, for the list at the end of the run: its call, not its setup, which holds the
    session's own start (the test database, the app server, the browser) for whichever test comes first."""
    if report.when == "call":
        _took[report.nodeid] = [report.duration, "slow" in report.keywords]


def pytest_terminal_summary(terminalreporter):
    """Names the tests that took over SLOW_SECONDS without the `slow` marker (a shared machine is noisy:
    this lists, it does not fail)."""
    unmarked = sorted((seconds, nodeid) for nodeid, (seconds, slow) in _took.items()
                      if seconds > SLOW_SECONDS and not slow)
    if unmarked:
        terminalreporter.section(f"over {SLOW_SECONDS} s without the slow marker")
        for seconds, nodeid in reversed(unmarked):
            terminalreporter.write_line(f"{seconds:6.1f} s  {nodeid}")


@pytest.fixture
def media_root(settings, tmp_path):
    """Each test its own MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def upload_dir(settings, tmp_path):
    """Each test its own folder for uploads in progress (KEXIANG_UPLOAD_DIR; not made here)."""
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    return settings.KEXIANG_UPLOAD_DIR


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


@pytest.fixture
def english(client, settings):
    """The test client, asking for pages in English: sentences checked word for word are checked in English, so
    the zh-hans translation can change."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.deactivate()  # the middleware left English active in this thread; later tests expect Chinese


@pytest.fixture
def services_speak_english():
    """Service messages matched word for word (called in the test, not through a page) are matched in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def migration_data(request):
    """What the data migrations made (vocabulary, home page, moderation workflow), back for a transactional test.

    A transactional test ends by flushing every table, so the next one would start without them.
    pytest-django runs the other tests first, so only transactional tests need this.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage
    from resources.services import moderation_setup_ensure, vocabulary_seed

    vocabulary_seed()
    moderation_setup_ensure()
    from research.services.observations import scale_default_ensure

    scale_default_ensure()
    if not Page.objects.filter(depth=1).exists():
        locale, _created = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if not HomePage.objects.exists():  # as resources 0002 made it: the default site's root
        root = Page.objects.get(depth=1)
        home = root.add_child(instance=HomePage(title="课享", slug="home", locale_id=root.locale_id))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "课享 Kexiang"},
        )


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


@pytest.fixture
def object_store(settings, media_root, tmp_path):
    """Media and research files in the real S3 API server (tests/objectstore.py), under a prefix of this test's
    own; this machine's MEDIA_ROOT stays empty. Removes the test's objects afterwards."""
    from tests.objectstore import ObjectStore

    settings.KEXIANG_SCRATCH_DIR = tmp_path / "scratch"
    store = ObjectStore(settings).switch_on()
    yield store
    store.clean()
