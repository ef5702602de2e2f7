"""Browsing the library on a 360x640 phone, and the upload form's chapter picker, in headless Chromium.
Screenshots land in test-artifacts/browse-*-360x640.png."""
import pytest
from django.urls import include, path

from config import urls as site_urls
from resources.models import ChapterNode, Edition, Grade, Resource, ResourceType, Stage, Subject, Textbook, Volume
from tests.browser import PHONE, phone_page, screenshot
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The chapter API is mounted at /api/v1/ by config/urls.py; until it is, this module mounts it for the picker test.
if any(getattr(p, "namespace", None) == "resources_api" for p in site_urls.urlpatterns):
    urlpatterns = site_urls.urlpatterns
else:
    urlpatterns = [path("api/v1/", include("resources.api_urls"))] + site_urls.urlpatterns

SIDEWAYS = "document.scrollingElement.scrollWidth"
# Visible links and buttons smaller than a fingertip (the footer's language switch is the shell's, not ours; a
# resource's whole card is its link's target).
SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main summary, main button')]
  .filter(el => el.offsetParent !== null && !el.closest('.crumbs'))
  .map(el => [el.textContent.trim().slice(0, 20), (el.closest('.resource') || el).getBoundingClientRect().height])
  .filter(([, h]) => h < 36)"""


def library():
    primary, chinese = Stage.objects.get(code="primary"), Subject.objects.get(name="语文")
    grade, upper, lower = Grade.objects.get(name="三年级"), Volume.objects.get(name="上册"), Volume.objects.get(name="下册")
    tongbian, renjiao = Edition.objects.get(name="统编版"), Edition.objects.get(name="人教版")

    def book(edition, volume, ext):
        return Textbook.objects.create(
            external_id=ext, title=f"小学语文{edition}三年级{volume}", stage=primary, subject=chinese, edition=edition,
            grade=grade, volume=volume, curriculum="新教材",
        )

    upper_book = book(tongbian, upper, "b1")
    book(tongbian, lower, "b2")  # no resources yet: listed, dimmed
    book(renjiao, upper, "b3")
    nodes = {}

    def node(title, parent=None, kind=ChapterNode.Kind.LESSON, position=0):
        nodes[title] = ChapterNode.objects.create(
            external_id=f"n{len(nodes)}", textbook=upper_book, parent=parent, title=title, kind=kind,
            depth=parent.depth + 1 if parent else 1, position=position, path=f"{parent.path} > {title}" if parent else title,
        )
        return nodes[title]

    unit1 = node("第一单元", kind=ChapterNode.Kind.UNIT, position=1)
    for i, title in enumerate(["1 大青树下的小学", "2 花的学校", "3 不懂就要问", "语文园地"]):
        node(title, unit1, position=i)
    unit2 = node("第二单元", kind=ChapterNode.Kind.UNIT, position=2)
    poems = node("4 古诗三首", unit2, position=0)
    for i, title in enumerate(["山行", "赠刘景文", "夜书所见"]):
        node(title, poems, kind=ChapterNode.Kind.PIECE, position=i)
    node("5 铺满金色巴掌的水泥道", unit2, position=1)
    node("6 秋天的雨", unit2, position=2)

    def resource(chapter, title, kind, **extra):
        return ResourceFactory(
            title=title, resource_type=kind, chapter=chapter, textbook=upper_book, stage=primary, subject=chinese,
            grade=grade, edition=tongbian, volume=upper, textbook_title=upper_book.title,
            chapter_path=chapter.path.split(" > "), lesson_title=chapter.title, **extra,
        )

    resource(nodes["6 秋天的雨"], "秋天的雨 教学设计（第一课时）：读出秋天的颜色、气味和声音", ResourceType.LESSON_PLAN)
    resource(nodes["6 秋天的雨"], "秋天的雨 课件", ResourceType.COURSEWARE)
    resource(nodes["山行"], "山行 微课", ResourceType.MICRO_LESSON)
    resource(nodes["1 大青树下的小学"], "大青树下的小学 课件", ResourceType.COURSEWARE)
    # Someone's private worksheet: a reader never counts or sees it.
    resource(nodes["6 秋天的雨"], "秋天的雨 私人任务单", ResourceType.WORKSHEET, visibility=Resource.Visibility.PRIVATE)
    return upper_book


def check_fits(page, name):
    assert page.evaluate(SIDEWAYS) <= PHONE["width"], f"{name}: the page scrolls sideways"
    assert page.evaluate(SMALL_TARGETS) == [], f"{name}: tap targets under 36 px"
    screenshot(page, f"browse-{name}-360x640")


def test_a_reader_browses_down_to_a_lesson_and_opens_a_resource(live_server):
    library()
    with phone_page() as page:
        page.goto(live_server.url + "/resources/browse/")
        primary = page.locator("#stage-primary")
        subject = primary.locator(".subject-grid a", has_text="语文")
        assert subject.is_visible() and subject.locator(".count").inner_text() == "4"
        assert subject.bounding_box()["y"] < PHONE["height"], "the first stage's subjects are on the first screen"
        check_fits(page, "home")

        subject.tap()
        page.wait_for_url("**/resources/browse/primary/*/")
        edition = page.locator("details.edition", has_text="统编版")
        assert edition.get_attribute("open") is not None
        upper = edition.locator(".book-list a", has_text="三年级 上册")
        lower = edition.locator(".book-list a", has_text="三年级 下册")
        assert upper.locator(".count").inner_text() == "4"
        assert lower.is_hidden(), "a book without resources waits behind 显示全部"
        check_fits(page, "subject")
        edition.locator("details.more-books > summary").tap()
        assert lower.is_visible() and lower.locator(".count").inner_text() == "0"
        assert "zero" in (lower.get_attribute("class") or ""), "and is dimmed there"

        upper.tap()
        page.wait_for_url("**/resources/textbook/*/")
        assert page.locator(".crumbs", has_text="统编版").is_visible()
        unit = page.locator("details.chapter-node", has_text="第二单元").first
        unit_summary = unit.locator("> summary")
        assert unit_summary.locator(".count").inner_text() == "3"
        lesson = unit.locator(".chapter-leaf", has_text="6 秋天的雨")
        assert lesson.is_hidden(), "units start closed"
        check_fits(page, "textbook")

        unit_summary.tap()
        lesson.wait_for()
        assert lesson.locator(".count").inner_text() == "2"
        unit.locator("details.chapter-node > summary", has_text="4 古诗三首").tap()
        assert unit.locator(".chapter-leaf", has_text="山行").is_visible()
        check_fits(page, "textbook-open")

        lesson.tap()
        page.wait_for_url("**/resources/chapter/*/")
        items = page.locator(".lesson-card .lesson-type-list a")  # one card, its types in order
        assert page.locator(".lesson-card").count() == 1
        assert items.all_inner_texts() == ["秋天的雨 教学设计（第一课时）：读出秋天的颜色、气味和声音", "秋天的雨 课件"]
        crumbs = page.locator(".crumbs")
        for label in ("小学", "语文", "统编版", "三年级 上册", "第二单元"):
            assert crumbs.locator("a", has_text=label).count() == 1
        assert page.locator(".browse-search a").get_attribute("href").startswith("/search/?chapter=")
        check_fits(page, "chapter")

        items.first.tap()
        page.wait_for_url("**/resources/*/")
        assert page.locator("h1", has_text="秋天的雨 教学设计").is_visible()
        assert page.evaluate(SIDEWAYS) <= PHONE["width"]
        screenshot(page, "browse-resource-360x640")


PICKER_FORM = """<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/css/site.css">
</head><body><main class="page"><form method="get" action="/picker-sent/" class="stacked">
<input type="hidden" name="chapter" value="">
<p><label for="book">教材</label><select id="book" name="textbook"><option value="">全部</option>{options}</select></p>
<p><label for="chapter-text">章节</label>
<input id="chapter-text" type="text" data-chapter-picker="/api/v1/chapters" data-textbook-select="#book" placeholder="输入课文名，如 秋天的雨"></p>
<button type="submit">保存</button></form></main><script src="/static/js/lib/combobox.js"></script><script src="/static/js/chapter-picker.js"></script></body></html>"""


@pytest.mark.urls(__name__)
def test_the_chapter_picker_on_a_small_phone(live_server):
    upper_book = library()
    options = "".join(f'<option value="{b.pk}">{b.title}</option>' for b in Textbook.objects.all())
    # No database calls inside Playwright's event loop.
    chapter, poems = ChapterNode.objects.get(title="6 秋天的雨"), ChapterNode.objects.get(title="4 古诗三首")
    with phone_page() as page:
        page.route("**/picker-demo/", lambda route: route.fulfill(body=PICKER_FORM.format(options=options), content_type="text/html"))
        page.goto(live_server.url + "/picker-demo/")
        box = page.locator("#chapter-text")
        assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
        box.tap()
        box.type("秋天")
        options_ = page.locator("#chapter-text-options [role=option]")
        options_.first.wait_for()
        assert box.get_attribute("aria-expanded") == "true"
        assert options_.first.inner_text().startswith("6 秋天的雨")
        assert "统编版 三年级 上册（新教材） › 第二单元" in options_.first.inner_text()  # with the book's version
        assert page.evaluate(SIDEWAYS) <= PHONE["width"]
        screenshot(page, "browse-picker-list-360x640")

        box.press("ArrowDown")
        assert options_.first.get_attribute("aria-selected") == "true"
        assert box.get_attribute("aria-activedescendant") == options_.first.get_attribute("id")
        box.press("Escape")
        assert page.locator("#chapter-text-options").is_hidden()

        box.fill("")
        box.type("秋天")
        options_.first.wait_for()
        options_.first.tap()
        assert page.locator("input[name=chapter]").input_value() == str(chapter.pk)
        assert box.input_value() == "6 秋天的雨"
        assert page.locator("#book").input_value() == str(upper_book.pk), "the book select follows the chapter"
        picked = page.locator(".chapter-picked")
        assert picked.is_visible() and "第二单元 › 6 秋天的雨" in picked.inner_text()
        assert page.evaluate(SIDEWAYS) <= PHONE["width"]
        screenshot(page, "browse-picker-chosen-360x640")

        # The clear button empties both; typing something else after a choice forgets it.
        picked.locator("button").tap()
        assert page.locator("input[name=chapter]").input_value() == "" and box.input_value() == ""
        assert picked.is_hidden()
        box.type("古诗")
        options_.first.wait_for()
        box.press("Enter")  # the first match
        assert page.locator("input[name=chapter]").input_value() == str(poems.pk)
        assert page.url.endswith("/picker-demo/"), "Enter picks; it does not send the form"
        box.type("x")
        assert page.locator("input[name=chapter]").input_value() == ""
        assert picked.is_hidden()
