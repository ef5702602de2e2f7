"""The search page on a 360x640 phone, in headless Chromium. Screenshots land in test-artifacts/."""
import pytest

from resources.models import Edition, Grade, ResourceType, Stage, Volume
from tests.browser import PHONE, phone_page, screenshot
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth"


def library():
    senior = Stage.objects.get(code="senior")
    grade = Grade.objects.get(name="高一")
    edition = Edition.objects.get(name="统编版")
    volume = Volume.objects.get(name="必修 第一册")
    common = {"stage": senior, "grade": grade, "edition": edition, "volume": volume, "lesson_title": "说“木叶”"}
    ResourceFactory(
        title="说“木叶” 课件（第一课时）：从“木叶”到“落木”的意象分析", resource_type=ResourceType.COURSEWARE,
        chapter_path=["第三单元 古诗词诵读与文学评论", "9 说“木叶”"], authors=["林老师", "王老师"], **common,
    )
    ResourceFactory(title="说“木叶” 教学设计", resource_type=ResourceType.LESSON_PLAN, authors=["陈老师"], **common)
    ResourceFactory(title="说“木叶” 课后练习", resource_type=ResourceType.EXERCISE, **common)
    ResourceFactory(title="秋天的雨 教学设计", resource_type=ResourceType.LESSON_PLAN)
    ResourceFactory(title="说和做 教案", lesson_title="说和做——记闻一多先生言行片段", resource_type=ResourceType.LESSON_PLAN)


def test_a_teacher_searches_on_a_small_phone(live_server):
    library()
    with phone_page() as page:
        page.goto(live_server.url + "/search/?q=说木叶")
        title = page.locator(".result .title mark").first
        title.wait_for()
        assert title.is_visible(), "the highlighted title of the first result is on the first screen"
        box = page.locator(".result").first.bounding_box()
        assert box["y"] < PHONE["height"]
        assert page.locator(".result-count", has_text="共 3 条结果").is_visible()
        assert page.locator(".result .title", has_text="秋天的雨").count() == 0
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "search-results-360x640")

        page.locator("details.filters > summary").click()
        assert page.locator("details.facet-grade a", has_text="高一").is_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "search-filters-open-360x640")

        page.locator(".type-filter a[data-value=courseware]").tap()
        page.wait_for_url("**/search/?*type=courseware*")
        assert "q=" in page.url and "page=" not in page.url
        assert page.locator(".result-count", has_text="共 1 条结果").is_visible()
        assert page.locator(".active-filters .chip", has_text="类型：课件").is_visible()
        assert page.locator(".result .type", has_text="课件").count() == 1
        assert page.locator(".type-filter").count() == 0, "the chip above replaces the type row"
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "search-type-filter-360x640")

        search = page.locator("input[name=q]")
        search.fill("")
        search.type("说")
        options = page.locator("#q-suggestions [role=option]")
        options.first.wait_for()
        assert page.locator("#q-suggestions").is_visible()
        assert search.get_attribute("aria-expanded") == "true"
        assert options.count() >= 2 and all("说" in text for text in options.all_inner_texts())
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "search-suggestions-360x640")

        # Keyboard: the arrow picks an option, Escape closes the list.
        search.press("ArrowDown")
        assert options.first.get_attribute("aria-selected") == "true"
        search.press("Escape")
        assert page.locator("#q-suggestions").is_hidden()

        # A tap on a suggestion searches for it.
        search.fill("")
        search.type("说")
        options.first.wait_for()
        chosen = options.first.inner_text()
        with page.expect_navigation():
            options.first.tap()
        assert "type=" not in page.url, "a new search starts without the old filters"
        assert search.input_value() == chosen
        assert page.locator(".result").count() >= 1


def test_what_the_query_was_read_as_and_nothing_found_on_a_small_phone(live_server):
    library()
    with phone_page() as page:
        # 课件 is read as a type, 三年级 as a grade; no 三年级 resource has the words, so the grade is dropped.
        page.goto(live_server.url + "/search/?q=说木叶 课件 三年级")
        assert page.locator(".understood .chip", has_text="类型：课件").is_visible()
        assert page.locator(".notice", has_text="没有同时满足年级/学科的结果").is_visible()
        assert page.locator(".result .title", has_text="课件（第一课时）").is_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "search-understood-relaxed-360x640")

        page.goto(live_server.url + "/search/?q=不存在的课文名称&type=courseware")
        assert page.locator(".empty-state", has_text="没有找到").is_visible()
        assert page.locator(".empty-state a", has_text="去掉筛选条件再搜一次").is_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "search-empty-360x640")

        page.goto(live_server.url + "/search/?q=说木叶&page_size=abc")
        assert page.locator(".notice.error[role=alert]").is_visible()
        assert page.locator(".result").count() == 3
        screenshot(page, "search-error-360x640")
