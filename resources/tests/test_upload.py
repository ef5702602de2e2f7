"""Sharing a resource through /resources/upload/: bad files and bad metadata get a clear message, nothing is lost."""
import pytest
from django.urls import reverse

from resources.models import Resource
from tests.factories import UserFactory
from tests.library_helpers import make_pdf, make_pptx, make_protected_pdf, tus_upload

pytestmark = [pytest.mark.django_db]
EN = {}  # English through the language cookie, set in the fixture
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def teacher(client, settings, tmp_path, media_root):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    user = UserFactory(full_name="李伟")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def share(client, upload_id, **fields):
    data = {"upload_id": upload_id, "title": "秋天的雨 课件", "resource_type": "courseware", "subject": 1,
            "visibility": "school", "licence": "CC-BY-4.0", **fields}
    return client.post(reverse("resources:upload"), {k: v for k, v in data.items() if v is not None}, **EN)


def form_error(response):
    html = response.content.decode()
    start = html.find('id="form-error"')
    return html[start:html.find("</div>", start)] if start >= 0 else ""


def test_the_upload_page_is_for_signed_in_teachers(client):
    assert client.get(reverse("resources:upload")).status_code == 302


def test_an_empty_file_is_refused_and_the_metadata_kept(client, teacher):
    upload_id = tus_upload(client, b"", "空文件.pptx", PPTX_TYPE)
    response = share(client, upload_id, title="我填好的标题")
    assert response.status_code == 200
    assert "The file is empty (0 bytes)" in form_error(response)
    assert 'value="我填好的标题"' in response.content.decode()
    assert not Resource.objects.exists()


def test_missing_metadata_keeps_the_uploaded_file_for_the_next_try(client, teacher, tmp_path):
    data = make_pdf(tmp_path / "a.pdf").read_bytes()
    upload_id = tus_upload(client, data, "讲义.pdf", "application/pdf")
    response = share(client, upload_id, title="", subject=None)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "Pick the chapter, or at least the subject" in html
    assert f'value="{upload_id}"' in html, "the finished upload stays in the form"
    assert "The file is uploaded. You do not need to choose it again." in html
    assert not Resource.objects.exists()

    # Completing the form saves the same upload: nothing to send again.
    again = share(client, upload_id, title="秋天的雨 讲义")
    assert again.status_code == 302
    resource = Resource.objects.get()
    assert resource.attachment.read() == data


def test_a_file_name_with_path_separators_and_emoji_is_stored_safely(client, teacher, tmp_path, media_root):
    data = make_pdf(tmp_path / "a.pdf").read_bytes()
    upload_id = tus_upload(client, data, "../../课件😀/..\\秋天的雨😀.pdf", "application/pdf")
    assert share(client, upload_id).status_code == 302
    resource = Resource.objects.get()
    assert resource.original_filename == "秋天的雨😀.pdf"
    stored = (media_root / resource.attachment.name).resolve()
    assert stored.is_relative_to(media_root.resolve()) and stored.read_bytes() == data
    assert stored.name.isascii(), "storage names are plain ASCII whatever the phone called the file"
    download = client.get(reverse("resources:download", args=[resource.pk]))
    disposition = download["Content-Disposition"]
    assert "/" not in disposition.split("filename", 1)[1] and "\\" not in disposition
    assert "CC%20BY%204.0" in disposition


@pytest.mark.office
def test_a_corrupt_pptx_is_refused_with_a_reason_and_the_upload_kept(client, teacher):
    upload_id = tus_upload(client, b"PK\x03\x04 this is not really a presentation" * 50, "坏课件.pptx", PPTX_TYPE)
    response = share(client, upload_id)
    assert response.status_code == 200
    assert form_error(response), "a sentence says what is wrong with the file"
    assert not Resource.objects.exists()
    # The teacher can pick another type or file; the upload is still on the server until it expires.
    assert client.head(f"/uploads/tus/{upload_id}", HTTP_TUS_RESUMABLE="1.0.0").status_code == 200


def test_a_renamed_program_is_not_a_pdf(client, teacher):
    upload_id = tus_upload(client, b"MZ\x90\x00" + b"\x00" * 500, "教案.pdf", "application/pdf")
    response = share(client, upload_id)
    assert response.status_code == 200 and form_error(response)
    assert not Resource.objects.exists()


def test_a_video_needs_a_video_type_and_a_document_cannot_be_a_micro_lesson(client, teacher, tmp_path):
    data = make_pdf(tmp_path / "a.pdf").read_bytes()
    upload_id = tus_upload(client, data, "讲义.pdf", "application/pdf")
    response = share(client, upload_id, resource_type="micro_lesson")
    assert "needs a video file" in form_error(response)


def test_an_unfinished_upload_cannot_be_saved(client, teacher):
    created = client.post("/uploads/tus/", HTTP_UPLOAD_LENGTH="1000", HTTP_TUS_RESUMABLE="1.0.0")
    upload_id = created["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = share(client, upload_id)
    assert "has not finished uploading" in form_error(response)


def test_someone_elses_upload_cannot_be_taken(client, teacher, tmp_path):
    data = make_pdf(tmp_path / "a.pdf").read_bytes()
    upload_id = tus_upload(client, data, "讲义.pdf", "application/pdf")
    client.force_login(UserFactory())
    response = share(client, upload_id)
    assert "could not be found" in form_error(response)
    assert not Resource.objects.exists()


@pytest.mark.office
def test_a_password_protected_pdf_is_kept_and_says_why_there_is_no_preview(client, teacher, tmp_path, django_capture_on_commit_callbacks):
    data = make_protected_pdf(tmp_path / "locked.pdf").read_bytes()
    upload_id = tus_upload(client, data, "加密讲义.pdf", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        assert share(client, upload_id).status_code == 302
    resource = Resource.objects.get()
    assert resource.preview_state == "failed" and resource.preview_pages == []
    page = client.get(resource.get_absolute_url(), **EN).content.decode()
    assert "password" in page
    download = client.get(reverse("resources:download", args=[resource.pk]))
    assert b"".join(download.streaming_content) == data, "the file itself is never lost"


@pytest.mark.office
def test_a_pptx_gets_page_previews(client, teacher, tmp_path, django_capture_on_commit_callbacks):
    data = make_pptx(tmp_path / "s.pptx").read_bytes()
    upload_id = tus_upload(client, data, "秋天的雨.pptx", PPTX_TYPE)
    with django_capture_on_commit_callbacks(execute=True):
        assert share(client, upload_id).status_code == 302
    resource = Resource.objects.get()
    assert resource.preview_state == "ready" and len(resource.preview_pages) == 3
    html = client.get(resource.get_absolute_url()).content.decode()
    assert html.count('class="preview-pages"') == 1 and html.count("<img ") >= 3


def test_prep_folder_adds_lists_and_removes(client, teacher):
    from tests.factories import ResourceFactory

    resource = ResourceFactory(title="秋天的雨 教学设计")
    toggle = reverse("resources:prep_toggle", args=[resource.pk])
    assert client.post(toggle).status_code == 302
    assert "秋天的雨 教学设计" in client.get(reverse("resources:prep")).content.decode()
    assert client.post(toggle, HTTP_ACCEPT="application/json").json() == {"in_prep": False}
    assert "秋天的雨 教学设计" not in client.get(reverse("resources:prep")).content.decode()
    private = ResourceFactory(visibility="private", uploaded_by=UserFactory())
    assert client.post(reverse("resources:prep_toggle", args=[private.pk])).status_code == 404


@pytest.mark.ffmpeg
@pytest.mark.shared_data
def test_a_video_without_picture_or_sound_is_refused_at_save_and_the_form_kept(client, teacher):
    from media_pipeline.models import MediaAsset
    from tests.shared import SAMPLES

    data = (SAMPLES / "broken" / "opencast_nostreams.mp4").read_bytes()
    upload_id = tus_upload(client, data, "实录.mp4", "video/mp4")
    asset = MediaAsset.objects.get(upload_id=upload_id)
    assert asset.state == MediaAsset.State.FAILED and asset.error_message  # probed as its last byte arrived
    response = share(client, upload_id, title="秋天的雨 实录", resource_type="micro_lesson")
    assert response.status_code == 200 and "no picture and no sound" in form_error(response)
    html = response.content.decode()
    assert 'value="秋天的雨 实录"' in html  # what was typed is kept
    assert f'value="{upload_id}"' not in html  # and the refused file is not: another must be chosen
    assert not Resource.objects.exists()
