"""The lesson player on a phone (360×640): a real recording goes through the pipeline; on a slow 3G network
the first video segment comes from the lowest rung and the lesson plays past 10 s; with "sound only" no
video segment is fetched at all, and the lesson resumes where the viewer stopped."""
import re

import pytest

from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from media_pipeline.tests.conftest import lavfi_clip
from resources.models import Resource, ResourceType
from tests.browser import PHONE, phone_page, screenshot, wait_for
from tests.factories import ResourceFactory, UserFactory

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50 * 1024, "uploadThroughput": 50 * 1024,
           "connectionType": "cellular3g"}
NO_THROTTLING = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def media_files(requests, uid):
    """(rung, file) of every segment or init file requested from the asset's ladder, in order."""
    pattern = re.compile(rf"/hls/{uid}/([^/]+)/([^/?]+)")
    found = []
    for url in requests:
        match = pattern.search(url)
        if match and not match.group(2).endswith(".m3u8"):
            found.append(match.groups())
    return found


# A browser without native HLS (Firefox, older Chrome): the page must fetch hls.js and play with it.
NO_NATIVE_HLS = """(() => { const own = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) { return /mpegurl/i.test(type) ? "" : own.call(this, type); };
})();"""


def transcoded_lesson(tmp_path, *, seconds):
    """A public 640x360 micro-lesson of `seconds` through the real pipeline (Celery runs eagerly): the
    resource, its asset, and the video rungs lowest first."""
    teacher = UserFactory(username="liwei", full_name="李伟")
    source = lavfi_clip(tmp_path / "lesson.mp4", seconds=seconds, size="640x360", rate=25)
    asset = media_asset_create(owner=teacher, source_path=source, title="《秋天的雨》微课")
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    lesson = ResourceFactory(title="《秋天的雨》微课", resource_type=ResourceType.MICRO_LESSON, uploaded_by=teacher,
                             media_asset=asset, visibility=Resource.Visibility.PUBLIC, live=True)
    return lesson, asset, sorted((v for v in asset.variants if v["height"]), key=lambda v: v["height"])


@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_a_lesson_starts_on_the_lowest_rung_on_slow_3g_and_sound_only_fetches_no_video(live_server, media_root, tmp_path,
                                                                                        player):
    # a 24-second 640x360 lesson through the real pipeline: audio, 240p and 360p
    lesson, asset, video_rungs = transcoded_lesson(tmp_path, seconds=24)
    assert len(video_rungs) >= 2, asset.variants  # otherwise "lowest" would prove nothing
    lowest = video_rungs[0]["name"]
    video_names = {v["name"] for v in video_rungs}
    audio_name = next(v["name"] for v in asset.variants if not v["height"])
    url = f"{live_server.url}/lessons/{lesson.pk}/"

    with phone_page() as page:
        if player == "hls.js":
            page.add_init_script(NO_NATIVE_HLS)
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)

        # (a) slow 3G: the first segment is the lowest rung's
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.locator(f".lesson-data-table tr[data-rung='{lowest}'] .lesson-mb").inner_text().endswith("MB")
        box_before = page.locator(".lesson-player").bounding_box()
        assert not media_files(requests, asset.uid) and not any("hls.light" in u for u in requests)  # nothing before play
        connection = page.evaluate("navigator.connection && navigator.connection.effectiveType")
        screenshot(page, f"lesson-player-{player}-before-play-360x640")

        page.evaluate("document.getElementById('lesson-video').muted = true")
        page.click("#lesson-play")
        wait_for(lambda: any(name.endswith(".m4s") for _rung, name in media_files(requests, asset.uid)), 60, page)
        cdp.send("Network.emulateNetworkConditions", NO_THROTTLING)  # the first segment is what this tests
        first_rung, first_file = next(f for f in media_files(requests, asset.uid) if f[1].endswith(".m4s"))
        assert any("hls.light" in u for u in requests) == (player == "hls.js")
        assert connection == "3g"  # Chromium passes the emulated network on to navigator.connection
        assert first_rung == lowest, (connection, media_files(requests, asset.uid))
        assert media_files(requests, asset.uid)[0][0] == lowest  # its init segment too

        page.wait_for_function("() => document.getElementById('lesson-video').currentTime > 10", timeout=60_000)
        assert page.locator(".lesson-player").bounding_box() == box_before  # no layout shift
        screenshot(page, f"lesson-player-{player}-playing-360x640")
        page.evaluate("document.getElementById('lesson-video').pause()")  # remembers the position
        stopped_at = page.evaluate("document.getElementById('lesson-video').currentTime")

        # (b) sound only: the audio rendition's segments and no video segment; it resumes where it stopped
        requests.clear()
        page.reload()
        assert page.locator("#lesson-resume").is_visible()
        page.select_option("#lesson-quality", audio_name)
        page.evaluate("document.getElementById('lesson-video').muted = true")
        page.click("#lesson-play")
        page.wait_for_function(f"() => document.getElementById('lesson-video').currentTime > {stopped_at + 2}",
                               timeout=60_000)
        assert page.evaluate("document.getElementById('lesson-video').currentTime") < stopped_at + 8  # resumed
        assert page.locator("#lesson-audio-note").is_visible()
        screenshot(page, f"lesson-player-{player}-sound-only-360x640")
        files = media_files(requests, asset.uid)
        # the sound and the stills of the slides (see test_browser_lesson_timeline.py), never a video segment
        assert files and all(rung in {audio_name, "slides"} for rung, _name in files), files
        assert not any(rung in video_names for rung, _name in files)
        assert not any(f"/{rung}/" in u for u in requests for rung in video_names if f"/hls/{asset.uid}/" in u)


@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_changing_the_quality_after_the_end_plays_again_from_the_start(live_server, media_root, tmp_path):
    lesson, _asset, video_rungs = transcoded_lesson(tmp_path, seconds=6)
    with phone_page() as page:
        page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
        page.evaluate("document.getElementById('lesson-video').muted = true")
        page.click("#lesson-play")
        wait_for(lambda: page.evaluate("document.getElementById('lesson-video').ended"), 60, page)
        page.select_option("#lesson-quality", video_rungs[-1]["name"])  # after the end: another quality
        page.wait_for_timeout(1500)
        state = page.evaluate("(v => ({error: v.error && v.error.code, at: v.currentTime, ready: v.readyState}))"
                              "(document.getElementById('lesson-video'))")
        assert state["error"] is None and state["at"] < 1 and state["ready"] >= 1, state
        page.evaluate("document.getElementById('lesson-video').play()")  # and it plays again
        wait_for(lambda: page.evaluate("document.getElementById('lesson-video').currentTime") > 1, 30, page)
        screenshot(page, "walkthrough-quality-after-the-end")
