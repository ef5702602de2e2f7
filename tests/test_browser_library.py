"""The upload form and a resource page on a 360x640 phone, in headless Chromium (screenshots in test-artifacts/)."""
import pytest

from resources.models import Resource
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import UserFactory
from tests.library_helpers import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth"


@pytest.mark.office
def test_a_teacher_shares_a_pdf_from_a_phone(live_server, media_root, settings, tmp_path):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    UserFactory(username="phone-teacher", full_name="张芳")
    pdf = make_pdf(tmp_path / "秋天的雨 讲义.pdf", pages=2)
    with phone_page() as page:
        sign_in(page, live_server.url, "phone-teacher", "/resources/upload/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "library-upload-empty-360x640")

        page.set_input_files("#file", str(pdf))
        page.wait_for_selector("#file-done:not([hidden])", timeout=30_000)
        assert page.locator("#upload-bar").get_attribute("value") == "100"
        assert page.input_value("#id_title") == "秋天的雨 讲义", "the file name fills an empty title"
        page.locator("details.without-chapter > summary").click()
        page.select_option("#id_subject", label="语文")
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "library-upload-filled-360x640")

        page.click("#save")
        page.wait_for_url("**/resources/*/")
        page.wait_for_selector(".preview-pages img", timeout=60_000)  # the page follows the preview and reloads
        assert page.locator(".preview-pages img").count() == 2
        assert page.locator("a.button", has_text="下载").is_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "library-resource-page-360x640")
    resource = Resource.objects.get(title="秋天的雨 讲义")
    assert resource.resource_type == "courseware", "a PDF is not filed as a micro-lesson"
    assert resource.original_filename == "秋天的雨 讲义.pdf" and resource.attachment
