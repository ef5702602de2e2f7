"""A live lesson end to end, through the real parts (live/tests/conftest.py): ffmpeg publishes to nginx-rtmp, the
muxing session nginx starts makes the live ladder, phones at 360x640 play it (hls.js and native HLS) through
nginx after the app's check, one member's live comment reaches another, watching counts as signing in, and once
the push ends the replay comes out of the VOD pipeline and plays on the same page. Outsiders get 404 for the
page, the playlists and the segments."""
import datetime
import signal
import time

import pytest
from django.utils import timezone

from live import replay, services
from live.models import LiveLesson
from media_pipeline.ffmpeg import media_duration
from media_pipeline.models import MediaAsset
from research.models import GroupMembership, SignIn
from research.services.activities import activity_create
from tests.browser import phone_pages, screenshot
from tests.factories import ResearchGroupFactory, UserFactory
from tests.serving import signed_in

from .conftest import GRACE, publish

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NO_NATIVE_HLS = """(() => { const own = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) { return /mpegurl/i.test(type) ? "" : own.call(this, type); };
})();"""


def until(condition, timeout, message, step=0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, message
        time.sleep(step)


def fresh(live):
    live.refresh_from_db()
    return live


def open_watch_page(page, site, cookies, live, *, native):
    """The watch page as the person whose session `cookies` (a requests cookie jar) holds."""
    if not native:
        page.add_init_script(NO_NATIVE_HLS)
    page.on("console", lambda message: print(f"[{'native' if native else 'hls.js'}] console: {message.text}"))
    page.on("pageerror", lambda error: print(f"[{'native' if native else 'hls.js'}] page error: {error}"))
    page.on("response", lambda r: print(f"[{'native' if native else 'hls.js'}] response {r.status} {r.url}"))
    page.context.add_cookies([{"name": name, "value": value, "url": site.url} for name, value in cookies.items()])
    page.goto(f"{site.url}/live/{live.pk}/")
    return page


def page_until(page, expression, timeout):
    """Poll `expression` in the page (the site's CSP forbids the string evaluation wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            screenshot(page, "live-lesson-timed-out")
            state = page.evaluate("(() => { const v = document.getElementById('live-video'); return JSON.stringify("
                                  "{ready: v.readyState, network: v.networkState, error: v.error && v.error.code,"
                                  " src: v.currentSrc, paused: v.paused, hls: !!window.Hls}); })()")
            raise AssertionError(f"timed out: {expression}; the video: {state}")
        page.wait_for_timeout(200)


def current_time(page):
    return page.evaluate("document.getElementById('live-video').currentTime")


def test_a_broadcast_is_watched_discussed_attended_and_replayed(live_site, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM reads while Playwright's loop runs
    site = live_site
    group = ResearchGroupFactory(name="三年级语文联合教研组")
    leader, member, outsider = UserFactory(username="liwei"), UserFactory(username="zhangfang"), UserFactory()
    GroupMembership.objects.create(group=group, user=leader, role=GroupMembership.Role.LEADER)
    GroupMembership.objects.create(group=group, user=member)
    now = timezone.now()
    activity = activity_create(group=group, user=leader, title="《秋天的雨》示范课", starts_at=now,
                               ends_at=now + datetime.timedelta(hours=1))
    live, key = services.live_create(user=leader, group=group, title="《秋天的雨》示范课", activity=activity)

    pusher = publish(f"{site.rtmp}/{key}", 45)
    started = time.monotonic()
    until(lambda: fresh(live).state == LiveLesson.State.LIVE, 15, "not live within 15 s")
    as_member, as_outsider, anonymous = signed_in(member), signed_in(outsider), signed_in(None)
    status = until(lambda: (s := as_member.get(f"{site.url}/live/{live.pk}/status", timeout=10).json())["hls_url"] and s,
                   30, "no live playlist")
    assert status["state"] == "live"
    master = site.url + status["hls_url"]
    lowest = master.replace("master.m3u8", "240p/index.m3u8")
    until(lambda: "seg_" in as_member.get(lowest, timeout=10).text, 30, "no live segment")
    print(f"live within {time.monotonic() - started:.1f} s of the push, first segment listed")
    text = as_member.get(master, timeout=10).text
    assert text.index("audio/index.m3u8") < text.index("240p/index.m3u8") < text.index("360p/index.m3u8")
    segment = lowest.rsplit("/", 1)[0] + "/" + next(
        line for line in as_member.get(lowest, timeout=10).text.splitlines() if line.startswith("seg_"))
    got = as_member.get(segment, timeout=10)
    assert got.status_code == 200 and got.headers["Content-Type"] == "video/iso.segment" and len(got.content) > 1000
    for who in (as_outsider, anonymous):  # not the page, nor the playlists, nor a segment
        for url in (f"{site.url}/live/{live.pk}/", f"{site.url}/live/{live.pk}/status", master, lowest, segment):
            assert who.get(url, timeout=10).status_code == 404, url
    assert as_outsider.get(f"{site.url}/media/live/{live.pk}/../../recordings", timeout=10).status_code == 404

    as_leader = signed_in(leader)
    with phone_pages(2) as (first, second):
        leader_page = open_watch_page(first, site, as_leader.cookies, live, native=False)
        member_page = open_watch_page(second, site, as_member.cookies, live, native=True)
        for page in (leader_page, member_page):
            page_until(page, "document.getElementById('live-video').currentTime > 0", 30)
        at = [current_time(leader_page), current_time(member_page)]
        time.sleep(3)
        assert current_time(leader_page) > at[0] + 1 and current_time(member_page) > at[1] + 1  # both play on
        assert member_page.inner_text("#live-state") == "直播中"
        screenshot(member_page, "live-lesson-360")

        member_page.fill("#live-comment-body", "板书很清楚 @liwei")
        sent = time.monotonic()
        member_page.click("#live-comment-form button[type=submit]")
        leader_page.wait_for_selector("#live-comment-list li:has-text('板书很清楚')", timeout=5_000)
        print(f"a live comment reached the other phone in {time.monotonic() - sent:.1f} s")
        assert "<script" not in leader_page.inner_html("#live-comment-list")

        assert pusher.wait(timeout=90) == 0, pusher.stderr.read()
        until(lambda: fresh(live).state == LiveLesson.State.ENDED, GRACE + 30, "not ended after the grace period")
        assert SignIn.objects.filter(activity=activity, user=member).exists()  # watched the whole broadcast
        assert SignIn.objects.filter(activity=activity, user=leader).exists()
        assert not SignIn.objects.filter(activity=activity, user=outsider).exists()

        ended = time.monotonic()
        until(lambda: as_member.get(f"{site.url}/live/{live.pk}/status", timeout=10).json()["replay_url"], 180,
              "no playable replay")
        print(f"replay playable {time.monotonic() - ended:.1f} s after the end of the broadcast")
        video = fresh(live).replay
        assert video.owner == leader
        member_page.reload()
        page_until(member_page, "document.getElementById('live-video').currentTime > 1", 30)
        assert member_page.inner_text("#live-state") == "已结束"
        screenshot(member_page, "live-lesson-replay-360")
    video = until(lambda: (a := MediaAsset.objects.get(pk=video.pk)).state == MediaAsset.State.READY and a, 180,
                   "replay not finished")
    assert 40 < video.duration < 50 and video.has_audio and video.has_video  # the whole 45-second broadcast
    assert as_outsider.get(site.url + video.master_url, timeout=10).status_code == 404
    assert as_member.get(site.url + video.master_url, timeout=10).status_code == 200


def test_a_phone_that_stalls_then_comes_back_continues_the_lesson_and_the_replay_holds_both(live_site):
    """A portrait phone without sound (microphone refused) stalls (its network hangs: connected, sending nothing);
    nginx drops it after 10 s, and it comes back within the grace period, with sound: the same lesson goes on,
    the page says what was wrong, and the replay is both parts joined."""
    site = live_site
    group = ResearchGroupFactory()
    leader = UserFactory()
    GroupMembership.objects.create(group=group, user=leader, role=GroupMembership.Role.LEADER)
    live, key = services.live_create(user=leader, group=group, title="送教下乡：《找春天》",
                                     audience=LiveLesson.Audience.PUBLIC)
    anonymous = signed_in(None)
    status_url = f"{site.url}/live/{live.pk}/status"

    first = publish(f"{site.rtmp}/{key}", 120, size="360x640", audio=False)
    status = until(lambda: (s := anonymous.get(status_url, timeout=10).json())["hls_url"] and s, 40, "not playable")
    assert status["problem"] == "no_audio" and "没有声音" in status["problem_message"]
    master = anonymous.get(site.url + status["hls_url"], timeout=10).text  # public: anyone may watch
    assert "audio/index.m3u8" not in master and "RESOLUTION=240x426" in master  # portrait, short side 240
    first.send_signal(signal.SIGSTOP)  # the phone's network hangs
    try:
        until(lambda: fresh(live).dropped_at is not None, 30, "nginx did not drop the stalled phone")
        assert anonymous.get(status_url, timeout=10).json()["reconnecting"] is True

        second = publish(f"{site.rtmp}/{key}", 8)  # back within the grace period, now with sound
        until(lambda: fresh(live).publisher and live.dropped_at is None, 15, "the phone could not come back")
    finally:
        first.kill()
    until(lambda: anonymous.get(status_url, timeout=10).json()["problem"] is None, 30, "the sound was not noticed")
    assert second.wait(timeout=60) == 0, second.stderr.read()
    until(lambda: fresh(live).state == LiveLesson.State.ENDED, GRACE + 30, "not ended after the grace period")
    asset = until(lambda: (r := fresh(live).replay) and MediaAsset.objects.get(pk=r.pk).state in (
        MediaAsset.State.READY, MediaAsset.State.FAILED) and MediaAsset.objects.get(pk=r.pk), 180, "no replay")
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    parts = replay.recordings(live)
    assert len(parts) == 2  # one per connection
    assert asset.duration == pytest.approx(sum(media_duration(part) for part in parts), abs=1.5)
    assert asset.duration > 8 + 4
    assert anonymous.get(site.url + asset.master_url, timeout=10).status_code == 200  # a public lesson's replay
