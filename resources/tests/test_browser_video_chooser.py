"""A school admin picks a resource's video in the Wagtail editor on a phone (360x640): the chooser lists her
school's videos, newest first, named with who uploaded them and how long they are; another school's are not there.
Screenshots in test-artifacts/admin-video-chooser*.png."""
import pytest

from accounts.models import User
from media_pipeline.models import MediaAsset
from tests.browser import phone_page, screenshot, sign_in, wait_for
from tests.factories import ResourceFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_school_admin_chooses_her_schools_video_on_a_phone(live_server):
    school = SchoolFactory()
    admin = UserFactory(username="adm", full_name="赵校长", role=User.Role.SCHOOL_ADMIN, school=school,
                        is_staff=True)
    resource = ResourceFactory(title="古诗三首 课件", school=school, uploaded_by=admin)
    for i in range(3):
        MediaAsset.objects.create(owner=admin, title=f"第{i}节 录像", source_path="/dev/null", duration=125)
    MediaAsset.objects.create(owner=UserFactory(), title="别校的录像", source_path="/dev/null")
    with phone_page() as page:
        sign_in(page, live_server.url, "adm", f"/admin/snippets/resources/resource/edit/{resource.pk}/")
        page.locator("#id_media_asset-chooser .unchosen button").first.click()
        page.wait_for_selector(".modal a:has-text('第1节 录像')")
        modal = page.inner_text(".modal")
        assert "第2节 录像" in modal and "第0节 录像" in modal and "别校的录像" not in modal
        assert modal.index("第2节") < modal.index("第0节"), "newest first"
        screenshot(page, "admin-video-chooser")
        page.locator(".modal a:has-text('第1节 录像')").first.click()
        wait_for(lambda: "第1节 录像" in page.inner_text("#id_media_asset-chooser"), 10, page)
        assert "赵校长 · 02:05" in page.inner_text("#id_media_asset-chooser")
        chosen = page.input_value("input[name=media_asset]")
        screenshot(page, "admin-video-chosen")
    assert MediaAsset.objects.get(pk=chosen).title == "第1节 录像"
