"""The home page on a 360x640 phone, in headless Chromium. Screenshots land in test-artifacts/."""
import pytest

from tests.browser import PHONE, phone_page, screenshot
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_uses_the_home_page_on_a_small_phone(live_server):
    ResourceFactory(title="古诗三首 课件")
    ResourceFactory(title="秋天的雨 教学设计")
    with phone_page() as page:
        page.goto(live_server.url + "/")
        # Nothing wider than the screen: no sideways scrolling on a 360 px phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        search = page.locator("input[name=q]")
        box = search.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "the search box is in the first screen"
        assert page.locator("h2", has_text="按学段和学科浏览").is_visible()
        assert page.locator("summary", has_text="初中").is_visible()
        screenshot(page, "home-360x640")

        search.fill("古诗")
        search.press("Enter")
        page.wait_for_url("**/search/?q=*")
        assert page.locator(".result .title", has_text="古诗三首 课件").is_visible()
        assert page.locator(".result .title", has_text="秋天的雨").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "search-360x640")

        page.locator(".result a").first.click()
        assert page.locator("h1", has_text="古诗三首 课件").is_visible()
        screenshot(page, "resource-360x640")
