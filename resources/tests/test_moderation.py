"""Moderation before public, through the Wagtail admin: who may approve, and sending a resource back with a
comment."""
import pytest
from django.urls import reverse
from wagtail.models import TaskState

from accounts.models import User
from resources.services import resource_moderation_status, resource_submit_for_moderation
from tests.factories import ResourceFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting():
    school = SchoolFactory()
    teacher = UserFactory(school=school)
    resource = ResourceFactory(title="秋天的雨 课件", visibility="school", school=school, uploaded_by=teacher)
    resource_submit_for_moderation(resource=resource, user=teacher)
    return resource, teacher


def act(client, resource, action, comment=""):
    task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
    url = reverse("wagtailsnippets_resources_resource:workflow_action", args=[resource.pk, action, task_state.pk])
    return client.post(url, {"comment": comment})


def test_submitting_keeps_the_row_for_the_school_and_waits(waiting):
    resource, _teacher = waiting
    resource.refresh_from_db()
    assert resource.visibility == "school" and resource.workflow_in_progress
    assert resource.latest_revision.content["visibility"] == "public"
    assert resource_moderation_status(resource=resource)[0] == "in_progress"


def test_a_moderator_sends_it_back_with_a_comment_the_uploader_reads(client, waiting):
    resource, teacher = waiting
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=resource.school))
    assert act(client, resource, "reject", "请补充教学目标").status_code == 302
    resource.refresh_from_db()
    assert resource.visibility == "school"
    assert resource_moderation_status(resource=resource) == ("needs_changes", "请补充教学目标")
    client.force_login(teacher)
    assert "请补充教学目标" in client.get(resource.get_absolute_url()).content.decode()
    assert "state-changes" in client.get(reverse("resources:mine")).content.decode()


def test_only_the_schools_admin_or_a_district_researcher_may_approve(client, waiting):
    resource, teacher = waiting
    for outsider in (teacher, UserFactory(role=User.Role.SCHOOL_ADMIN)):  # the uploader; another school's admin
        client.force_login(outsider)
        assert act(client, resource, "approve").status_code in (302, 403)
        resource.refresh_from_db()
        assert resource.visibility == "school" and resource.workflow_in_progress
    client.force_login(UserFactory(role=User.Role.DISTRICT_RESEARCHER, school=None))
    assert act(client, resource, "approve").status_code == 302
    resource.refresh_from_db()
    assert resource.visibility == "public" and not resource.workflow_in_progress


def test_the_moderators_dashboard_lists_only_their_schools_uploads(client, waiting):
    resource, _teacher = waiting
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=resource.school))
    assert "秋天的雨 课件" in client.get("/admin/").content.decode()
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN))
    assert "秋天的雨 课件" not in client.get("/admin/").content.decode()


def test_a_pack_shows_its_items_the_reader_may_see(client):
    from resources.models import PackItem

    pack = ResourceFactory(title="农耕文化 校本课程", resource_type="school_curriculum")
    plan = ResourceFactory(title="农耕文化 第一课 教案", resource_type="lesson_plan")
    hidden = ResourceFactory(title="农耕文化 内部讲义", visibility="private", uploaded_by=UserFactory())
    PackItem.objects.create(pack=pack, item=plan, role="lesson_plan", position=1)
    PackItem.objects.create(pack=pack, item=hidden, role="case", position=2)
    html = client.get(pack.get_absolute_url()).content.decode()
    assert "农耕文化 第一课 教案" in html and "内部讲义" not in html


def test_another_schools_admin_cannot_list_edit_or_publish_in_the_admin(client, waiting):
    resource, _teacher = waiting
    private = ResourceFactory(title="别校的私人讲义", visibility="private", school=resource.school)
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN))
    listing = client.get("/admin/snippets/resources/resource/")
    assert listing.status_code == 200 and "别校的私人讲义" not in listing.content.decode()
    edit = f"/admin/snippets/resources/resource/edit/{private.pk}/"
    assert client.get(edit).status_code in (302, 403, 404)
    client.post(edit, {"title": private.title, "resource_type": "courseware", "visibility": "public",
                       "action-publish": "1"})
    private.refresh_from_db()
    assert private.visibility == "private"
    # Their own school's admin does reach it.
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=resource.school))
    assert "别校的私人讲义" in client.get("/admin/snippets/resources/resource/").content.decode()


def test_an_approved_revision_with_another_file_gets_its_own_previews(client, django_capture_on_commit_callbacks,
                                                                      media_root, monkeypatch):
    from django.core.files.base import ContentFile

    from resources import previews

    requested = []
    monkeypatch.setattr(previews, "resource_preview_request", lambda *, resource: requested.append(resource.pk))
    school = SchoolFactory()
    teacher = UserFactory(school=school)
    resource = ResourceFactory(visibility="school", school=school, uploaded_by=teacher,
                               preview_state="ready", preview_pages=["previews/old/page-1.jpg"])
    resource.attachment.save("old.pdf", ContentFile(b"%PDF-1.4 old"), save=True)
    resource.attachment.save("new.pdf", ContentFile(b"%PDF-1.4 new"), save=False)  # a draft with a new file
    resource_submit_for_moderation(resource=resource, user=teacher)
    client.force_login(UserFactory(role=User.Role.DISTRICT_RESEARCHER, school=None))
    assert act(client, resource, "approve").status_code == 302
    resource.refresh_from_db()
    assert resource.attachment.name.startswith("resources/") and "new" in resource.attachment.name
    assert resource.preview_state == "pending" and resource.preview_pages == []
    assert requested == [resource.pk]


def test_pressing_save_twice_makes_one_resource(client, settings, tmp_path, media_root):
    from resources.models import Resource
    from tests.library_helpers import make_pdf, tus_upload

    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(UserFactory())
    upload_id = tus_upload(client, make_pdf(tmp_path / "a.pdf").read_bytes(), "a.pdf", "application/pdf")
    fields = {"upload_id": upload_id, "title": "讲义", "resource_type": "courseware", "subject": 1,
              "visibility": "school", "licence": "CC-BY-4.0"}
    first, second = client.post("/resources/upload/", fields), client.post("/resources/upload/", fields)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Resource.objects.count() == 1


def test_prep_toggle_never_redirects_off_site(client):
    resource = ResourceFactory()
    client.force_login(UserFactory())
    response = client.post(f"/resources/{resource.pk}/prep", {"next": "https://evil.example/"})
    assert response["Location"] == resource.get_absolute_url()


@pytest.mark.parametrize("url", ["/api/v1/chapters?q=x&stage=99999999999999999999999",
                                 "/api/v1/chapters?q=x&textbook=99999999999999999999999",
                                 "/api/v1/textbooks?subject=99999999999999999999999",
                                 "/resources/?subject=99999999999999999999999"])
def test_huge_numbers_are_not_a_server_error(client, url):
    assert client.get(url).status_code in (200, 400, 404)
