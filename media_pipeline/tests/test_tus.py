"""The tus 1.0.0 upload server: protocol, resuming, checksums, restarts, ownership."""
import base64
import hashlib
import io
import json
import threading
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from media_pipeline import tus
from media_pipeline.exceptions import UploadLockedError, UploadNotFoundError
from tests.factories import UserFactory

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"
PAYLOAD = bytes(range(256)) * 4  # 1 KiB


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def tus_client(client, user, upload_dir):
    client.force_login(user)
    return client


@pytest.fixture
def completed():
    """Every upload_completed signal, in order."""
    received = []

    def receiver(sender, upload, **kwargs):
        received.append(upload)

    tus.upload_completed.connect(receiver, weak=False)
    yield received
    tus.upload_completed.disconnect(receiver)


def b64(value):
    return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()


def create(client, length, **metadata):
    headers = {**TUS, "Upload-Length": str(length)}
    if metadata:
        headers["Upload-Metadata"] = ",".join(f"{key} {b64(value)}" for key, value in metadata.items())
    response = client.post("/uploads/tus/", headers=headers)
    assert response.status_code == 201, response.content
    assert response["Tus-Resumable"] == "1.0.0"
    return response["Location"]


def patch(client, url, offset, data, **headers):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type=OFFSET_TYPE,
        headers={**TUS, "Upload-Offset": str(offset), **headers},
        CONTENT_TYPE=OFFSET_TYPE,  # also when data is empty, where the test client drops it
    )


def head(client, url):
    return client.head(url, headers=TUS)


def upload_id(url):
    return url.rsplit("/", 1)[1]


def sha1_header(data):
    return "sha1 " + b64(hashlib.sha1(data).digest())


class DroppedConnection:
    """A request body whose connection drops after ``data``: a reset, or just the end of the stream."""

    def __init__(self, data, *, reset=True):
        self.data, self.reset = data, reset

    def read(self, size=-1):
        if self.data:
            block, self.data = self.data[:size], self.data[size:]
            return block
        if self.reset:
            raise ConnectionResetError("connection reset by peer")
        return b""

    readline = read


def test_options_advertises_the_server(client, settings):
    settings.KEXIANG_UPLOAD_MAX_BYTES = 1234
    response = client.options("/uploads/tus/")
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) >= {"creation", "termination", "checksum"}
    assert response["Tus-Max-Size"] == "1234"
    assert "sha1" in response["Tus-Checksum-Algorithm"].split(",")


def test_upload_in_chunks(tus_client, user, completed):
    sha256 = hashlib.sha256(PAYLOAD).hexdigest()
    url = create(tus_client, len(PAYLOAD), filename="第一课 微课.mp4", filetype="video/mp4", sha256=sha256)
    assert url.startswith("http://testserver/uploads/tus/")

    response = head(tus_client, url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "0"
    assert response["Upload-Length"] == str(len(PAYLOAD))
    assert response["Cache-Control"] == "no-store"
    assert response["Tus-Resumable"] == "1.0.0"
    assert tus.metadata_parse(response["Upload-Metadata"])["filename"] == "第一课 微课.mp4"

    response = patch(tus_client, url, 0, PAYLOAD[:300])
    assert response.status_code == 204
    assert response["Upload-Offset"] == "300"
    assert response["Tus-Resumable"] == "1.0.0"
    assert completed == []
    response = patch(tus_client, url, 300, PAYLOAD[300:])
    assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(PAYLOAD))

    info = tus.upload_get(upload_id=upload_id(url), user=user)
    assert info.state == tus.UploadState.COMPLETE
    assert (info.filename, info.filetype, info.sha256) == ("第一课 微课.mp4", "video/mp4", sha256)
    assert tus.upload_path(info).read_bytes() == PAYLOAD
    assert [upload.id for upload in completed] == [info.id]

    # Repeating the last request or asking again does not send the signal again.
    assert patch(tus_client, url, len(PAYLOAD), b"").status_code == 204
    assert head(tus_client, url)["Upload-Offset"] == str(len(PAYLOAD))
    assert len(completed) == 1


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "short-body"])
def test_resume_after_dropped_connection(tus_client, user, completed, reset):
    url = create(tus_client, len(PAYLOAD), sha256=hashlib.sha256(PAYLOAD).hexdigest())
    response = tus_client.generic(
        "PATCH",
        url,
        headers={**TUS, "Upload-Offset": "0"},
        CONTENT_TYPE=OFFSET_TYPE,
        CONTENT_LENGTH=str(len(PAYLOAD)),
        **{"wsgi.input": DroppedConnection(PAYLOAD[:100], reset=reset)},
    )
    assert response.status_code == 400

    offset = int(head(tus_client, url)["Upload-Offset"])
    assert offset == 100  # what arrived is kept
    assert patch(tus_client, url, offset, PAYLOAD[offset:]).status_code == 204
    info = tus.upload_get(upload_id=upload_id(url), user=user)
    assert info.state == tus.UploadState.COMPLETE
    assert tus.upload_path(info).read_bytes() == PAYLOAD
    assert len(completed) == 1


def test_wrong_offset_is_409(tus_client, user):
    url = create(tus_client, len(PAYLOAD))
    patch(tus_client, url, 0, PAYLOAD[:10])
    response = patch(tus_client, url, 20, PAYLOAD[20:30])
    assert response.status_code == 409
    assert response["Tus-Resumable"] == "1.0.0"
    assert "error" in response.json()
    assert tus.upload_get(upload_id=upload_id(url), user=user).offset == 10


def test_chunk_checksum(tus_client, user):
    url = create(tus_client, len(PAYLOAD))
    response = patch(tus_client, url, 0, PAYLOAD[:100], **{"Upload-Checksum": sha1_header(PAYLOAD[:100])})
    assert response.status_code == 204

    response = patch(tus_client, url, 100, PAYLOAD[100:200], **{"Upload-Checksum": sha1_header(b"something else")})
    assert response.status_code == 460
    assert response.json()["error"]
    info = tus.upload_get(upload_id=upload_id(url), user=user)
    assert info.offset == 100 and not info.pending_checksum
    assert tus.upload_path(info).read_bytes() == PAYLOAD[:100]  # the bad chunk is discarded

    assert patch(tus_client, url, 100, PAYLOAD[100:200], **{"Upload-Checksum": "crc32 AAAA"}).status_code == 400
    sha256 = "sha256 " + b64(hashlib.sha256(PAYLOAD[100:]).digest())
    assert patch(tus_client, url, 100, PAYLOAD[100:], **{"Upload-Checksum": sha256}).status_code == 204


def test_interrupted_checksummed_chunk_is_discarded(tus_client, user):
    url = create(tus_client, len(PAYLOAD))
    response = tus_client.generic(
        "PATCH",
        url,
        headers={**TUS, "Upload-Offset": "0", "Upload-Checksum": sha1_header(PAYLOAD)},
        CONTENT_TYPE=OFFSET_TYPE,
        CONTENT_LENGTH=str(len(PAYLOAD)),
        **{"wsgi.input": DroppedConnection(PAYLOAD[:100])},
    )
    assert response.status_code == 400
    assert head(tus_client, url)["Upload-Offset"] == "0"


def test_whole_file_mismatch_marks_the_upload_corrupt(tus_client, user, completed, settings):
    tus_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = create(tus_client, len(PAYLOAD), filename="a.mp4", sha256=hashlib.sha256(b"another file").hexdigest())
    response = patch(tus_client, url, 0, PAYLOAD)
    assert response.status_code == 460
    assert response.json()["error"] == "The file was damaged in transit. Please upload it again."

    info = tus.upload_get(upload_id=upload_id(url), user=user)
    assert info.state == tus.UploadState.CORRUPT
    assert info.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    with translation.override("en"):
        assert info.error_message == "The file was damaged in transit. Please upload it again."
    assert completed == []
    # tus-js-client, resuming, sees the upload is gone and starts a new one.
    assert head(tus_client, url).status_code == 410
    assert patch(tus_client, url, len(PAYLOAD), b"").status_code == 410


def test_survives_a_restart(tus_client, user, upload_dir, completed):
    """Everything is on disk: a fresh process reads the same state and repairs a write cut by a crash."""
    url = create(tus_client, len(PAYLOAD), sha256=hashlib.sha256(PAYLOAD).hexdigest())
    patch(tus_client, url, 0, PAYLOAD[:100])
    directory = upload_dir / upload_id(url)
    saved = json.loads((directory / "info.json").read_text())
    assert (saved["offset"], saved["state"], saved["owner_id"]) == (100, "uploading", user.pk)
    assert not list(directory.glob("*.tmp"))  # info.json is replaced atomically

    # Killed after writing 50 more bytes but before info.json moved on: the data file wins.
    with open(directory / "data", "ab") as data:
        data.write(PAYLOAD[100:150])
    info = tus.upload_get(upload_id=upload_id(url), user=user)
    assert info.offset == 150
    assert json.loads((directory / "info.json").read_text())["offset"] == 150

    # Killed in the middle of a checksummed chunk: the unverified bytes are cut off.
    saved = json.loads((directory / "info.json").read_text())
    (directory / "info.json").write_text(json.dumps({**saved, "pending_checksum": True}))
    with open(directory / "data", "ab") as data:
        data.write(b"unverified")
    assert head(tus_client, url)["Upload-Offset"] == "150"
    assert (directory / "data").stat().st_size == 150

    assert patch(tus_client, url, 150, PAYLOAD[150:]).status_code == 204
    assert tus.upload_path(tus.upload_get(upload_id=upload_id(url), user=user)).read_bytes() == PAYLOAD
    assert len(completed) == 1


def test_another_users_upload_is_not_found(tus_client, client, user, db):
    url = create(tus_client, len(PAYLOAD))
    other = UserFactory()
    client.force_login(other)
    assert head(client, url).status_code == 404
    assert patch(client, url, 0, PAYLOAD).status_code == 404
    assert client.delete(url, headers=TUS).status_code == 404
    with pytest.raises(UploadNotFoundError):
        tus.upload_get(upload_id=upload_id(url), user=other)
    assert tus.upload_get(upload_id=upload_id(url), user=user).offset == 0


def test_anonymous_is_403(client, upload_dir, db):
    response = client.post("/uploads/tus/", headers={**TUS, "Upload-Length": "10"})
    assert response.status_code == 403
    assert response.json()["error"]
    assert response["Tus-Resumable"] == "1.0.0"
    assert patch(client, "/uploads/tus/00000000-0000-4000-8000-000000000000", 0, b"x").status_code == 403
    assert not upload_dir.exists()


def test_too_large_is_413(tus_client, settings):
    settings.KEXIANG_UPLOAD_MAX_BYTES = 100
    tus_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = tus_client.post("/uploads/tus/", headers={**TUS, "Upload-Length": "101"})
    assert response.status_code == 413
    assert response.json()["error"] == "This file is larger than the 100\xa0bytes limit."
    url = create(tus_client, 100)
    assert patch(tus_client, url, 0, PAYLOAD[:101]).status_code == 413  # more than Upload-Length
    assert head(tus_client, url)["Upload-Offset"] == "0"


def test_delete_terminates(tus_client, upload_dir):
    url = create(tus_client, len(PAYLOAD))
    patch(tus_client, url, 0, PAYLOAD[:10])
    response = tus_client.delete(url, headers=TUS)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert head(tus_client, url).status_code == 404
    assert list(upload_dir.iterdir()) == []


def test_protocol_errors(tus_client):
    url = create(tus_client, len(PAYLOAD))
    response = tus_client.generic("PATCH", url, PAYLOAD, content_type="application/octet-stream",
                                  headers={**TUS, "Upload-Offset": "0"})
    assert response.status_code == 415
    assert patch(tus_client, "/uploads/tus/00000000-0000-4000-8000-000000000000", 0, b"x").status_code == 404
    assert head(tus_client, "/uploads/tus/00000000-0000-4000-8000-000000000000").status_code == 404

    response = tus_client.post("/uploads/tus/", headers={"Upload-Length": "10"})  # no Tus-Resumable
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    assert tus_client.post("/uploads/tus/", headers=TUS).status_code == 400  # no Upload-Length
    bad_metadata = {**TUS, "Upload-Length": "10", "Upload-Metadata": "filename !!notbase64"}
    assert tus_client.post("/uploads/tus/", headers=bad_metadata).status_code == 400
    bad_sha256 = {**TUS, "Upload-Length": "10", "Upload-Metadata": f"sha256 {b64('abc')}"}
    assert tus_client.post("/uploads/tus/", headers=bad_sha256).status_code == 400
    assert patch(tus_client, url, "-1", b"x").status_code == 400
    assert tus_client.get(url).status_code == 405


def test_creation_with_upload_and_method_override(tus_client, user, completed):
    response = tus_client.post(
        "/uploads/tus/", PAYLOAD[:100], content_type=OFFSET_TYPE, headers={**TUS, "Upload-Length": str(len(PAYLOAD))}
    )
    assert response.status_code == 201
    assert response["Upload-Offset"] == "100"
    url = response["Location"]
    response = tus_client.post(
        url, PAYLOAD[100:], content_type=OFFSET_TYPE,
        headers={**TUS, "Upload-Offset": "100", "X-HTTP-Method-Override": "PATCH"},
    )
    assert response.status_code == 204
    assert tus.upload_get(upload_id=upload_id(url), user=user).is_complete
    assert len(completed) == 1


def test_empty_file_completes_at_creation(tus_client, user, completed):
    url = create(tus_client, 0, filename="empty.txt")
    assert tus.upload_get(upload_id=upload_id(url), user=user).is_complete
    assert len(completed) == 1


def test_concurrent_patches_do_not_interleave(user, upload_dir, monkeypatch):
    """While one append holds the upload's lock, a second one is refused (423) and writes nothing."""
    monkeypatch.setattr(tus, "LOCK_WAIT_SECONDS", 0.1)
    info = tus.upload_create(user=user, length=len(PAYLOAD))
    reading, release = threading.Event(), threading.Event()

    class SlowBody(io.BytesIO):
        def read(self, size=-1):
            reading.set()
            release.wait(5)
            return super().read(size)

    first = threading.Thread(
        target=tus.upload_append,
        kwargs={"upload_id": info.id, "user": user, "offset": 0, "stream": SlowBody(PAYLOAD[:100]),
                "content_length": 100},
    )
    first.start()
    assert reading.wait(5)
    with pytest.raises(UploadLockedError):
        tus.upload_append(upload_id=info.id, user=user, offset=0, stream=io.BytesIO(PAYLOAD[:100]), content_length=100)
    release.set()
    first.join(5)
    info = tus.upload_get(upload_id=info.id, user=user)
    assert info.offset == 100
    assert tus.upload_path(info).read_bytes() == PAYLOAD[:100]


def test_bodies_are_read_in_small_blocks(user, upload_dir):
    sizes = []

    class Body(io.BytesIO):
        def read(self, size=-1):
            sizes.append(size)
            return super().read(size)

    payload = PAYLOAD * 200  # 200 KiB
    info = tus.upload_create(user=user, length=len(payload))
    tus.upload_append(upload_id=info.id, user=user, offset=0, stream=Body(payload), content_length=len(payload))
    assert max(sizes) <= 64 * 1024 and -1 not in sizes
    assert tus.upload_path(info).read_bytes() == payload


def test_uploads_expire(user, upload_dir):
    stale = tus.upload_create(user=user, length=10)
    fresh = tus.upload_create(user=user, length=10)
    done = tus.upload_create(user=user, length=1)
    tus.upload_append(upload_id=done.id, user=user, offset=0, stream=io.BytesIO(b"x"), content_length=1)
    for upload in (stale, done):
        path = upload_dir / str(upload.id) / "info.json"
        saved = json.loads(path.read_text())
        saved["updated"] = (timezone.now() - timedelta(days=3)).isoformat()
        path.write_text(json.dumps(saved))

    assert tus.uploads_expire(older_than=timedelta(days=1)) == 1
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted([str(fresh.id), str(done.id)])
    with pytest.raises(UploadNotFoundError):
        tus.upload_get(upload_id=stale.id, user=user)
