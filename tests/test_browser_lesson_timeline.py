"""The lesson page's scrubber and sound-only slides on a phone (360×640, touch), on a real transcoded lesson:
dragging shows the storyboard picture of that moment and letting go seeks there; a group member sees the
review markers and tapping one plays from its moment, while the copy saved for offline has none of them;
turned sideways the picture fits and full screen asks for landscape; sound only shows the still of the
current slide and still fetches no video segment."""
import pytest

from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from media_pipeline.tests.conftest import lavfi_clip
from research.models import GroupMembership
from research.services.reviews import comment_add, review_create
from resources.models import Resource, ResourceType
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, ResourceFactory, UserFactory
from tests.test_browser_offline import localhost
from tests.test_browser_player import media_files, transcoded_lesson

pytestmark = [pytest.mark.ffmpeg, pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VIDEO = "document.getElementById('lesson-video')"


def touch_drag(page, start, end, steps=6, release=True):
    """A finger on the page at `start` (x, y), moved to `end` (CSS pixels), through Chromium's touch input."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
    for step in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * step / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": end[1]}]})
    if release:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    return cdp


# Records what the page asks of screen.orientation (a headless browser has no screen to turn).
ORIENTATION_SPY = """window.orientationAsked = [];
if (screen.orientation) {
  screen.orientation.lock = function (to) { window.orientationAsked.push(to); return Promise.resolve(); };
  screen.orientation.unlock = function () { window.orientationAsked.push("unlock"); };
}"""


def test_scrubbing_shows_the_storyboard_and_review_markers_play_from_their_moment(live_server, media_root, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # one ORM update while Playwright's loop runs
    lesson, asset, _rungs = transcoded_lesson(tmp_path, seconds=24)
    teacher = lesson.uploaded_by
    group = ResearchGroupFactory(name="三年级语文教研组", is_private=True)
    observer = UserFactory(username="zhangfang", full_name="张芳")
    GroupMembershipFactory(group=group, user=teacher, role=GroupMembership.Role.LEADER)
    GroupMembershipFactory(group=group, user=observer, role=GroupMembership.Role.MEMBER)
    review = review_create(group=group, user=teacher, title="《秋天的雨》评课", resource=lesson)
    comment_add(review=review, user=observer, at="00:12", body="这里的提问很好，学生都举手了", point=None)
    url = f"/lessons/{lesson.pk}/"
    base = localhost(live_server.url)  # a secure context, for saving offline at the end

    with phone_page() as page:
        page.add_init_script(ORIENTATION_SPY)
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        sign_in(page, base, "zhangfang", url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        bar = page.locator("#lesson-seek").bounding_box()
        player_box = page.locator(".lesson-player").bounding_box()

        # the marker sits at 12/24 of the bar
        mark = page.locator(".lesson-mark").bounding_box()
        assert abs((mark["x"] + mark["width"] / 2) - (bar["x"] + bar["width"] / 2)) < 12, (mark, bar)

        # a finger dragged to three quarters of the bar shows that moment's storyboard picture, before any play
        y = bar["y"] + bar["height"] / 2
        cdp = touch_drag(page, (bar["x"] + 12, y), (bar["x"] + bar["width"] * 0.75, y), release=False)
        page.wait_for_function("() => getComputedStyle(document.getElementById('lesson-preview-image'))"
                               ".backgroundImage.includes('storyboard.jpg')", timeout=10_000)
        assert page.locator("#lesson-preview").is_visible()
        shown = page.locator("#lesson-preview-time").inner_text()
        assert shown in {"00:17", "00:18"}, shown
        assert page.evaluate("getComputedStyle(document.getElementById('lesson-preview-image')).backgroundPosition") \
            != "0px 0px"  # not the first thumbnail
        assert not media_files(requests, asset.uid)  # looking costs the storyboard, not the video
        screenshot(page, "lesson-scrub-storyboard-360x640")

        # letting go plays from there
        page.evaluate(f"{VIDEO}.muted = true")
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_function(f"() => {VIDEO}.currentTime > 17.5 && !{VIDEO}.paused", timeout=60_000)
        assert page.locator("#lesson-preview").is_hidden()
        assert page.locator(".lesson-player").bounding_box() == player_box  # nothing moved

        # tapping the review marker jumps to 12 s and says what was said there
        page.locator(".lesson-mark").tap()
        page.wait_for_function(f"() => {VIDEO}.currentTime >= 12 && {VIDEO}.currentTime < 14", timeout=20_000)
        assert "这里的提问很好" in page.locator("#lesson-mark-note").inner_text()
        assert "current" in page.locator(".lesson-comment").first.get_attribute("class")
        screenshot(page, "lesson-review-marker-360x640")

        # and from the list below
        page.evaluate(f"{VIDEO}.currentTime = 20")
        page.locator(".lesson-at").first.tap()
        page.wait_for_function(f"() => {VIDEO}.currentTime >= 12 && {VIDEO}.currentTime < 14", timeout=20_000)

        # the phone turned sideways: the whole picture fits the screen, nothing scrolls sideways, and full
        # screen fills it
        page.set_viewport_size({"width": PHONE["height"], "height": PHONE["width"]})
        page.locator(".lesson-player").scroll_into_view_if_needed()
        box = page.locator(".lesson-player").bounding_box()
        assert box["height"] <= PHONE["width"] and box["width"] <= PHONE["height"], box
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["height"]
        screenshot(page, "lesson-landscape-640x360")

        # full screen (a user gesture, as the control bar's button gives) asks the phone to turn sideways
        page.set_viewport_size(PHONE)
        gesture = page.context.new_cdp_session(page)
        gesture.send("Runtime.evaluate", {"expression": f"{VIDEO}.requestFullscreen()", "userGesture": True,
                                          "awaitPromise": True})
        page.wait_for_function(f"() => document.fullscreenElement === {VIDEO}", timeout=5_000)
        page.wait_for_function("() => window.orientationAsked.includes('landscape')", timeout=5_000)
        screenshot(page, "lesson-fullscreen-360x640")
        gesture.send("Runtime.evaluate", {"expression": "document.exitFullscreen()", "awaitPromise": True})
        page.wait_for_function("() => window.orientationAsked.includes('unlock')", timeout=5_000)

        # save for offline keeps a copy of the page without the group's comments: a phone may be shared
        page.click("#lesson-save")
        page.wait_for_selector("#lesson-offline[data-state='saved']", timeout=60_000)
        kept_page = f"caches.open('kexiang-lesson-{lesson.pk}').then(c => c.match('{base}{url}')).then(r => r ? r.text() : '')"
        kept = page.evaluate(kept_page)
        assert 'id="lesson-seek"' in kept and 'class="lesson-mark"' not in kept and "这里的提问" not in kept
        # a later visit (network first) refreshes the kept copy, still without them (the worker drops the old
        # copy just before keeping the new one, so for a moment there is none)
        Resource.objects.filter(pk=lesson.pk).update(title="《秋天的雨》微课（二）")
        page.reload()
        page.wait_for_function(f"() => {kept_page}.then(t => t.includes('（二）'))", timeout=10_000)
        kept = page.evaluate(kept_page)
        assert 'class="lesson-mark"' not in kept and "这里的提问" not in kept
        assert page.locator(".lesson-mark").count() == 1  # while the member online still sees them


def test_sound_only_shows_the_still_of_the_current_slide_and_no_video(live_server, media_root, tmp_path):
    # a "slide" of black for 6 s, then the test picture: the pipeline keeps a still of each
    teacher = UserFactory(username="liwei", full_name="李伟")
    source = lavfi_clip(tmp_path / "slides.mp4", seconds=16, size="640x360", rate=25, black_seconds=6)
    asset = media_asset_create(owner=teacher, source_path=source, title="幻灯片微课")
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    lesson = ResourceFactory(title="幻灯片微课", resource_type=ResourceType.MICRO_LESSON, uploaded_by=teacher,
                             media_asset=asset, visibility=Resource.Visibility.PUBLIC, live=True)
    audio = next(v["name"] for v in asset.variants if not v["height"])
    video_names = {v["name"] for v in asset.variants if v["height"]}

    with phone_page() as page:
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
        page.select_option("#lesson-quality", audio)
        page.evaluate(f"{VIDEO}.muted = true")
        page.click("#lesson-play")
        page.wait_for_function(f"() => {VIDEO}.currentTime > 1 && {VIDEO}.getAttribute('poster').endsWith('slides/00001.jpg')",
                               timeout=30_000)
        screenshot(page, "lesson-sound-only-slide-1-360x640")
        page.wait_for_function(f"() => {VIDEO}.currentTime > 7 && {VIDEO}.getAttribute('poster').endsWith('slides/00002.jpg')",
                               timeout=30_000)
        screenshot(page, "lesson-sound-only-slide-2-360x640")
        assert any(u.endswith("/slides/00002.jpg") for u in requests)
        files = media_files(requests, asset.uid)
        assert files and all(rung in {audio, "slides"} for rung, _name in files), files
        assert not any(rung in video_names for rung, _name in files)

        # back to a picture: the poster returns and the video rung plays
        page.select_option("#lesson-quality", "auto")
        page.wait_for_function(f"() => {VIDEO}.getAttribute('poster').endsWith('poster-640.jpg')", timeout=10_000)
