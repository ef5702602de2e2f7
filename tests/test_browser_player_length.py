"""The player after the walkthrough (issue 20): a slide recording's length is said the same by the browser's player
and by the page (B-frames at 2 fps had shifted it by a second: 10.4 s shown as 0:12), and a portrait lesson leaves
the title, the scrubber and the controls on a 360x640 screen. Screenshots test-artifacts/walkthrough-player-*.png."""
import pytest

from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from media_pipeline.tests.conftest import lavfi_clip
from resources.models import ResourceType
from tests.browser import PHONE, phone_page, screenshot, wait_for
from tests.factories import ResourceFactory, UserFactory
from tests.test_browser_player import NO_NATIVE_HLS

pytestmark = [pytest.mark.ffmpeg, pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
VIDEO = "document.getElementById('lesson-video')"


def lesson_of(source, title):
    asset = media_asset_create(owner=UserFactory(), source_path=source, title=title)
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    return ResourceFactory(title=title, resource_type=ResourceType.MICRO_LESSON, media_asset=asset,
                           visibility="public", live=True), asset


def play(page, url):
    page.goto(url)
    page.evaluate(f"{VIDEO}.muted = true")
    page.click("#lesson-play")
    wait_for(lambda: page.evaluate(f"{VIDEO}.currentTime") > 1, 60, page)


@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_a_2_fps_slide_recording_is_as_long_in_the_player_as_on_the_page(live_server, media_root, tmp_path, player):
    source = lavfi_clip(tmp_path / "slides.mp4", seconds=10.44, size="640x360", rate=2)
    lesson, asset = lesson_of(source, "《古诗三首》幻灯片讲解")
    with phone_page() as page:
        if player == "hls.js":
            page.add_init_script(NO_NATIVE_HLS)
        play(page, f"{live_server.url}/lessons/{lesson.pk}/")
        length = page.evaluate(f"{VIDEO}.duration")
        assert abs(length - asset.duration) < 0.25, (length, asset.duration)
        assert int(length) == 10 and page.inner_text(".lesson-times").split()[-1] == "00:10"
        screenshot(page, f"walkthrough-player-length-{player}")


def test_a_portrait_lesson_leaves_the_title_scrubber_and_controls_in_view(live_server, media_root, tmp_path):
    source = lavfi_clip(tmp_path / "portrait.mp4", seconds=6, size="180x320", rate=25)
    lesson, _asset = lesson_of(source, "《大青树下的小学》竖屏微课")
    with phone_page() as page:
        play(page, f"{live_server.url}/lessons/{lesson.pk}/")
        for selector in ("h1", "#lesson-video", "#lesson-seek", ".lesson-times", "#lesson-quality"):
            box = page.locator(selector).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)
        screenshot(page, "walkthrough-player-portrait")
