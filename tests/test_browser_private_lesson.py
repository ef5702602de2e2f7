"""A lesson shared with the school (本校) plays on a member's phone, with native HLS and with hls.js, through the
real app server, and saved for offline it plays with the network off; an outsider signed in on another phone
gets nothing: not the page, the playlists, a segment or the poster."""
import pytest

from resources.models import Resource
from tests.browser import phone_page, save_and_play_offline, screenshot, sign_in
from tests.factories import UserFactory
from tests.test_browser_offline import localhost
from tests.test_browser_player import NO_NATIVE_HLS, transcoded_lesson

VIDEO = "document.getElementById('lesson-video')"


@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_a_school_lesson_plays_for_a_member_and_an_outsider_gets_nothing(served, media_root, tmp_path, player):
    lesson, asset, rungs = transcoded_lesson(tmp_path, seconds=12)
    uploader = lesson.uploaded_by
    Resource.objects.filter(pk=lesson.pk).update(visibility=Resource.Visibility.SCHOOL, school=uploader.school)
    UserFactory(username="colleague", school=uploader.school)
    UserFactory(username="stranger")  # another school, no pairing
    base = localhost(served())  # a secure context, for the offline save's service worker
    page_path = f"/lessons/{lesson.pk}/"
    lowest = rungs[0]["name"]
    files = [asset.master_url, f"/media/hls/{asset.uid}/{lowest}/index.m3u8",
             f"/media/hls/{asset.uid}/{lowest}/init.mp4", f"/media/hls/{asset.uid}/{lowest}/seg_00000.m4s",
             asset.poster_url]

    with phone_page() as page:
        if player == "hls.js":
            page.add_init_script(NO_NATIVE_HLS)
        answers = []
        page.on("response", lambda response: answers.append((response.url, response.status)))
        sign_in(page, base, "colleague", page_path)
        page.evaluate(f"{VIDEO}.muted = true")
        page.click("#lesson-play")
        page.wait_for_function(f"() => {VIDEO}.currentTime > 3", timeout=60_000)
        screenshot(page, f"private-lesson-{player}-member-360x640")
        segments = [(url, status) for url, status in answers if f"/hls/{asset.uid}/" in url and url.endswith(".m4s")]
        assert segments and all(status in (200, 206) for _url, status in segments), segments
        assert any("hls.light" in url for url, _status in answers) == (player == "hls.js")

        # saved for offline (the service worker fetches with the member's cookie), it plays with no network
        save_and_play_offline(page)

    with phone_page() as page:
        sign_in(page, base, "stranger", "/")
        assert page.goto(base + page_path).status == 404
        assert "秋天的雨" not in page.content()
        for url in files:
            assert page.request.get(base + url).status == 404, url
