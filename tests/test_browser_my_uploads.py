"""A teacher manages her own uploads on the site at 360x640 (issue 20, "teachers cannot manage their own
uploads"): change and resubmit what a reviewer sent back, replace the file of a video that failed, delete, and put a
recording uploaded on its own into the library. Screenshots in test-artifacts/walkthrough-my-uploads-*.png."""
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import TaskState

from accounts.models import User
from media_pipeline.models import MediaAsset
from resources.models import Resource
from resources.services import resource_moderation_status, resource_submit_for_moderation
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import ResourceFactory, UserFactory
from tests.library_helpers import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"


def test_a_teacher_resubmits_replaces_deletes_and_shares_her_recording_on_a_phone(live_server, settings, tmp_path,
                                                                                    media_root):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory(username="zhangfang", full_name="张芳")
    sent_back = ResourceFactory(title="古诗三首 教案", visibility="school", school=teacher.school, uploaded_by=teacher,
                                licence="CC-BY-4.0")
    resource_submit_for_moderation(resource=sent_back, user=teacher)
    moderator = Client()
    moderator.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=teacher.school))
    task_state = TaskState.objects.get(workflow_state__object_id=str(sent_back.pk), status="in_progress")
    assert moderator.post(reverse("wagtailsnippets_resources_resource:workflow_action",
                                  args=[sent_back.pk, "reject", task_state.pk]), {"comment": "请补充教学目标"}).status_code == 302
    failed = MediaAsset.objects.create(owner=teacher, title="实录.mp4", source_path="/nowhere/bad.mp4",
                                       state=MediaAsset.State.FAILED, error_message="The file holds no picture and no sound: it may be damaged or cut off. Upload the original again.")
    broken = ResourceFactory(title="秋天的雨 微课", resource_type="micro_lesson", media_asset=failed, uploaded_by=teacher,
                             school=teacher.school, visibility="school", licence="CC-BY-4.0")
    recording = MediaAsset.objects.create(owner=teacher, title="三年级语文课堂实录", source_path="/nowhere/x.mp4",
                                          state=MediaAsset.State.READY, variants=[{"height": 360}], duration=75)
    pdf = make_pdf(tmp_path / "教案.pdf", pages=2)

    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/resources/mine/")
        _fits(page)
        screenshot(page, "walkthrough-my-uploads-list")
        # 1. sent back: change it and resubmit, from the list
        page.click(f"a[href='/resources/{sent_back.pk}/edit/']")
        assert "请补充教学目标" in page.inner_text("main")
        page.fill("#id_title", "古诗三首 教案（含教学目标）")
        _fits(page)
        screenshot(page, "walkthrough-my-uploads-resubmit")
        page.click("#save")
        page.wait_for_url(f"**/resources/{sent_back.pk}/")
        assert "等待审核" in page.inner_text("main")

        # 2. the video that failed: replace its file (here with the lesson plan as a PDF)
        page.goto(f"{live_server.url}/resources/{broken.pk}/")
        notice = page.locator(".media-failed")
        assert "替换文件" in notice.inner_text()
        screenshot(page, "walkthrough-my-uploads-failed-video")
        notice.locator("a", has_text="替换文件").click()
        page.wait_for_url(f"**/resources/{broken.pk}/edit/#file-step")
        page.select_option("#id_resource_type", "lesson_plan")
        page.set_input_files("#file", str(pdf))
        page.click("#save")  # (waits for the upload, then saves)
        page.wait_for_url(lambda url: urlsplit(url).path == f"/resources/{broken.pk}/", timeout=60_000)
        assert "下载" in page.inner_text(".actions")

        # 3. delete it after all
        page.click(f"a[href='/resources/{broken.pk}/delete/']")
        assert "无法恢复" in page.inner_text("main")
        _fits(page)
        screenshot(page, "walkthrough-my-uploads-delete")
        page.click("form button.danger")
        page.wait_for_url("**/resources/mine/")
        assert "已删除" in page.inner_text("main")

        # 4. the recording uploaded on its own, from its page to the library
        page.goto(f"{live_server.url}/my/media/{recording.uid}/")
        page.click(f"a[href='/resources/share/{recording.uid}/']")
        assert "三年级语文课堂实录" in page.inner_text("#file-step")
        page.fill("#id_title", "秋天的雨 课堂实录")
        page.click("details.without-chapter summary")
        page.select_option("#id_subject", label="语文")
        _fits(page)
        screenshot(page, "walkthrough-my-uploads-share-recording")
        page.click("#save")
        page.wait_for_url("**/resources/*/")
        assert page.inner_text("h1") == "秋天的雨 课堂实录"

    sent_back.refresh_from_db()
    assert sent_back.title == "古诗三首 教案（含教学目标）"
    assert resource_moderation_status(resource=sent_back)[0] == "in_progress"
    assert not Resource.objects.filter(pk=broken.pk).exists() and not MediaAsset.objects.filter(pk=failed.pk).exists()
    assert Resource.objects.get(media_asset=recording).uploaded_by == teacher
