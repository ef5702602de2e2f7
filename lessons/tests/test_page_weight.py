"""The lesson page's first load (HTML, CSS and JS, not video or poster) stays within 100 KB compressed."""
import gzip
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from lessons.tests.test_lesson_page import make_asset
from resources.models import ResourceType
from tests.factories import ResourceFactory, UserFactory

BUDGET = 100 * 1024


class FirstLoadAssets(HTMLParser):
    """The stylesheets and scripts a page makes the browser fetch on first load."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def compressed(data):
    return len(gzip.compress(data, compresslevel=6))


def same_origin_static(url):
    parts = urlsplit(url)
    assert not parts.netloc, f"{url}: the lesson page loads nothing from another origin"
    assert parts.path.startswith(settings.STATIC_URL), f"{url}: not a static file"
    path = finders.find(parts.path[len(settings.STATIC_URL):])
    assert path, f"{url}: not found by the static finders"
    with open(path, "rb") as file:
        return file.read()


def first_load_weight(html):
    parser = FirstLoadAssets()
    parser.feed(html.decode())
    sizes = {"(html)": compressed(html)}
    for url in parser.urls:
        sizes[url] = compressed(same_origin_static(url))
    return sizes


@pytest.mark.django_db
def test_the_lesson_page_is_at_most_100_kb_compressed_on_first_load(client, media_root):
    owner = UserFactory()
    lesson = ResourceFactory(resource_type=ResourceType.MICRO_LESSON, uploaded_by=owner, media_asset=make_asset(owner))
    response = client.get(reverse("lessons:lesson", args=[lesson.pk]))
    assert response.status_code == 200
    sizes = first_load_weight(response.content)
    assert any(url.endswith("js/player.js") for url in sizes)
    total = sum(sizes.values())
    print(f"\nlesson page first load: {total} bytes gzipped (budget {BUDGET}): {sizes}")
    assert total <= BUDGET, f"{total} bytes compressed > {BUDGET}: {sizes}"


def test_the_check_fails_when_hls_js_is_loaded_by_a_script_tag():
    """hls.js (about 120 KB compressed) in a <script> tag would break the budget: the check must see it."""
    html = b'<html><head><link rel="stylesheet" href="/static/css/player.css"></head><body>' \
           b'<script src="/static/vendor/hls.light.min.js"></script><script src="/static/js/player.js" defer></script></body></html>'
    assert sum(first_load_weight(html).values()) > BUDGET
