"""Private means private for every byte: each file kind of a resource of each visibility, and a 教研 post's
file, asked for by an anonymous visitor, an outsider, a member of the school and a member of the paired school,
through the real app server (Django streams the file) and through nginx (Django decides, X-Accel-Redirect)."""
import datetime
import shutil
import uuid
from urllib.parse import urljoin

import pytest
from django.core.files.base import ContentFile

from accounts.models import SchoolPairing
from media_pipeline.models import MediaAsset
from media_pipeline.pipeline import transcode
from media_pipeline.playlists import playlist_files
from media_pipeline.tests.conftest import lavfi_clip
from research.models import GroupMembership, Post, PostAttachment, Thread
from resources.models import Resource, ResourceType
from tests.factories import ResearchGroupFactory, ResourceFactory, SchoolFactory, UserFactory
from tests.serving import signed_in

pytestmark = [pytest.mark.ffmpeg, pytest.mark.django_db(transaction=True)]

V = Resource.Visibility
READERS = ("anonymous", "outsider", "school", "paired")
# who may read a resource's files, by its visibility (the uploader always may)
MAY_READ = {
    V.PRIVATE: set(),
    V.SCHOOL: {"school"},
    V.PAIRING: {"school", "paired"},
    V.PUBLIC: set(READERS),
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n秋天的雨\n".encode()


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    """One real ladder (a black "slide", then the test picture), copied under each asset of the test."""
    work = tmp_path_factory.mktemp("ladder")
    source = lavfi_clip(work / "lesson.mp4", seconds=10, size="640x360", rate=25, black_seconds=4)
    transcode(source, work / "out")
    return work / "out"


def people():
    home, paired, other = SchoolFactory(name="城区实验小学"), SchoolFactory(name="乡村中心小学"), SchoolFactory(name="远方小学")
    SchoolPairing.objects.create(supporting=home, supported=paired, starts_on=datetime.date(2025, 9, 1))
    return {
        "uploader": UserFactory(username="liwei", school=home),
        "school": UserFactory(username="colleague", school=home),
        "paired": UserFactory(username="zhangfang", school=paired),
        "outsider": UserFactory(username="stranger", school=other),
        "anonymous": None,
    }


def resource_with_every_file(visibility, uploader, ladder, media_root):
    """A live micro-lesson with an attachment, a preview page, captions and a full ladder; returns it and
    the URL of one file of each kind."""
    uid = uuid.uuid4()
    shutil.copytree(ladder, media_root / "hls" / str(uid))
    asset = MediaAsset.objects.create(uid=uid, owner=uploader, title="秋天的雨", state=MediaAsset.State.READY,
                                      variants=[{"name": "240p", "height": 240}], has_video=True, has_audio=True)
    resource = ResourceFactory(title=f"《秋天的雨》{visibility}", resource_type=ResourceType.MICRO_LESSON, live=True,
                               visibility=visibility, uploaded_by=uploader, school=uploader.school, media_asset=asset,
                               licence="CC-BY-NC-SA-4.0")
    resource.attachment.save("qiutian.pdf", ContentFile(PDF), save=False)
    resource.captions.save("qiutian.vtt", ContentFile(VTT), save=False)
    preview = resource.attachment.storage.save(f"previews/{resource.pk}-{uuid.uuid4().hex}/page-1.jpg", ContentFile(JPEG))
    resource.preview_pages = [preview]
    resource.save()
    base = f"/media/hls/{uid}/"
    variant = urljoin(base, "240p/index.m3u8")
    segment = playlist_files(variant)[-1]
    assert segment.endswith(".m4s")
    files = {
        "attachment": resource.attachment.url,
        "preview page": resource.attachment.storage.url(preview),
        "captions": resource.captions.url,
        "poster": asset.poster_url or base + "poster-640.jpg",
        "storyboard": base + "storyboard.jpg",
        "slide still": base + "slides/00001.jpg",
        "master playlist": base + "master.m3u8",
        "variant playlist": variant,
        "segment": segment,
        "download": f"/resources/{resource.pk}/download",
    }
    return resource, files


def post_with_file(members, outsiders):
    group = ResearchGroupFactory(name="三年级语文联合教研组")
    for user in members:
        GroupMembership.objects.create(group=group, user=user)
    thread = Thread.objects.create(group=group, title="《秋天的雨》集体备课", created_by=members[0])
    post = Post.objects.create(thread=thread, author=members[0], body_html="<p>教案初稿</p>", body_text="教案初稿")
    attachment = PostAttachment(post=post, original_filename="教案初稿.pdf", size=len(PDF))
    attachment.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(PDF), save=False)
    attachment.save()
    return f"/research/attachments/{attachment.pk}/"


@pytest.mark.slow
@pytest.mark.parametrize("via", ["django", pytest.param("nginx", marks=pytest.mark.nginx)])
def test_every_file_of_a_resource_reaches_only_whoever_may_see_the_resource(served, ladder, media_root, via):
    who = people()
    resources = {v: resource_with_every_file(v, who["uploader"], ladder, media_root) for v in MAY_READ}
    post_file = post_with_file([who["uploader"], who["paired"]], [who["school"], who["outsider"]])
    base = served(via=via)
    sessions = {name: signed_in(user) for name, user in who.items()}

    wrong = []
    for visibility, (_resource, files) in resources.items():
        for reader in (*READERS, "uploader"):
            allowed = reader == "uploader" or reader in MAY_READ[visibility]
            for kind, url in files.items():
                response = sessions[reader].get(base + url, allow_redirects=False, timeout=30)
                ok = response.status_code == 200 and len(response.content) > 0
                if ok != allowed or (not allowed and response.status_code != 404):
                    wrong.append(f"{visibility} {kind} as {reader}: {response.status_code}")
    assert not wrong, "\n".join(wrong)

    # the post's file: members only (the paired teacher is a member, the colleague is not); no sign-in: log in
    member = sessions["paired"].get(base + post_file, timeout=30)
    assert member.content == PDF
    assert member.headers["Cache-Control"] == "private, no-store"  # not even in a shared computer's browser
    assert sessions["uploader"].get(base + post_file, timeout=30).status_code == 200
    for reader in ("school", "outsider"):
        assert sessions[reader].get(base + post_file, timeout=30).status_code == 404
    anonymous = sessions["anonymous"].get(base + post_file, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]

    # nothing else under the media root is served: work folders of a transcode, unknown folders, traversal
    public = resources[V.PUBLIC][1]
    uid = public["master playlist"].split("/")[3]
    shutil.copytree(media_root / "hls" / uid, media_root / "hls" / f"{uid}.partial")
    (media_root / "stray").mkdir()
    (media_root / "stray" / "notes.txt").write_text("not linked")
    for url in (f"/media/hls/{uid}.partial/master.m3u8", "/media/stray/notes.txt", "/media/hls/../stray/notes.txt",
                "/media/resources/", f"/media/hls/{uid}/"):
        assert sessions["uploader"].get(base + url, allow_redirects=False, timeout=30).status_code == 404, url


@pytest.mark.slow
@pytest.mark.parametrize("via", ["django", pytest.param("nginx", marks=pytest.mark.nginx)])
def test_public_files_are_cacheable_and_answer_ranges_private_ones_stay_in_the_readers_browser(served, ladder, media_root,
                                                                                               via):
    who = people()
    _public, public = resource_with_every_file(V.PUBLIC, who["uploader"], ladder, media_root)
    _school, school = resource_with_every_file(V.SCHOOL, who["uploader"], ladder, media_root)
    base = served(via=via)
    anonymous, colleague = signed_in(None), signed_in(who["school"])

    segment = anonymous.get(base + public["segment"], timeout=30)
    assert segment.status_code == 200
    if via == "nginx":
        assert segment.headers["Server"] == "nginx"
    assert segment.headers["Content-Type"] == "video/iso.segment"
    assert segment.headers["Cache-Control"] == "public, max-age=86400"
    playlist = anonymous.get(base + public["master playlist"], timeout=30)
    assert playlist.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["Cache-Control"] == "public, max-age=60"
    assert playlist.text.startswith("#EXTM3U")

    # a byte range, as a native player asks for, and the ETag check a browser cache makes
    whole = segment.content
    part = anonymous.get(base + public["segment"], headers={"Range": "bytes=100-299"}, timeout=30)
    assert part.status_code == 206 and part.content == whole[100:300]
    assert part.headers["Content-Range"] == f"bytes 100-299/{len(whole)}"
    tail = anonymous.get(base + public["segment"], headers={"Range": "bytes=-50"}, timeout=30)
    assert tail.status_code == 206 and tail.content == whole[-50:]
    beyond = anonymous.get(base + public["segment"], headers={"Range": f"bytes={len(whole) + 10}-"}, timeout=30)
    assert beyond.status_code == 416
    again = anonymous.get(base + public["segment"], headers={"If-None-Match": segment.headers["ETag"]}, timeout=30)
    assert again.status_code == 304

    # the school's lesson: the colleague gets it, private to their browser, and ranges work there too
    private = colleague.get(base + school["segment"], timeout=30)
    assert private.status_code == 200
    assert private.headers["Cache-Control"] == "private, max-age=600"
    assert "Cookie" in private.headers.get("Vary", "")
    assert colleague.get(base + school["variant playlist"], timeout=30).headers["Cache-Control"] == "private, no-cache"
    part = colleague.get(base + school["segment"], headers={"Range": "bytes=0-99"}, timeout=30)
    assert part.status_code == 206 and part.content == private.content[:100]

    # a download keeps its name with the title and its licence link
    download = colleague.get(base + school["download"], timeout=30)
    assert download.status_code == 200 and download.content == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert ".pdf" in download.headers["Content-Disposition"]
    assert download.headers["Link"] == '<https://creativecommons.org/licenses/by-nc-sa/4.0/>; rel="license"'

