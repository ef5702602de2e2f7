"""Save for offline: the list of files to keep (lowest rung, poster, page and its CSS/JS, captions) follows
the lesson page's visibility rule, and the service worker is served so that its scope can be /lessons/."""
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from lessons.tests.test_lesson_page import lesson  # noqa: F401 (fixture)
from resources.models import Resource

PLAYLIST = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.000,
seg_00000.m4s
#EXTINF:4.000,
seg_00001.m4s
#EXTINF:2.000,
seg_00002.m4s
#EXT-X-ENDLIST
"""


@pytest.fixture
def ladder(lesson, media_root):  # noqa: F811
    """The lowest rung (240p) and the 360p rung on disk, as the pipeline writes them."""
    base = media_root / lesson.media_asset.output_name
    for rung, size in (("240p", 1000), ("360p", 3000)):
        (base / rung).mkdir(parents=True)
        (base / rung / "index.m3u8").write_text(PLAYLIST)
        (base / rung / "init.mp4").write_bytes(b"i" * 100)
        for n in range(3):
            (base / rung / f"seg_0000{n}.m4s").write_bytes(b"s" * size)
    (base / "poster-640.jpg").write_bytes(b"p" * 500)
    return base


def test_the_manifest_lists_the_lowest_rung_its_segments_the_poster_and_the_page(client, lesson, ladder):  # noqa: F811
    response = client.get(reverse("lessons:offline_manifest", args=[lesson.pk]))
    assert response.status_code == 200
    data = response.json()
    base = f"/media/hls/{lesson.media_asset.uid}"
    sizes = {f["url"]: f["size"] for f in data["files"]}
    assert data["cache"] == f"kexiang-lesson-{lesson.pk}"
    assert data["rung"] == "240p" and data["playlist"] == f"{base}/240p/index.m3u8"
    assert sizes[reverse("lessons:lesson", args=[lesson.pk])] is None  # rendered: size known once fetched
    page = next(f for f in data["files"] if f["url"] == reverse("lessons:lesson", args=[lesson.pk]))
    assert page["fetch"] == page["url"] + "?offline=1"  # the copy to keep, without review comments
    assert sizes[f"{base}/240p/index.m3u8"] == len(PLAYLIST)
    assert sizes[f"{base}/240p/init.mp4"] == 100
    for n in range(3):
        assert sizes[f"{base}/240p/seg_0000{n}.m4s"] == 1000
    assert sizes[f"{base}/poster-640.jpg"] == 500
    assert not any("/360p/" in url or "/audio/" in url or url.endswith("master.m3u8") for url in sizes)
    for name in ("css/player.css", "js/player.js", "js/offline.js", "vendor/hls.light.min.js"):
        assert sizes[f"/static/{name}"] > 0
    assert data["bytes"] == sum(size or 0 for size in sizes.values())


def test_the_manifest_keeps_the_storyboard_when_there_is_one_and_the_saved_lessons_page(client, lesson, ladder):  # noqa: F811
    asset = lesson.media_asset
    url = reverse("lessons:offline_manifest", args=[lesson.pk])
    urls = [f["url"] for f in client.get(url).json()["files"]]
    assert reverse("lessons:saved") in urls  # so the list opens offline
    assert not any("storyboard" in u for u in urls)  # none on disk: nothing to fetch and fail on
    (ladder / "storyboard.vtt").write_text("WEBVTT\n")
    (ladder / "storyboard.jpg").write_bytes(b"j" * 700)
    sizes = {f["url"]: f["size"] for f in client.get(url).json()["files"]}
    assert sizes[asset.storyboard_url] == len("WEBVTT\n")
    assert sizes[asset.storyboard_url.replace(".vtt", ".jpg")] == 700


def test_the_manifest_keeps_the_captions(client, lesson, ladder):  # noqa: F811
    lesson.captions.save("lesson.vtt", ContentFile(b"WEBVTT\n"))
    urls = [f["url"] for f in client.get(reverse("lessons:offline_manifest", args=[lesson.pk])).json()["files"]]
    assert lesson.captions.url in urls


@pytest.mark.parametrize("change", [{"visibility": Resource.Visibility.SCHOOL}, {"live": False}])
def test_the_manifest_of_a_lesson_the_reader_may_not_see_is_not_found(client, lesson, ladder, change):  # noqa: F811
    Resource.objects.filter(pk=lesson.pk).update(**change)
    assert client.get(reverse("lessons:offline_manifest", args=[lesson.pk])).status_code == 404
    client.force_login(lesson.uploaded_by)  # its uploader may
    assert client.get(reverse("lessons:offline_manifest", args=[lesson.pk])).status_code == 200


def test_the_service_worker_is_served_for_the_lessons_scope(client, db):
    response = client.get(reverse("lessons:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert b"kexiang-lesson-" in response.content
    assert reverse("lessons:service_worker") == "/lessons/sw.js"


def test_the_lesson_page_offers_saving_without_registering_the_worker(client, lesson):  # noqa: F811
    html = client.get(reverse("lessons:lesson", args=[lesson.pk])).content.decode()
    assert 'class="lesson-offline is-waiting" id="lesson-offline"' in html  # offline.js shows it where service workers exist
    assert reverse("lessons:offline_manifest", args=[lesson.pk]) in html
    assert html.index("js/offline.js") < html.index("js/player.js")  # it may point the player at the saved rung
    assert "serviceWorker.register" not in html


def test_the_saved_lessons_page(client, db):
    response = client.get(reverse("lessons:saved"))
    assert response.status_code == 200
    assert 'id="saved-lessons"' in response.content.decode()
