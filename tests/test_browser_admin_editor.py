"""The resource's Wagtail editor with the whole national catalogue (issue 20), in headless Chromium at a desktop
viewport (the admin is desktop-first): an editor finds a chapter by typing its Chinese title into the chapter
chooser, sees which print of the book each is (新教材/旧教材), adds the same lesson in another edition and
saves. Screenshots in test-artifacts/walkthrough-admin-editor*.png."""
import contextlib
import os
import shutil
import tempfile

import pytest

from tests.browser import CHROMIUM_ARGS, screenshot, sign_in, wait_for
from tests.factories import ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.shared_data, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 800}


@contextlib.contextmanager
def desktop_page():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("KEXIANG_CHROMIUM") or shutil.which("chromium")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS, viewport=DESKTOP,
            locale="zh-CN",
        )
        try:
            yield browser.pages[0] if browser.pages else browser.new_page()
        finally:
            browser.close()


def _choose_in_modal(page, opener, query, row_text):
    """Open a chooser, type `query` into its search box and pick the first row that says `row_text`."""
    page.click(opener)
    modal = page.locator(".modal-dialog")
    modal.locator("input[name=q]").wait_for()
    modal.locator("input[name=q]").fill(query)
    rows = modal.locator("tbody tr", has_text=row_text)
    wait_for(lambda: rows.count() > 0 and query in rows.first.inner_text(), 15, page)
    return modal, rows


def _show_the_choosers(page):
    """The textbook and chapter fields in view, once the chooser modal has gone."""
    wait_for(lambda: page.locator(".modal-backdrop, .modal.show").count() == 0, 10, page)
    page.locator("#id_textbook-chooser").scroll_into_view_if_needed()


def test_an_editor_finds_a_chapter_by_its_title_and_saves(live_server):
    from resources.catalogue import read_catalogue
    from resources.models import ChapterNode
    from resources.services import textbooks_import
    from tests.shared import SHARED_DATA

    textbooks_import(catalogue=read_catalogue(SHARED_DATA))
    new = ChapterNode.objects.get(title="4 古诗三首", textbook__title="新教材-小学语文统编版三年级上册")
    old = ChapterNode.objects.get(title="4 古诗三首", textbook__title="小学语文统编版三年级上册")
    UserFactory(username="editor", is_superuser=True, is_staff=True, school=None)
    resource = ResourceFactory(title="古诗三首 课件")
    edit = f"/admin/snippets/resources/resource/edit/{resource.pk}/"

    with desktop_page() as page:
        sign_in(page, live_server.url, "editor", edit)
        assert page.locator("select[name=chapter], select[name=textbook], select[name=also_chapters]").count() == 0

        modal, rows = _choose_in_modal(page, "#id_chapter-chooser .chooser__choose-button", "古诗三首", "新教材")
        first = modal.locator("tbody tr").first.inner_text()
        assert "新教材" in first and "三年级 上册" in first  # the current print first, named as such
        screenshot(page, "walkthrough-admin-editor-chapter-chooser")
        rows.filter(has_text="三年级 上册").filter(has_text="第二单元").first.locator("a").click()
        title = page.locator("#id_chapter-chooser [data-chooser-title]")
        wait_for(lambda: "古诗三首" in title.inner_text(), 10, page)
        assert "新教材" in title.inner_text()

        # the same lesson in the older print, as another edition's chapter
        modal, rows = _choose_in_modal(page, "#id_also_chapters_0-chooser .chooser__choose-button", "古诗三首",
                                       "旧教材")
        rows.filter(has_text="三年级 上册").filter(has_text="第二单元").first.locator("a").click()
        also = page.locator("#id_also_chapters_0-chooser [data-chooser-title]")
        wait_for(lambda: "旧教材" in also.inner_text(), 10, page)
        _show_the_choosers(page)
        screenshot(page, "walkthrough-admin-editor-chosen")

        publish = page.locator("footer button[name=action-publish]")  # in the menu beside 保存草稿
        if not publish.is_visible():
            page.click("footer [data-w-dropdown-target=toggle]")
        with page.expect_navigation():
            publish.click()
        assert page.locator(".messages .success").count() == 1, page.inner_text(".messages")  # to the list
        page.goto(live_server.url + edit)
        assert "新教材" in page.locator("#id_chapter-chooser [data-chooser-title]").inner_text()  # saved, shown again
        assert "旧教材" in page.locator("#id_also_chapters_0-chooser [data-chooser-title]").inner_text()
        assert "三年级 上册" in page.locator("#id_textbook-chooser [data-chooser-title]").inner_text()  # its book
        _show_the_choosers(page)
        screenshot(page, "walkthrough-admin-editor-saved")

    resource.refresh_from_db()
    assert (resource.textbook_id, resource.chapter_id) == (new.textbook_id, new.pk)
    assert list(resource.also_chapters.all()) == [old]
