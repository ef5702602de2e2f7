"""End to end over HTTP: a teacher shares a micro-lesson and a PPTX from a phone, a moderator approves them,
and they appear in browse, search and the semester figures; a private resource never reaches another school."""
import datetime

import pytest
from django.urls import reverse
from wagtail.models import TaskState

from accounts.models import School, User
from tests.shared import SAMPLES
from resources.models import ChapterNode, Edition, Grade, Resource, Stage, Subject, Textbook, Volume
from tests.factories import SchoolFactory, SchoolPairingFactory, UserFactory
from tests.library_helpers import PHONE_UA, make_pptx, tus_upload

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path, media_root):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    book = Textbook.objects.create(
        external_id="book-1", title="义务教育教科书·语文三年级上册", stage=Stage.objects.get(code="primary"),
        grade=Grade.objects.get(name="三年级"), subject=Subject.objects.get(name="语文"),
        edition=Edition.objects.get(name="统编版"), volume=Volume.objects.get(name="上册"),
    )
    unit = ChapterNode.objects.create(external_id="u1", textbook=book, title="第二单元", kind="unit", depth=0,
                                      position=1, path="第二单元")
    lesson = ChapterNode.objects.create(external_id="l1", textbook=book, parent=unit, title="4 古诗三首", kind="lesson",
                                        depth=1, position=1, path="第二单元 > 4 古诗三首")
    rural = SchoolFactory(name="青山村小学", kind=School.Kind.SUPPORTED)
    city = SchoolFactory(name="实验小学", kind=School.Kind.SUPPORTING)
    SchoolPairingFactory(supporting=city, supported=rural, starts_on=datetime.date(2025, 9, 1))
    elsewhere = SchoolFactory(name="远方中学")
    return {
        "book": book, "unit": unit, "lesson": lesson, "rural": rural, "city": city, "elsewhere": elsewhere,
        "teacher": UserFactory(username="liwei", full_name="李伟", school=rural),
        "moderator": UserFactory(username="admin-a", full_name="王校长", school=rural, role=User.Role.SCHOOL_ADMIN),
        "stranger": UserFactory(username="far", full_name="赵老师", school=elsewhere),
        "stranger_admin": UserFactory(username="far-admin", school=elsewhere, role=User.Role.SCHOOL_ADMIN),
    }


def share(client, *, upload_id, title, resource_type, chapter, visibility="public", **extra):
    fields = {"upload_id": upload_id, "title": title, "resource_type": resource_type, "chapter": chapter.pk,
              "visibility": visibility, "licence": "CC-BY-NC-SA-4.0", "description": "", "tags": "古诗, 三年级", **extra}
    return client.post(reverse("resources:upload"), fields, HTTP_USER_AGENT=PHONE_UA)


def approve(client, resource, comment=""):
    task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
    url = reverse("wagtailsnippets_resources_resource:workflow_action", args=[resource.pk, "approve", task_state.pk])
    return client.post(url, {"comment": comment})


def titles_seen(client, *urls):
    return "\n".join(client.get(url).content.decode() for url in urls)


@pytest.mark.shared_data
@pytest.mark.ffmpeg
@pytest.mark.office
def test_share_moderate_and_find(client, world, tmp_path):
    teacher, lesson = world["teacher"], world["lesson"]
    client.force_login(teacher)
    assert client.get(reverse("resources:upload"), HTTP_USER_AGENT=PHONE_UA).status_code == 200

    video = (SAMPLES / "phone_portrait_720x1280_ftyp3gp5.mp4").read_bytes()
    video_upload = tus_upload(client, video, "古诗三首 微课.mp4", "video/mp4", drop_at=len(video) // 3)
    response = share(client, upload_id=video_upload, title="古诗三首 微课（李伟）", resource_type="micro_lesson", chapter=lesson)
    assert response.status_code == 302, response.content.decode()[:2000]
    micro = Resource.objects.get(title="古诗三首 微课（李伟）")
    assert response["Location"] == micro.get_absolute_url()

    pptx = make_pptx(tmp_path / "slides.pptx").read_bytes()
    pptx_upload = tus_upload(client, pptx, "古诗三首 课件.pptx",
                             "application/vnd.openxmlformats-officedocument.presentationml.presentation")
    assert share(client, upload_id=pptx_upload, title="古诗三首 课件", resource_type="courseware",
                 chapter=lesson).status_code == 302
    courseware = Resource.objects.get(title="古诗三首 课件")

    private_upload = tus_upload(client, pptx, "我的草稿.pptx", "application/vnd.ms-powerpoint")
    assert share(client, upload_id=private_upload, title="古诗三首 私人草稿", resource_type="courseware",
                 chapter=lesson, visibility="private").status_code == 302
    private = Resource.objects.get(title="古诗三首 私人草稿")

    micro.refresh_from_db()
    courseware.refresh_from_db()
    # Filled from the chapter, owned by the teacher's school, waiting for moderation, visible meanwhile to the
    # school and the school paired with it (they were meant for everyone).
    assert (micro.subject.name, micro.grade.name, micro.textbook, micro.lesson_title) == ("语文", "三年级", world["book"], "4 古诗三首")
    assert micro.visibility == courseware.visibility == "pairing" and micro.school == world["rural"]
    assert micro.media_asset.state == "ready" and micro.media_asset.playable
    assert courseware.preview_state == "ready" and len(courseware.preview_pages) == 3
    page = client.get(micro.get_absolute_url()).content.decode()
    assert "Waiting for review" in page or "等待审核" in page
    assert micro.media_asset.master_url in page

    # Before approval nobody outside the school and its pairing sees them.
    stranger = client.__class__()
    stranger.force_login(world["stranger"])
    for resource in (micro, courseware, private):
        assert stranger.get(resource.get_absolute_url()).status_code == 404
    search = stranger.get("/api/v1/search", {"q": "古诗三首"}).json()
    assert search["count"] == 0

    # The school admin moderates in the Wagtail admin and approves both.
    moderator = client.__class__()
    moderator.force_login(world["moderator"])
    assert moderator.get("/admin/").status_code == 200
    assert approve(moderator, micro).status_code == 302
    assert approve(moderator, courseware, comment="很好").status_code == 302
    micro.refresh_from_db()
    courseware.refresh_from_db()
    assert micro.visibility == courseware.visibility == "public"
    assert courseware.preview_state == "ready" and len(courseware.preview_pages) == 3, "approval keeps the previews"
    assert micro.media_asset_id is not None

    # Now another school finds them: browse, search, the page, the download with its attribution.
    chapter_page = stranger.get(reverse("resources:chapter", args=[lesson.pk])).content.decode()
    assert "古诗三首 微课（李伟）" in chapter_page and "古诗三首 课件" in chapter_page
    assert "私人草稿" not in chapter_page
    found = stranger.get("/api/v1/search", {"q": "古诗三首"}).json()
    assert {hit["title"] for hit in found["results"]} == {"古诗三首 微课（李伟）", "古诗三首 课件"}
    download = stranger.get(reverse("resources:download", args=[courseware.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == pptx
    assert "CC%20BY-NC-SA%204.0" in download["Content-Disposition"] and "creativecommons.org" in download["Link"]

    # The private one stays private everywhere.
    assert stranger.get(private.get_absolute_url()).status_code == 404
    assert stranger.get(reverse("resources:download", args=[private.pk])).status_code == 404
    assert "私人草稿" not in titles_seen(stranger, "/api/v1/search?q=私人草稿", "/api/v1/search/suggest?q=古诗三首",
                                      reverse("resources:textbook", args=[world["book"].pk]))

    # The semester figures count them for the school.
    figures = moderator.get(reverse("resources:figures"), {"school": world["rural"].pk}).content.decode()
    assert "古诗三首 微课（李伟）" in figures
    assert "私人草稿" not in figures
