"""End to end over HTTP: a teacher uploads a recording with the tus protocol, it becomes an HLS ladder."""
import base64
import hashlib

import pytest

from media_pipeline.models import MediaAsset
from tests.shared import SAMPLES
from tests.browser import PHONE, phone_page, screenshot, wait_for
from tests.factories import UserFactory

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def b64(text):
    return base64.b64encode(text.encode()).decode()


@pytest.mark.shared_data
@pytest.mark.ffmpeg
@pytest.mark.django_db(transaction=True)
def test_a_dropped_upload_resumes_and_becomes_a_ladder(client, media_root, settings, tmp_path):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory()
    client.force_login(teacher)
    data = (SAMPLES / "phone_portrait_iphone6_with-gps.mov").read_bytes()
    metadata = ",".join([f"filename {b64('古诗三首.mov')}", f"filetype {b64('video/quicktime')}",
                         f"title {b64('古诗三首 微课')}", f"sha256 {b64(hashlib.sha256(data).hexdigest())}"])
    created = client.post("/uploads/tus/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata, **TUS)
    assert created.status_code == 201
    url = created["Location"]
    upload_id = url.rstrip("/").rsplit("/", 1)[-1]

    half = len(data) // 2
    first = client.patch(url, data[:half], content_type="application/offset+octet-stream",
                         HTTP_UPLOAD_OFFSET="0", **TUS)
    assert first.status_code == 204
    # the phone lost its connection; it asks where to go on
    offset = int(client.head(url, **TUS)["Upload-Offset"])
    assert offset == half
    assert client.get(f"/api/v1/media/by-upload/{upload_id}").status_code == 404  # not finished yet
    rest = client.patch(url, data[offset:], content_type="application/offset+octet-stream",
                        HTTP_UPLOAD_OFFSET=str(offset), **TUS)
    assert rest.status_code == 204

    found = client.get(f"/api/v1/media/by-upload/{upload_id}").json()
    assert found["state"] == "ready" and found["percent"] == 100 and found["master_url"]
    asset = MediaAsset.objects.get(upload_id=upload_id)
    assert asset.title == "古诗三首 微课" and asset.owner == teacher
    assert (media_root / asset.output_name / "master.m3u8").exists()
    # the original upload is never among what is served
    assert not any(p.suffix == ".mov" for p in (media_root / asset.output_name).rglob("*"))


@pytest.mark.shared_data
@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_from_a_phone_sized_browser(live_server, media_root, settings, tmp_path):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory(username="uploader")
    teacher.set_password("correct horse 42")
    teacher.save()
    with phone_page() as page:
        page.goto(live_server.url + "/accounts/login/?next=/my/media/upload/")
        page.fill("input[name=username]", "uploader")
        page.fill("input[name=password]", "correct horse 42")
        page.click("button[type=submit]")
        page.wait_for_url("**/my/media/upload/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.fill("#title", "秋天的雨 微课")
        page.set_input_files("#file", str(SAMPLES / "opencast_av_eth-lecture-slides.mov"))
        screenshot(page, "upload-360x640")
        page.click("#start")
        page.wait_for_url("**/my/media/*/", timeout=120_000)
        page.wait_for_selector("#done:not([hidden])", timeout=120_000)
        wait_for(lambda: page.locator("#percent").inner_text() == "100", 120, page)
        # the recording is no dead end: its poster, and the way into the library (issue 20)
        assert page.locator("img.recording-poster").is_visible()
        screenshot(page, "upload-done-360x640")
        page.click("a[href^='/resources/share/']")
        page.wait_for_url("**/resources/share/*/")
        assert page.locator("#id_title").input_value() == "秋天的雨 微课"


@pytest.mark.shared_data
@pytest.mark.ffmpeg
@pytest.mark.django_db(transaction=True)
def test_a_finished_upload_whose_asset_was_never_made_is_not_lost(client, media_root, settings, tmp_path):
    from media_pipeline import tus

    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory()
    client.force_login(teacher)
    data = (SAMPLES / "opencast_scene-change_eth-lecture-slides.mov").read_bytes()
    metadata = f"filename {b64('slides.mov')},filetype {b64('video/quicktime')}"
    # the process "dies" between finishing the upload and making the asset: no receiver runs
    receivers = tus.upload_completed.receivers
    tus.upload_completed.receivers = []
    try:
        url = client.post("/uploads/tus/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata,
                          **TUS)["Location"]
        assert client.patch(url, data, content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0",
                            **TUS).status_code == 204
    finally:
        tus.upload_completed.receivers = receivers
        tus.upload_completed.sender_receivers_cache.clear()
    upload_id = url.rstrip("/").rsplit("/", 1)[-1]
    assert not MediaAsset.objects.filter(upload_id=upload_id).exists()
    found = client.get(f"/api/v1/media/by-upload/{upload_id}").json()
    assert found["state"] == "ready"
    other = UserFactory()
    client.force_login(other)
    assert client.get(f"/api/v1/media/by-upload/{upload_id}").status_code == 404
