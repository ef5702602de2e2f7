"""Media in object storage (KEXIANG_MEDIA_STORAGE=s3) against a real S3 API server (scripts/services/s3.sh):
an upload becomes a ladder in the bucket and plays through signed playlists; every file of a private resource
is refused to an outsider and reached by a member through a link that expires; the store going away loses
nothing."""
import base64
import hashlib
import io
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction

from media_pipeline import tus
from media_pipeline.models import MediaAsset
from media_pipeline.services import TranscodeJob
from media_pipeline.tests.conftest import lavfi_clip
from research.models import GroupMembership, Post, PostAttachment, Thread
from resources.models import Resource, ResourceType
from tests.factories import ResearchGroupFactory, ResourceFactory, SchoolFactory, UserFactory
from tests.objectstore import ObjectStore, get
from tests.serving import AppServer, signed_in

pytestmark = [pytest.mark.objectstore, pytest.mark.ffmpeg, pytest.mark.django_db(transaction=True)]

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n秋天的雨\n".encode()


def b64(text):
    return base64.b64encode(text.encode()).decode()


def tus_upload(client, data, *, filename="秋天的雨.mp4", title="秋天的雨 微课"):
    metadata = ",".join([f"filename {b64(filename)}", f"filetype {b64('video/mp4')}", f"title {b64(title)}",
                         f"sha256 {b64(hashlib.sha256(data).hexdigest())}"])
    created = client.post("/uploads/tus/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata, **TUS)
    assert created.status_code == 201
    url = created["Location"]
    done = client.patch(url, data, content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0", **TUS)
    assert done.status_code == 204
    return url.rstrip("/").rsplit("/", 1)[-1]


def ladder_asset(owner, tmp_path, *, seconds=6):
    """A video transcoded by the real pipeline into the bucket (through the job a worker runs)."""
    source = lavfi_clip(tmp_path / f"lesson-{uuid.uuid4().hex[:6]}.mp4", seconds=seconds, size="640x360", rate=25)
    asset = MediaAsset.objects.create(owner=owner, source_path=str(source), title="秋天的雨")
    job = TranscodeJob(asset)
    assert job.claim()
    job.run()
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    return asset


def play(url, *, cookie=None):
    """FFmpeg plays the whole HLS ladder from `url` (as a player would: playlists from the site, segments from
    wherever they name), copying every packet; returns its exit code and messages."""
    command = ["ffmpeg", "-v", "error"]
    if cookie:
        command += ["-headers", f"Cookie: {cookie}\r\n"]
    command += ["-i", url, "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", "-f", "null", "-"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr


@pytest.mark.slow
def test_an_upload_becomes_a_ladder_in_the_bucket_and_plays_through_signed_playlists(client, object_store, settings,
                                                                                   tmp_path, media_root):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory(username="liwei")
    client.force_login(teacher)
    data = lavfi_clip(tmp_path / "phone.mp4", seconds=8, size="640x360", rate=25).read_bytes()
    upload_id = tus_upload(client, data)

    found = client.get(f"/api/v1/media/by-upload/{upload_id}").json()
    assert found["state"] == "ready" and found["master_url"]
    asset = MediaAsset.objects.get(upload_id=upload_id)
    # the original moved into the bucket (the web machine's upload folder keeps only the upload's record)
    assert asset.source_path.startswith(f"originals/{upload_id}/") and asset.size_bytes == len(data)
    assert object_store.media.size(asset.source_path) == len(data)
    assert not tus.upload_path(tus.upload_get(upload_id=upload_id, user=teacher)).exists()
    names = object_store.names(asset.output_name)
    assert f"{asset.output_name}/master.m3u8" in names and f"{asset.output_name}/240p/index.m3u8" in names
    assert any(name.endswith(".m4s") for name in names) and f"{asset.output_name}/poster-640.jpg" in names
    assert not [p for p in media_root.rglob("*") if p.is_file()], "nothing of the ladder on the web's disk"
    assert not list((tmp_path / "scratch").iterdir()), "the worker's scratch folder is cleaned up"

    # the bucket itself answers nobody without a signature
    bare = f"{object_store.endpoint}/{object_store.bucket}/{object_store.prefix}/{asset.output_name}/master.m3u8"
    assert get(bare).status_code == 403

    ResourceFactory(title="秋天的雨", resource_type=ResourceType.MICRO_LESSON, live=True, uploaded_by=teacher,
                    school=teacher.school, media_asset=asset, visibility=Resource.Visibility.SCHOOL)
    colleague = UserFactory(username="colleague", school=teacher.school)
    server = AppServer(env=object_store.env).start()
    try:
        session = signed_in(colleague)
        master = session.get(server.url + asset.master_url, timeout=30)
        assert master.status_code == 200 and "240p/index.m3u8" in master.text
        rung = session.get(urljoin(server.url + asset.master_url, "240p/index.m3u8?signed=1"), timeout=30)
        assert rung.status_code == 200 and rung.headers["Cache-Control"] == "private, no-cache"
        links = [line for line in rung.text.splitlines() if line and not line.startswith("#")]
        assert links and all(link.startswith(object_store.endpoint) and "X-Amz-Signature=" in link for link in links)
        # asked plainly (Safari's own player, which never reloads it) it names segments on the site instead
        plain = session.get(urljoin(server.url + asset.master_url, "240p/index.m3u8"), timeout=30).text
        assert "X-Amz" not in plain and "seg_00000.m4s" in plain
        assert get(links[0]).status_code == 200  # a signed link works from anywhere, with no cookie
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        code, errors = play(server.url + asset.master_url, cookie=cookie)
        assert code == 0, errors
        # and an outsider gets nothing, not even the playlist
        assert signed_in(UserFactory(username="stranger")).get(server.url + asset.master_url,
                                                                timeout=30).status_code == 404
    finally:
        server.stop()


def private_resource_with_every_file(owner, tmp_path, object_store):
    asset = ladder_asset(owner, tmp_path)
    resource = ResourceFactory(title="《秋天的雨》本校", resource_type=ResourceType.MICRO_LESSON, live=True,
                               visibility=Resource.Visibility.SCHOOL, uploaded_by=owner, school=owner.school,
                               media_asset=asset, licence="CC-BY-NC-SA-4.0")
    resource.attachment.save("qiutian.pdf", ContentFile(PDF), save=False)
    resource.captions.save("qiutian.vtt", ContentFile(VTT), save=False)
    preview = object_store.media.save(f"previews/{resource.pk}-{uuid.uuid4().hex}/page-1.jpg", ContentFile(JPEG))
    resource.preview_pages = [preview]
    resource.save()
    base = f"/media/{asset.output_name}/"
    slides = [n for n in object_store.names(f"{asset.output_name}/slides") if n.endswith(".jpg")]
    segment = next(n for n in object_store.names(f"{asset.output_name}/240p") if n.endswith(".m4s"))
    files = {
        "attachment": resource.attachment.url, "preview page": f"/media/{preview}", "captions": resource.captions.url,
        "poster": base + "poster-640.jpg", "storyboard": base + "storyboard.jpg", "storyboard cues": base +
        "storyboard.vtt", "slide still": f"/media/{slides[0]}", "master playlist": base + "master.m3u8",
        "variant playlist": base + "240p/index.m3u8", "segment": f"/media/{segment}",
        "download": f"/resources/{resource.pk}/download",
    }
    return resource, files


def test_every_file_of_a_private_resource_is_refused_to_an_outsider_and_reached_by_a_member(client, object_store,
                                                                                            tmp_path):
    school = SchoolFactory(name="城区实验小学")
    owner, colleague = UserFactory(username="liwei", school=school), UserFactory(username="colleague", school=school)
    outsider = UserFactory(username="stranger")
    resource, files = private_resource_with_every_file(owner, tmp_path, object_store)
    assert resource.attachment.url.startswith("/media/resources/")  # pages link the site, never the bucket

    group = ResearchGroupFactory(name="三年级语文教研组")
    GroupMembership.objects.create(group=group, user=colleague)
    thread = Thread.objects.create(group=group, title="集体备课", created_by=colleague)
    post = Post.objects.create(thread=thread, author=colleague, body_html="<p>教案</p>", body_text="教案")
    attachment = PostAttachment(post=post, original_filename="教案.pdf", size=len(PDF))
    attachment.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(PDF), save=False)
    attachment.save()
    assert object_store.private.exists(attachment.file.name)
    files["post file"] = f"/research/attachments/{attachment.pk}/"

    wrong = []
    for kind, url in files.items():
        client.force_login(outsider)
        refused = client.get(url)
        if refused.status_code != 404:
            wrong.append(f"{kind} as outsider: {refused.status_code}")
        client.force_login(colleague)
        response = client.get(url)
        if url.endswith(".m3u8"):
            ok = response.status_code == 200 and response.content.startswith(b"#EXTM3U")
        elif url.endswith(".vtt"):  # cue files come from the site: a <track> does not follow a cross-origin redirect
            ok = response.status_code == 200 and response.content.startswith(b"WEBVTT")
        else:  # a presigned link, short-lived, that the store honours without a cookie
            link = response.get("Location", "")
            fetched = get(link) if response.status_code == 302 else None
            ok = (fetched is not None and fetched.status_code == 200 and fetched.content
                  and "X-Amz-Expires=600" in link and urlsplit(link).netloc == urlsplit(object_store.endpoint).netloc)
            if ok and kind in ("attachment", "post file"):
                ok = fetched.content == PDF
        if not ok:
            wrong.append(f"{kind} as member: {response.status_code} {response.get('Location', '')[:80]}")
        if response.status_code == 302 and "private" not in response["Cache-Control"]:
            wrong.append(f"{kind}: the redirect may be kept by shared caches: {response['Cache-Control']}")
    assert not wrong, "\n".join(wrong)

    # the store sends what the link signed: the type, private caching, and the name of a download; a research
    # file is not even kept in the browser (shared school computers)
    client.force_login(colleague)
    post_file = client.get(files["post file"])
    assert post_file["Cache-Control"] == "private, no-store"
    assert get(post_file["Location"]).headers["Cache-Control"] == "private, no-store"
    segment = get(client.get(files["segment"])["Location"])
    assert segment.headers["Content-Type"] == "video/iso.segment"
    assert segment.headers["Cache-Control"].startswith("private")
    before = Resource.objects.get(pk=resource.pk).download_count
    download = get(client.get(files["download"])["Location"])
    assert download.content == PDF and "attachment" in download.headers["Content-Disposition"]
    assert Resource.objects.get(pk=resource.pk).download_count == before + 1  # a download by link counts too
    # a name nothing refers to is a 404, and so is a ladder file that is not in the bucket
    assert client.get(f"/media/{resource.media_asset.output_name}/nothing.jpg").status_code == 404


def test_a_signed_link_expires_and_the_playlist_gives_fresh_ones(client, object_store, settings, tmp_path):
    settings.KEXIANG_SIGNED_URL_SECONDS = 2
    owner = UserFactory(username="liwei")
    asset = ladder_asset(owner, tmp_path, seconds=4)
    client.force_login(owner)
    playlist = f"/media/{asset.output_name}/240p/index.m3u8?signed=1"
    first = [line for line in client.get(playlist).content.decode().splitlines() if line.startswith("http")]
    assert get(first[0]).status_code == 200
    time.sleep(3.5)  # S3 signatures count whole seconds
    assert get(first[0]).status_code == 403, "an expired link is refused by the store"
    fresh = [line for line in client.get(playlist).content.decode().splitlines() if line.startswith("http")]
    assert fresh[0] != first[0] and get(fresh[0]).status_code == 200


def test_when_the_store_is_down_uploads_wait_pages_say_so_and_nothing_is_lost(client, object_store, settings,
                                                                               tmp_path):
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    teacher = UserFactory(username="liwei")
    client.force_login(teacher)
    asset = ladder_asset(teacher, tmp_path, seconds=4)
    ResourceFactory(title="秋天的雨", resource_type=ResourceType.MICRO_LESSON, live=True, uploaded_by=teacher,
                    school=teacher.school, media_asset=asset, visibility=Resource.Visibility.PUBLIC)
    working = settings.AWS_S3_ENDPOINT_URL
    dead = "http://127.0.0.1:9"  # discard: nothing listens
    for entry in ("default", "private"):
        settings.STORAGES[entry]["OPTIONS"]["endpoint_url"] = dead
    settings.STORAGES = dict(settings.STORAGES)  # tell Django the storages changed

    # an upload finishes while the store is down: kept here, the page is told to wait, no asset yet
    data = lavfi_clip(tmp_path / "phone.mp4", seconds=3, size="320x240", rate=15).read_bytes()
    upload_id = tus_upload(client, data)
    waiting = client.get(f"/api/v1/media/by-upload/{upload_id}")
    assert waiting.status_code == 503 and "请过几分钟再试" in waiting.json()["error"]
    assert tus.upload_path(tus.upload_get(upload_id=upload_id, user=teacher)).stat().st_size == len(data)
    assert not MediaAsset.objects.filter(upload_id=upload_id).exists()
    # a transcode that cannot reach the store is retried (an OSError for Celery), not failed
    stuck = MediaAsset.objects.create(owner=teacher, source_path="originals/x/original.mp4")
    job = TranscodeJob(stuck)
    assert job.claim()
    with pytest.raises(OSError):
        job.run()
    stuck.refresh_from_db()
    assert stuck.state == MediaAsset.State.PROCESSING
    # pages still render and say media cannot be loaded; files answer 503 with a sentence; readiness says so
    page = client.get(f"/lessons/{asset.resources.get().pk}/")
    assert page.status_code == 200 and "媒体存储没有响应" in page.content.decode()
    poster = client.get(f"/media/{asset.output_name}/master.m3u8")
    assert poster.status_code == 503 and poster["Retry-After"]
    assert client.get("/readyz").json()["checks"]["media"]["ok"] is False

    # the store is back: the same upload becomes its video
    for entry in ("default", "private"):
        settings.STORAGES[entry]["OPTIONS"]["endpoint_url"] = working
    settings.STORAGES = dict(settings.STORAGES)
    found = client.get(f"/api/v1/media/by-upload/{upload_id}")
    assert found.status_code == 200 and found.json()["state"] == "ready"
    assert "媒体存储没有响应" not in client.get(f"/lessons/{asset.resources.get().pk}/").content.decode()


@pytest.mark.slow
def test_the_chunks_of_a_long_recording_meet_in_the_bucket(object_store, settings, tmp_path):
    """Each chunk task works in a scratch folder of its own (as on another machine) and leaves its chunk in the
    bucket; the join fetches them. Nothing is left in work/ or in scratch afterwards."""
    from media_pipeline.tasks import transcode_task

    settings.KEXIANG_CHUNK_SECONDS = 8
    source = lavfi_clip(tmp_path / "long.mp4", seconds=26, size="1280x720", rate=25)
    asset = MediaAsset.objects.create(owner=UserFactory(), source_path=str(source))
    seen = []
    from media_pipeline import publishing

    stored = publishing.chunk_store

    def watched(asset_, folder, index):
        seen.append((index, Path(folder).resolve().parts[-3]))  # <workspace>/ladder.chunks/chunk_NNNN
        return stored(asset_, folder, index)

    publishing.chunk_store = watched
    try:
        transcode_task.delay(asset.pk)
    finally:
        publishing.chunk_store = stored
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    assert sorted(i for i, _w in seen) == [0, 1, 2], "26 s in chunks of 8 s (the last 2 s folded in)"
    assert len({workspace for _i, workspace in seen}) == 3, "each chunk in a workspace of its own"
    master = object_store.media.open(f"{asset.output_name}/master.m3u8").read().decode()
    assert "720p/index.m3u8" in master and "240p/index.m3u8" in master
    assert not object_store.names(f"work/{asset.uid}") and not list((tmp_path / "scratch").iterdir())


def command(name, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue()


def test_media_moves_into_the_bucket_and_back_orphans_are_found_and_a_deleted_resource_takes_its_objects(
        client, settings, media_root, tmp_path):
    """media_migrate from a site on disk to the buckets (then the site runs on them), media_orphans there, and the
    files of a deleted resource going with it; then back to disk."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    store = ObjectStore(settings)
    settings.KEXIANG_S3_PREFIX = store.prefix
    owner = UserFactory(username="liwei")
    resource = ResourceFactory(title="秋天的雨 教案", live=True, visibility=Resource.Visibility.PUBLIC, uploaded_by=owner,
                               school=owner.school)
    resource.attachment.save("jiaoan.pdf", ContentFile(PDF), save=False)
    resource.captions.save("zimu.vtt", ContentFile(VTT), save=False)
    resource.save()
    original = tmp_path / "uploads" / "lesson.mp4"
    original.parent.mkdir(parents=True)
    original.write_bytes(b"a phone recording")
    asset = MediaAsset.objects.create(owner=owner, source_path=str(original), state=MediaAsset.State.READY)
    (media_root / asset.output_name).mkdir(parents=True)
    (media_root / asset.output_name / "master.m3u8").write_text("#EXTM3U\n")
    try:
        summary = command("media_migrate", "--to", "s3")
        # the attachment, the captions, the ladder's playlist and the video's original (from the upload folder)
        assert summary.startswith("4 files copied, 0 skipped, 0 failed") and "1 videos' originals moved" in summary
        assert command("media_migrate", "--to", "s3").startswith("0 files copied, 3 skipped")  # nothing left (the original is named by its video now)
        asset.refresh_from_db()
        assert asset.source_path == f"originals/{asset.uid}/original.mp4"

        store.switch_on()  # the site now runs on the buckets
        assert store.media.open(asset.source_path).read() == b"a phone recording"
        link = client.get(resource.attachment.url)
        assert link.status_code == 302 and get(link["Location"]).content == PDF

        store.media.save("previews/stray/page-1.jpg", ContentFile(JPEG))  # nothing refers to it
        listed = command("media_orphans", "--older-than", "0")
        assert "previews/stray/page-1.jpg" in listed and resource.attachment.name not in listed
        command("media_orphans", "--older-than", "0", "--delete")
        assert not store.names("previews/stray") and store.media.exists(resource.attachment.name)

        attachment, captions = resource.attachment.name, resource.captions.name
        with transaction.atomic():
            resource.delete()
            asset.delete()
        assert not store.media.exists(attachment) and not store.media.exists(captions)
        assert not store.names(asset.output_name) and not store.names(f"originals/{asset.uid}")
    finally:
        store.clean()


@pytest.mark.browser
@pytest.mark.slow
def test_a_phone_plays_a_school_lesson_from_the_bucket_and_goes_on_after_its_links_expire(served, object_store,
                                                                                         tmp_path):
    """hls.js on a 360x640 phone on slow 3G: playlists from the site, segments straight from the store by signed
    links (the page's CSP allows the store). The links live 8 s here, less than the lesson takes to load: once a
    playlist's links are near the end of their life the player asks the site for the segment instead (a
    redirect to a fresh link) and plays on to the end. Saved for offline, it then plays with no network."""
    from tests.browser import phone_page, save_and_play_offline, screenshot, sign_in
    from tests.test_browser_offline import localhost
    from tests.test_browser_player import NO_NATIVE_HLS, NO_THROTTLING, SLOW_3G

    teacher = UserFactory(username="liwei", full_name="李伟")
    UserFactory(username="colleague", school=teacher.school)
    asset = ladder_asset(teacher, tmp_path, seconds=40)
    lesson = ResourceFactory(title="《秋天的雨》微课", resource_type=ResourceType.MICRO_LESSON, uploaded_by=teacher,
                             school=teacher.school, media_asset=asset, visibility=Resource.Visibility.SCHOOL,
                             live=True)
    base = localhost(served(env={**object_store.env, "KEXIANG_SIGNED_URL_SECONDS": "8"}))  # secure: a service worker
    store = urlsplit(object_store.endpoint).netloc
    video = "document.getElementById('lesson-video')"
    with phone_page() as page:
        page.add_init_script(NO_NATIVE_HLS)
        answers, refused = [], []
        page.on("response", lambda response: answers.append((response.url, response.status)))
        page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
                else None)
        sign_in(page, base, "colleague", f"/lessons/{lesson.pk}/")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        page.evaluate(f"{video}.muted = true")
        page.click("#lesson-play")
        page.wait_for_function(f"() => {video}.currentTime > 3", timeout=60_000)
        screenshot(page, "object-storage-lesson-360x640")
        page.wait_for_function(f"() => {video}.currentTime > 38", timeout=120_000)
        assert not refused, refused
        site = urlsplit(base).netloc
        from_store = [status for url, status in answers if urlsplit(url).netloc == store and ".m4s" in url]
        via_site = [status for url, status in answers if urlsplit(url).netloc == site and url.endswith(".m4s")]
        assert via_site and set(via_site) == {302}, "segments past their links' life were asked of the site"
        assert from_store.count(200) + from_store.count(206) >= 10  # 40 s in 4 s segments, all from the store

        # saved for offline (each file under its site URL, the playlist as stored), it plays with no network
        cdp.send("Network.emulateNetworkConditions", NO_THROTTLING)
        cdp.detach()  # its network conditions would hide Playwright's offline switch below from the page
        save_and_play_offline(page)


def test_a_public_lesson_is_sent_from_the_cdn_a_private_one_never(client, object_store, settings):
    settings.KEXIANG_MEDIA_CDN_URL = "https://cdn.example.org/"
    owner = UserFactory(username="liwei")
    lessons = {}
    for visibility in (Resource.Visibility.PUBLIC, Resource.Visibility.SCHOOL):
        asset = MediaAsset.objects.create(owner=owner, state=MediaAsset.State.READY, has_video=True,
                                          variants=[{"name": "240p", "height": 240}])
        object_store.media.save(f"{asset.output_name}/240p/index.m3u8", ContentFile(
            b"#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n"))
        object_store.media.save(f"{asset.output_name}/240p/seg_00000.m4s", ContentFile(b"segment"))
        ResourceFactory(resource_type=ResourceType.MICRO_LESSON, live=True, visibility=visibility, uploaded_by=owner,
                        school=owner.school, media_asset=asset)
        lessons[visibility] = asset
    cdn = f"https://cdn.example.org/{object_store.prefix}/"
    public = lessons[Resource.Visibility.PUBLIC].output_name
    playlist = client.get(f"/media/{public}/240p/index.m3u8?signed=1").content.decode()
    assert f'URI="{cdn}{public}/240p/init.mp4"' in playlist and f"{cdn}{public}/240p/seg_00000.m4s" in playlist
    assert client.get(f"/media/{public}/240p/seg_00000.m4s")["Location"] == f"{cdn}{public}/240p/seg_00000.m4s"
    client.force_login(owner)
    private = lessons[Resource.Visibility.SCHOOL].output_name
    link = client.get(f"/media/{private}/240p/seg_00000.m4s")["Location"]
    assert link.startswith(object_store.endpoint) and "X-Amz-Signature=" in link and get(link).content == b"segment"
