"""A teacher manages what she shared, on the site (the Wagtail admin is not hers): edit, resubmit after 退回修改,
replace the file, delete; and a recording uploaded on its own becomes a resource."""
import re

import pytest
from django.urls import reverse
from wagtail.models import TaskState

from accounts.models import User
from media_pipeline.models import MediaAsset
from resources.models import Resource
from resources.services import resource_moderation_status
from tests.factories import ResourceFactory, UserFactory
from tests.library_helpers import make_pdf, tus_upload

pytestmark = [pytest.mark.django_db]
EN = {}


@pytest.fixture
def teacher(client, settings, tmp_path, media_root):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    user = UserFactory(full_name="李伟")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def share(client, tmp_path, *, title="秋天的雨 讲义", visibility="school", name="讲义.pdf"):
    data = make_pdf(tmp_path / "v1.pdf", pages=3).read_bytes()
    upload_id = tus_upload(client, data, name, "application/pdf")
    response = client.post(reverse("resources:upload"), {
        "upload_id": upload_id, "title": title, "resource_type": "courseware", "subject": 1,
        "visibility": visibility, "licence": "CC-BY-4.0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Resource.objects.get(external_id=f"upload:{upload_id}"), data


def edit(client, resource, **fields):
    data = {"title": resource.title, "resource_type": resource.resource_type, "subject": resource.subject_id or 1,
            "visibility": resource.visibility, "licence": resource.licence or "CC-BY-4.0", **fields}
    return client.post(reverse("resources:edit", args=[resource.pk]), {k: v for k, v in data.items() if v is not None})


def moderate(client, resource, action, comment=""):
    moderator = UserFactory(role=User.Role.SCHOOL_ADMIN, school=resource.school)
    client.force_login(moderator)
    task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
    url = reverse("wagtailsnippets_resources_resource:workflow_action", args=[resource.pk, action, task_state.pk])
    assert client.post(url, {"comment": comment}).status_code == 302


def test_the_uploader_changes_the_details_and_nobody_else_may(client, teacher, tmp_path):
    resource, _data = share(client, tmp_path)
    page = client.get(reverse("resources:edit", args=[resource.pk])).content.decode()
    assert 'value="秋天的雨 讲义"' in page and "Replace it with another file (optional)" in page
    assert edit(client, resource, title="秋天的雨 讲义（修订）", tags="朗读 秋天").status_code == 302
    resource.refresh_from_db()
    assert resource.title == "秋天的雨 讲义（修订）" and resource.tags == ["朗读", "秋天"]
    detail = client.get(resource.get_absolute_url()).content.decode()
    assert reverse("resources:edit", args=[resource.pk]) in detail and reverse("resources:delete", args=[resource.pk]) in detail

    colleague = UserFactory(school=teacher.school)
    client.force_login(colleague)
    assert reverse("resources:edit", args=[resource.pk]) not in client.get(resource.get_absolute_url()).content.decode()
    assert client.get(reverse("resources:edit", args=[resource.pk])).status_code == 404
    assert edit(client, resource, title="别人改的").status_code == 404
    assert client.post(reverse("resources:delete", args=[resource.pk])).status_code == 404
    resource.refresh_from_db()
    assert resource.title == "秋天的雨 讲义（修订）"


def test_sent_back_for_changes_she_edits_and_resubmits_and_the_approval_publishes_her_changes(client, teacher,
                                                                                                tmp_path):
    resource, _data = share(client, tmp_path, visibility="public")
    moderate(client, resource, "reject", "请补充教学目标")
    client.force_login(teacher)
    detail = client.get(resource.get_absolute_url()).content.decode()
    assert "请补充教学目标" in detail and "Change and resubmit" in detail
    form = client.get(reverse("resources:edit", args=[resource.pk])).content.decode()
    assert "请补充教学目标" in form and "Save and resubmit" in form
    assert re.search(r'<input[^>]*value="public"[^>]*checked', form), "she asked for public: it stays asked"

    assert edit(client, resource, title="秋天的雨 讲义（含教学目标）", visibility="public").status_code == 302
    resource.refresh_from_db()
    assert resource_moderation_status(resource=resource)[0] == "in_progress"
    assert resource.visibility == "school" and resource.title == "秋天的雨 讲义（含教学目标）"

    moderate(client, resource, "approve")
    resource.refresh_from_db()
    assert resource.visibility == "public" and resource.title == "秋天的雨 讲义（含教学目标）"


def test_a_change_while_waiting_is_what_the_moderator_approves(client, teacher, tmp_path):
    resource, _data = share(client, tmp_path, visibility="public")
    assert edit(client, resource, title="秋天的雨 讲义 第二版", visibility="public").status_code == 302
    moderate(client, resource, "approve")
    resource.refresh_from_db()
    assert resource.visibility == "public" and resource.title == "秋天的雨 讲义 第二版"


def test_asking_for_less_than_public_withdraws_the_waiting_review(client, teacher, tmp_path):
    resource, _data = share(client, tmp_path, visibility="public")
    assert edit(client, resource, visibility="school").status_code == 302
    resource.refresh_from_db()
    assert resource.visibility == "school" and resource_moderation_status(resource=resource)[0] == "cancelled"
    assert not TaskState.objects.filter(workflow_state__object_id=str(resource.pk), status="in_progress").exists()


def test_a_new_file_replaces_the_old_one_which_is_deleted(client, teacher, tmp_path, media_root,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resource, _old_data = share(client, tmp_path)
    resource.refresh_from_db()
    old_name, old_pages = resource.attachment.name, list(resource.preview_pages)
    new_data = make_pdf(tmp_path / "v2.pdf", pages=2).read_bytes()
    upload_id = tus_upload(client, new_data, "讲义第二版.pdf", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        assert edit(client, resource, upload_id=upload_id).status_code == 302
    resource.refresh_from_db()
    assert resource.attachment.read() == new_data and resource.original_filename == "讲义第二版.pdf"
    assert resource.attachment.name != old_name and not (media_root / old_name).exists()
    assert len(old_pages) == 3 and len(resource.preview_pages) == 2  # the new file's pages,
    assert not any((media_root / name).exists() for name in old_pages)  # and the old ones are gone


def test_a_new_file_for_a_public_resource_is_reviewed_again(client, teacher, tmp_path):
    resource, _data = share(client, tmp_path, visibility="public")
    moderate(client, resource, "approve")
    client.force_login(teacher)
    resource.refresh_from_db()
    assert resource.visibility == "public"
    assert edit(client, resource, title="只改标题").status_code == 302  # details of a public resource: at once
    resource.refresh_from_db()
    assert resource.visibility == "public" and resource.title == "只改标题"

    upload_id = tus_upload(client, make_pdf(tmp_path / "v3.pdf", pages=1).read_bytes(), "新.pdf", "application/pdf")
    assert edit(client, resource, upload_id=upload_id).status_code == 302
    resource.refresh_from_db()
    assert resource.visibility == "school" and resource_moderation_status(resource=resource)[0] == "in_progress"


def test_the_type_must_fit_the_file_and_the_form_says_so(client, teacher, tmp_path):
    resource, _data = share(client, tmp_path)
    response = edit(client, resource, resource_type="micro_lesson", title="改成微课")
    assert response.status_code == 200 and "This type does not fit the file" in response.content.decode()
    resource.refresh_from_db()
    assert resource.resource_type == "courseware" and resource.title == "秋天的雨 讲义"


def test_a_failed_video_is_replaced_by_a_document_or_deleted(client, teacher, tmp_path):
    failed = MediaAsset.objects.create(owner=teacher, title="坏.mp4", source_path="/nowhere/bad.mp4",
                                       state=MediaAsset.State.FAILED, error_message="The file holds no picture and no sound: it may be damaged or cut off. Upload the original again.")
    resource = ResourceFactory(title="坏视频", resource_type="micro_lesson", media_asset=failed, uploaded_by=teacher,
                               school=teacher.school, visibility="school", licence="CC-BY-4.0")
    detail = client.get(resource.get_absolute_url()).content.decode()
    assert "Replace the file" in detail and reverse("resources:delete", args=[resource.pk]) in detail
    mine = client.get(reverse("resources:mine")).content.decode()
    assert "Replace the file" in mine

    upload_id = tus_upload(client, make_pdf(tmp_path / "p.pdf").read_bytes(), "讲义.pdf", "application/pdf")
    assert edit(client, resource, upload_id=upload_id, resource_type="courseware").status_code == 302
    resource.refresh_from_db()
    assert resource.media_asset is None and resource.attachment and resource.resource_type == "courseware"
    assert not MediaAsset.objects.filter(pk=failed.pk).exists(), "the failed video went with its last use"


def test_delete_asks_once_then_removes_the_resource_and_its_file(client, teacher, tmp_path, media_root,
                                                                  django_capture_on_commit_callbacks):
    resource, _data = share(client, tmp_path)
    name = resource.attachment.name
    page = client.get(reverse("resources:delete", args=[resource.pk])).content.decode()
    assert "This cannot be undone" in page and Resource.objects.filter(pk=resource.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("resources:delete", args=[resource.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("resources:mine")
    assert not Resource.objects.filter(pk=resource.pk).exists() and not (media_root / name).exists()
    assert "is deleted" in client.get(reverse("resources:mine")).content.decode()


def test_deleting_a_video_resource_keeps_the_video_a_groups_review_holds(client, teacher):
    from research.models import LessonReview, ObservationScale
    from tests.factories import ResearchGroupFactory

    def video_resource(title):
        asset = MediaAsset.objects.create(owner=teacher, title=title, source_path="/nowhere/x.mp4",
                                          state=MediaAsset.State.READY, variants=[{"height": 360}], duration=60)
        return ResourceFactory(title=title, resource_type="recording", media_asset=asset, uploaded_by=teacher,
                               school=teacher.school, visibility="school"), asset

    reviewed, held = video_resource("《秋天的雨》实录")
    LessonReview.objects.create(group=ResearchGroupFactory(), title="评课", asset=held,
                                scale=ObservationScale.objects.create(name="量表"), created_by=teacher)
    alone, free = video_resource("《古诗三首》实录")
    client.post(reverse("resources:delete", args=[reviewed.pk]))
    assert "Its video stays where a research group still uses it" in client.get(reverse("resources:mine")).content.decode()
    client.post(reverse("resources:delete", args=[alone.pk]))
    assert not Resource.objects.filter(pk__in=[reviewed.pk, alone.pk]).exists()
    assert MediaAsset.objects.filter(pk=held.pk).exists() and not MediaAsset.objects.filter(pk=free.pk).exists()


def test_a_recording_uploaded_on_its_own_is_listed_and_put_in_the_library(client, teacher):
    asset = MediaAsset.objects.create(owner=teacher, title="三年级语文课堂实录", source_path="/nowhere/x.mp4",
                                      state=MediaAsset.State.READY, variants=[{"height": 360}], duration=75)
    status = client.get(reverse("media_pipeline:status", args=[asset.uid])).content.decode()
    share_url = reverse("resources:share_recording", args=[asset.uid])
    assert share_url in status and asset.poster_url in status
    mine = client.get(reverse("resources:mine")).content.decode()
    assert "Recordings not in the library" in mine and "三年级语文课堂实录" in mine and share_url in mine

    form = client.get(share_url).content.decode()
    assert "三年级语文课堂实录" in form and 'id="file"' not in form  # nothing to upload again
    response = client.post(share_url, {"title": "秋天的雨 课堂实录", "resource_type": "recording", "subject": 1,
                                       "visibility": "school", "licence": "CC-BY-4.0", "tags": "实录"})
    resource = Resource.objects.get(media_asset=asset)
    assert response["Location"] == resource.get_absolute_url()
    assert resource.title == "秋天的雨 课堂实录" and resource.uploaded_by == teacher and resource.duration_s == 75
    assert client.get(share_url)["Location"] == resource.get_absolute_url()  # twice: the first one stands
    assert resource.get_absolute_url() in client.get(reverse("media_pipeline:status", args=[asset.uid])).content.decode()
    assert "Recordings not in the library" not in client.get(reverse("resources:mine")).content.decode()
    client.force_login(UserFactory(school=teacher.school))
    assert client.get(share_url).status_code == 404
