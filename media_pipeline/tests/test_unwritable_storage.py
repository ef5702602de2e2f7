"""Storage that cannot be written (read-only, no permission, a file where a folder should be) is the server's
problem: the uploader gets a sentence and 503, nothing already saved is lost, the log says it once, and /readyz
names it."""
import base64
import errno
import hashlib
import logging

import pytest

from core import storage
from resources.models import Resource, Subject
from tests.factories import UserFactory
from tests.library_helpers import make_pdf

TUS = {"Tus-Resumable": "1.0.0"}


def b64(text):
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(autouse=True)
def fresh_log_memory():
    storage._reported.clear()
    yield
    storage._reported.clear()


@pytest.mark.django_db
def test_an_upload_folder_that_cannot_be_written_answers_503_with_a_sentence_and_logs_once(client, settings, tmp_path,
                                                                                       caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    settings.KEXIANG_UPLOAD_DIR = blocker / "uploads"
    client.force_login(UserFactory(username="liwei"))
    with caplog.at_level(logging.DEBUG, logger="core.storage"):
        answers = [client.post("/uploads/tus/", headers={**TUS, "Upload-Length": "100"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert "不能保存" in answers[0].json()["error"] and "学校管理员" in answers[0].json()["error"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "cannot write" in r.getMessage()]
    assert len(errors) == 1, "logged once, not on every request"

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    report = client.get("/readyz")
    assert report.status_code == 503 and report.json()["checks"]["media"]["ok"] is False


@pytest.mark.django_db
def test_media_storage_that_cannot_be_written_keeps_the_upload_and_says_try_again(client, settings, tmp_path):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory(username="liwei")
    client.force_login(teacher)
    pdf = make_pdf(tmp_path / "讲义.pdf", pages=1).read_bytes()
    metadata = ",".join([f"filename {b64('讲义.pdf')}", f"filetype {b64('application/pdf')}",
                         f"sha256 {b64(hashlib.sha256(pdf).hexdigest())}"])
    created = client.post("/uploads/tus/", headers={**TUS, "Upload-Length": str(len(pdf)), "Upload-Metadata": metadata})
    url = created["Location"]
    assert client.generic("PATCH", url, pdf, content_type="application/offset+octet-stream",
                          headers={**TUS, "Upload-Offset": "0"}).status_code == 204
    upload_id = url.rstrip("/").rsplit("/", 1)[1]
    form = {"upload_id": upload_id, "title": "讲义", "resource_type": "courseware", "visibility": "school",
            "licence": "CC-BY-NC-SA-4.0", "subject": Subject.objects.get(name="语文").pk}

    blocker = tmp_path / "media-is-a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker
    refused = client.post("/resources/upload/", form)
    assert refused.status_code == 503
    assert "不能保存文件" in refused.content.decode() and not Resource.objects.exists()
    assert (settings.KEXIANG_UPLOAD_DIR / upload_id / "data").read_bytes() == pdf, "the upload is kept"

    settings.MEDIA_ROOT = tmp_path / "media"  # the disk is fixed: Save again works
    saved = client.post("/resources/upload/", form)
    assert saved.status_code == 302 and Resource.objects.get().attachment


@pytest.mark.django_db
def test_a_read_only_disk_is_503_and_a_full_one_507(client, settings, tmp_path, monkeypatch):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(UserFactory(username="liwei"))
    real_mkdir = type(tmp_path).mkdir

    for number, status in ((errno.EROFS, 503), (errno.EACCES, 503), (errno.ENOSPC, 507)):
        def failing_mkdir(self, *args, _number=number, **kwargs):
            if self.parent == settings.KEXIANG_UPLOAD_DIR:
                raise OSError(_number, "simulated")
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(type(tmp_path), "mkdir", failing_mkdir)
        answer = client.post("/uploads/tus/", headers={**TUS, "Upload-Length": "100"})
        assert answer.status_code == status, number
        assert answer.json()["error"]


@pytest.mark.django_db
def test_continuing_an_upload_on_a_read_only_disk_is_503_too(client, settings, tmp_path, monkeypatch, caplog):
    from media_pipeline import tus

    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(UserFactory(username="liwei"))
    url = client.post("/uploads/tus/", headers={**TUS, "Upload-Length": "10"})["Location"]

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tus, "_lock", read_only)
    with caplog.at_level(logging.DEBUG, logger="core.storage"):
        patched = client.generic("PATCH", url, b"0123456789", content_type="application/offset+octet-stream",
                                 headers={**TUS, "Upload-Offset": "0"})
        again = client.generic("PATCH", url, b"0123456789", content_type="application/offset+octet-stream",
                               headers={**TUS, "Upload-Offset": "0"})
    assert patched.status_code == again.status_code == 503
    assert "学校管理员" in patched.json()["error"]
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
