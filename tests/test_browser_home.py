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


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_signed_in_header_is_one_line_on_a_phone_with_a_menu_for_the_rest(live_server, language):
    from django.conf import settings

    from tests.browser import sign_in
    from tests.factories import UserFactory

    UserFactory(username="admin2", is_staff=True, is_superuser=True, role="school_admin")
    with phone_page() as page:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.goto(live_server.url + "/")  # a visitor's header: four links, no menu
        assert page.locator(".topbar").bounding_box()["height"] <= 60
        brand, first = page.locator(".brand").bounding_box(), page.locator(".topnav > a").first.bounding_box()
        assert brand["x"] + brand["width"] <= first["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        sign_in(page, live_server.url, "admin2", "/")
        bar = page.locator(".topbar").bounding_box()
        assert bar["height"] <= 60, "one line (two would be 90 px)"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        visible = [a for a in page.locator(".topnav > a, .topnav-button").all() if a.is_visible()]
        brand = page.locator(".brand").bounding_box()
        assert brand["x"] + brand["width"] <= visible[0].bounding_box()["x"], "nothing runs over the brand"
        for link in visible:  # each on the bar's line, none cut off at the right
            box = link.bounding_box()
            assert box["y"] >= bar["y"] and box["y"] + box["height"] <= bar["y"] + bar["height"]
            assert box["x"] + box["width"] <= PHONE["width"]
        assert not page.locator(".topnav-more a[href='/resources/upload/']").is_visible()
        heading = page.locator("main h1").bounding_box()
        screenshot(page, f"header-{language}-360x640")

        page.click(".topnav-button")  # the rest opens over the page: nothing below moves
        more = page.locator(".topnav-more")
        assert more.is_visible() and page.locator(".topnav-more a[href='/resources/upload/']").is_visible()
        assert page.locator("main h1").bounding_box() == heading
        assert page.locator(".topbar").bounding_box() == bar
        assert more.locator("button", has_text="退出" if language == "zh-hans" else "Sign out").is_visible()
        screenshot(page, f"header-{language}-menu-360x640")
        page.click(".topnav-more a[href='/resources/upload/']")
        page.wait_for_url("**/resources/upload/")
