"""The main pages in each language: no sentence of the other language outside what people wrote.

On the demo content (`load_demo_data`, the built-in set), each page is read as a reader sees it: its text and the
attributes a reader meets (placeholder, title, aria-label, alt, button values). In English, every Chinese word
must come from the content (titles, names, minutes: anything stored in the database, the national vocabulary
included); in Chinese, every English word must come from the content or be a name or technical term that has no
Chinese (PDF, iCalendar, Wagtail…)."""
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from accounts.models import User
from research.models import Activity, ResearchGroup, Thread
from resources.models import ChapterNode, Resource, Textbook

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
# Names and terms that are the same in Chinese pages: file formats, protocols, products, units, the language menu.
TERMS = {
    "pdf", "ppt", "pptx", "doc", "docx", "mp4", "mov", "mp3", "csv", "xlsx", "jpg", "png", "hls", "rtmp", "obs",
    "icalendar", "ics", "url", "wagtail", "kbit", "kexiang", "english", "larix", "streamlabs", "prism", "licc",
    "creative", "commons", "cc", "by", "nc", "sa", "nd", "api", "json", "app", "ios", "android", "wifi",
    "word", "powerpoint", "excel",
}
ADDRESS = re.compile(r"\S*/\S*")  # a URL or path shown as an example ("/resources/123/") is not a sentence
# A Chinese school term in brackets after English, glossing it ("Talk (专题报告)", "(示范课, 专题报告)"): deliberate,
# it is the word a reader meets at school.
GLOSS = re.compile(r"[（(][\s\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff、,，/]+[)）]")
# Shown in its own language on purpose: the language menu names each language in itself.
ENDONYMS = {"简体中文"}


class _Reader(HTMLParser):
    SKIP = {"script", "style", "template", "noscript"}
    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.parts, self._skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        values = dict(attrs)
        self.parts += [value for name, value in attrs if name in self.ATTRIBUTES and value]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def read(html):
    reader = _Reader()
    reader.feed(html)
    return "\n".join(reader.parts)


# Where what people and the catalogue wrote is kept: the platform's own tables, and the names an editor gives
# Wagtail pages, workflows and tasks. Not Django's or Wagtail's machinery (content types, permissions,
# revisions, logs), whose English would let any English word through.
CONTENT_APPS = {"accounts", "resources", "research", "live", "home", "lessons", "media_pipeline"}
CONTENT_MODELS = {("wagtailcore", "page"), ("wagtailcore", "workflow"), ("wagtailcore", "task")}


def stored_text() -> str:
    """Everything people and the catalogue wrote: every text column of the content tables, as one string."""
    values = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in CONTENT_APPS and (meta.app_label, meta.model_name) not in CONTENT_MODELS:
            continue
        fields = [f.attname for f in meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if fields and meta.managed:
            for row in model.objects.values_list(*fields):
                values += [str(value) for value in row if value]
    return read("\n".join(values))


@pytest.fixture
def demo(tmp_path):
    call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), allow_without_debug=True, stdout=StringIO())
    resource = Resource.objects.filter(chapter__isnull=False, uploaded_by__isnull=True).first()
    group = ResearchGroup.objects.get()
    return {
        "pages": [
            "/", "/resources/browse/", f"/resources/browse/primary/{resource.subject_id}/",
            f"/resources/textbook/{Textbook.objects.first().pk}/",
            f"/resources/chapter/{ChapterNode.objects.filter(kind='lesson').first().pk}/",
            f"/resources/{resource.pk}/", "/search/?q=秋天的雨", "/resources/upload/", "/resources/mine/",
            "/resources/prep/", "/research/", f"/research/groups/{group.pk}/",
            f"/research/activities/{Activity.objects.filter(group=group).first().pk}/",
            f"/research/threads/{Thread.objects.filter(group=group).first().pk}/", "/research/public/",
            f"/research/groups/{group.pk}/public/", "/research/hours/", "/research/notifications/",
            f"/research/groups/{group.pk}/reviews/", f"/research/groups/{group.pk}/observations/",
            f"/research/groups/{group.pk}/mentoring/", "/admin/", "/admin/workflows/list/",
        ],
        "content": stored_text(),
    }


def _pages(client, demo, language):
    client.cookies["django_language"] = language
    client.force_login(User.objects.get(username="admin"))  # a superuser reaches every page above
    for path in demo["pages"]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        yield path, read(response.content.decode())


def test_english_pages_have_no_chinese_outside_the_content(client, demo):
    content = demo["content"]
    found = {}
    for path, text in _pages(client, demo, "en"):
        for words in CHINESE.findall(GLOSS.sub(" ", text)):
            if words not in content and words not in ENDONYMS:
                found.setdefault(words, path)
    assert not found, f"Chinese in the English pages (text: first page): {found}"


def test_chinese_pages_have_no_english_outside_the_content(client, demo):
    content = demo["content"].lower()
    found = {}
    for path, text in _pages(client, demo, "zh-hans"):
        for word in ENGLISH.findall(ADDRESS.sub(" ", text)):
            if word.lower() not in TERMS and word.lower() not in content:
                found.setdefault(word, path)
    assert not found, f"English in the Chinese pages (word: first page): {found}"
