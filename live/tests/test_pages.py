"""Live lessons without the streaming parts: the leader's pages, what the muxing session reports, viewers and
attendance, live comments, who may read the live files, and the replay made from nginx's recordings."""
import datetime
import json
import os

import pytest
from django.utils import timezone

from live import replay, services
from live.models import LiveLesson, LiveViewer
from media_pipeline.models import MediaAsset
from media_pipeline.tests.conftest import lavfi_clip
from research.models import GroupMembership, SignIn, Thread
from research.services.activities import activity_create
from tests.factories import ResearchGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    group = ResearchGroupFactory(name="三年级语文联合教研组")
    group.leader = UserFactory(username="liwei")
    group.member = UserFactory(username="zhangfang")
    GroupMembership.objects.create(group=group, user=group.leader, role=GroupMembership.Role.LEADER)
    GroupMembership.objects.create(group=group, user=group.member)
    return group


@pytest.fixture
def lesson(group):
    now = timezone.now()
    activity = activity_create(group=group, user=group.leader, title="示范课", starts_at=now,
                               ends_at=now + datetime.timedelta(hours=1))
    live, _key = services.live_create(user=group.leader, group=group, title="《秋天的雨》示范课", activity=activity)
    return live


def mux(client, live, event, **detail):
    return client.post("/live/hooks/mux", {"name": f"lesson-{live.pk}", "event": event, "detail": json.dumps(detail)})


def test_the_leader_schedules_on_a_phone_and_sees_the_key_once(client, group):
    client.force_login(group.leader)
    form = client.get(f"/live/new/?group={group.pk}")
    assert form.status_code == 200 and 'type="datetime-local"' in form.content.decode()
    created = client.post(f"/live/new/?group={group.pk}", {
        "title": "公开课：找春天", "scheduled_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "audience": "public"})
    live = LiveLesson.objects.get(title="公开课：找春天")
    assert created.status_code == 302 and created["Location"] == f"/live/{live.pk}/manage/"
    page = client.get(created["Location"]).content.decode()
    key = page.split('id="live-key">')[1].split("<")[0]
    assert key.startswith(f"{live.pk}-") and "rtmp://" in page and "OBS" in page
    assert key not in client.get(created["Location"]).content.decode()  # shown once
    client.post(created["Location"], {"action": "publish"})  # (no replay yet: not a reason to change the key)
    assert 'id="live-key"' not in client.get(created["Location"]).content.decode()
    client.post(created["Location"], {"action": "reset"})  # a new key
    assert f'id="live-key">{live.pk}-' in client.get(created["Location"]).content.decode()
    assert client.post("/live/hooks/publish", {"name": key, "clientid": "9"}).status_code == 403  # the old one

    client.force_login(group.member)
    assert client.get(f"/live/new/?group={group.pk}").status_code == 403
    assert client.get(f"/live/{live.pk}/manage/").status_code == 403
    client.force_login(UserFactory())
    assert client.get(f"/live/new/?group={group.pk}").status_code == 404


def test_what_the_muxing_session_reports_shows_on_the_page(client, lesson):
    assert mux(client, lesson, "started", width=720, height=1280, has_audio=False, has_video=True,
               rungs=["240p", "360p"]).status_code == 200
    client.force_login(lesson.group.member)
    status = client.get(f"/live/{lesson.pk}/status").json()
    assert status["problem"] == "no_audio" and status["problem_message"]
    assert status["hls_url"] is None  # not live yet, and not ready
    client.post("/live/hooks/publish", {"name": "", "clientid": "1"})
    lesson.state = LiveLesson.State.LIVE
    lesson.save()
    mux(client, lesson, "ready", segments=3)
    assert client.get(f"/live/{lesson.pk}/status").json()["hls_url"] == f"/media/live/{lesson.pk}/master.m3u8"
    mux(client, lesson, "failed", reason="UnsupportedMediaError", message="video codec vp9")
    status = client.get(f"/live/{lesson.pk}/status").json()
    assert status["problem"] == "unsupported" and status["problem_message"] in client.get(f"/live/{lesson.pk}/").content.decode()
    lesson.refresh_from_db()
    assert lesson.problem_detail == "video codec vp9"
    assert client.post("/live/hooks/mux", {"name": f"lesson-{lesson.pk}", "event": "ready"},
                       HTTP_X_FORWARDED_FOR="1.2.3.4").status_code == 403  # only nginx's own processes


def test_watching_counts_as_attendance_past_the_configured_share(settings, lesson):
    settings.KEXIANG_LIVE_ATTENDANCE_SHARE = 0.5
    settings.KEXIANG_LIVE_HEARTBEAT_SECONDS = 15
    start = timezone.now()
    lesson.state, lesson.started_at = LiveLesson.State.LIVE, start
    lesson.save()
    group = lesson.group
    latecomer, visitor = UserFactory(), UserFactory()
    GroupMembership.objects.create(group=group, user=latecomer)
    for second in range(0, 601, 15):  # a ten-minute broadcast; the member watches it all
        at = start + datetime.timedelta(seconds=second)
        services.viewer_heartbeat(live=lesson, user=group.member, viewer_key="u-member", playing=True, now=at)
        services.viewer_heartbeat(live=lesson, user=visitor, viewer_key="u-visitor", playing=True, now=at)
        if second >= 420:  # the last three minutes only
            services.viewer_heartbeat(live=lesson, user=latecomer, viewer_key="u-late", playing=True, now=at)
    paused = start + datetime.timedelta(seconds=600)
    services.viewer_heartbeat(live=lesson, user=group.leader, viewer_key="u-leader", playing=False, now=paused)
    assert services.viewers_now(lesson, now=paused) == 4
    assert services.viewers_now(lesson, now=paused + datetime.timedelta(minutes=5)) == 0
    assert LiveViewer.objects.get(viewer_key="u-member").seconds == pytest.approx(600)

    lesson.publisher, lesson.dropped_at = "", start + datetime.timedelta(seconds=600)
    lesson.save()
    assert services.live_end(live_id=lesson.pk, now=lesson.dropped_at) is None  # the grace period first
    later = lesson.dropped_at + datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS)
    assert services.live_end_overdue(now=later) == [lesson]
    signed = set(SignIn.objects.filter(activity=lesson.activity).values_list("user__username", flat=True))
    assert signed == {group.member.username}  # not the latecomer (3 of 10 minutes), nor a visitor from outside
    rows = {row["user"].username: row for row in services.watchers(live=fresh(lesson))}
    assert rows[group.member.username]["attended"] and not rows[latecomer.username]["attended"]


def fresh(live):
    live.refresh_from_db()
    return live


def test_live_comments_are_the_activity_thread_for_its_members_only(client, lesson):
    lesson.audience = LiveLesson.Audience.PUBLIC
    lesson.save()
    client.force_login(lesson.group.member)
    sent = client.post(f"/live/{lesson.pk}/comments", {"body": "<script>alert(1)</script>板书很清楚 @liwei",
                                                       "client_key": "k1"})
    assert sent.status_code == 201 and sent.json()["unknown"] == []
    assert client.post(f"/live/{lesson.pk}/comments", {"body": "板书很清楚", "client_key": "k1"}).status_code == 201
    comments = client.get(f"/live/{lesson.pk}/comments?after=0").json()["comments"]
    assert len(comments) == 1 and "<script" not in comments[0]["html"] and "板书很清楚" in comments[0]["html"]
    assert client.get(f"/live/{lesson.pk}/comments?after={comments[0]['id']}").json()["comments"] == []
    empty = client.post(f"/live/{lesson.pk}/comments", {"body": "   "})
    assert empty.status_code == 400 and empty.json()["error"]
    assert lesson.activity.thread.posts.count() == 1  # the activity's own thread

    client.logout()  # a public lesson: anyone watches, the group's discussion stays the group's
    assert client.get(f"/live/{lesson.pk}/").status_code == 200
    assert client.get(f"/live/{lesson.pk}/comments?after=0").status_code == 404
    client.force_login(UserFactory())
    assert client.post(f"/live/{lesson.pk}/comments", {"body": "hi"}).status_code == 404
    assert "live-comment-form" not in client.get(f"/live/{lesson.pk}/").content.decode()


def test_a_viewer_who_may_not_post_leaves_no_thread_behind(client, lesson):
    lesson.audience = LiveLesson.Audience.PUBLIC
    lesson.save()
    client.force_login(UserFactory())
    assert client.post(f"/live/{lesson.pk}/comments", {"body": "hi"}).status_code == 404
    assert not Thread.objects.filter(activity=lesson.activity).exists()


def test_the_live_files_go_only_to_those_who_may_watch(client, settings, lesson):
    folder = settings.KEXIANG_LIVE_ROOT / str(lesson.pk)
    (folder / "240p").mkdir(parents=True)
    (folder / "master.m3u8").write_text("#EXTM3U\n240p/index.m3u8\n")
    (folder / "240p" / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.0,\nseg_00000.m4s\n")
    (folder / "240p" / "seg_00000.m4s").write_bytes(b"\0" * 100)
    (settings.KEXIANG_LIVE_ROOT / "recordings").mkdir(exist_ok=True)
    (settings.KEXIANG_LIVE_ROOT / "recordings" / f"lesson-{lesson.pk}-1.flv").write_bytes(b"FLV")
    (settings.KEXIANG_LIVE_ROOT / "muxer.log").write_text("secret")
    base = f"/media/live/{lesson.pk}"
    client.force_login(UserFactory())
    for name in ("master.m3u8", "240p/index.m3u8", "240p/seg_00000.m4s"):
        assert client.get(f"{base}/{name}").status_code == 404
    client.force_login(lesson.group.member)
    playlist = client.get(f"{base}/240p/index.m3u8")
    assert playlist.status_code == 200 and playlist["Cache-Control"] == "private, no-cache"
    assert client.get(f"{base}/240p/seg_00000.m4s")["Content-Type"] == "video/iso.segment"
    for name in (f"/media/live/recordings/lesson-{lesson.pk}-1.flv", "/media/live/muxer.log", f"{base}/../muxer.log",
                 f"{base}/240p/../../recordings/lesson-{lesson.pk}-1.flv", f"{base}/240p/other.txt"):
        assert client.get(name).status_code == 404, name


@pytest.mark.ffmpeg
@pytest.mark.django_db(transaction=True)
def test_the_replay_joins_the_recordings_and_goes_through_the_pipeline(settings, media_root, tmp_path, group, lesson):
    settings.KEXIANG_LIVE_ROOT = tmp_path / "live"
    recordings = settings.KEXIANG_LIVE_ROOT / "recordings"
    recordings.mkdir(parents=True)
    lesson.state = LiveLesson.State.ENDED
    lesson.save()
    assert replay.live_replay_make(live_id=lesson.pk) is None  # nothing recorded
    assert fresh(lesson).problem == LiveLesson.Problem.NO_RECORDING

    for stamp, seconds in ((1796400000, 4), (1796400060, 3)):  # a drop and a reconnect: two files
        lavfi_clip(recordings / f"lesson-{lesson.pk}-{stamp}.flv", seconds=seconds, size="640x360", rate=15)
    lavfi_clip(recordings / f"lesson-{lesson.pk + 1}-1796400000.flv", seconds=2, size="640x360", rate=15)  # another
    asset = replay.live_replay_make(live_id=lesson.pk)
    assert asset is not None and fresh(lesson).replay == asset
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail  # Celery runs eagerly in tests
    assert asset.duration == pytest.approx(7, abs=0.5) and asset.owner == group.leader
    assert replay.live_replay_make(live_id=lesson.pk) is None  # twice: still one replay


def test_the_replay_goes_to_the_library_and_to_a_review(client, group, lesson):
    from research.services.reviews import review_create
    from resources.models import Resource

    asset = MediaAsset.objects.create(owner=group.leader, source_path="/nowhere.flv", title="《秋天的雨》示范课（直播回放）",
                                      state=MediaAsset.State.READY, duration=2400.0, has_video=True, has_audio=True,
                                      variants=[{"name": "240p", "playlist": "240p/index.m3u8", "bandwidth": 1}])
    lesson.state, lesson.replay = LiveLesson.State.ENDED, asset
    lesson.save()
    client.force_login(group.leader)
    page = client.get(f"/live/{lesson.pk}/manage/").content.decode()
    assert 'name="action" value="publish"' in page
    published = client.post(f"/live/{lesson.pk}/manage/", {"action": "publish", "visibility": "school"})
    resource = Resource.objects.get(media_asset=asset)
    assert published.status_code == 302 and published["Location"] == f"/resources/{resource.pk}/"
    assert resource.resource_type == "recording" and resource.uploaded_by == group.leader
    assert resource.visibility == Resource.Visibility.SCHOOL and resource.title == lesson.title
    assert 'value="publish"' not in client.get(f"/live/{lesson.pk}/manage/").content.decode()  # once
    review = review_create(group=group, user=group.leader, title="评《秋天的雨》", asset=asset)
    assert review.asset == asset  # ready for time-coded review (评课)


def test_a_try_before_the_lesson_waits_for_the_real_start_and_stays_out_of_the_replay(settings, tmp_path, group):
    settings.KEXIANG_LIVE_ROOT = tmp_path / "live"
    start = timezone.now() + datetime.timedelta(minutes=20)
    live, key = services.live_create(user=group.leader, group=group, title="公开课", scheduled_at=start)
    grace = datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS + 1)
    now = timezone.now()
    assert services.publish_authorize(stream_name=key, client_id="1", now=now)[1] is None  # the window is open
    services.publish_done(stream_name=f"{live.pk}-x", client_id="1", now=now + datetime.timedelta(minutes=1))
    assert services.live_end(live_id=live.pk, now=now + datetime.timedelta(minutes=1) + grace) is None
    live.refresh_from_db()
    assert live.state == LiveLesson.State.SCHEDULED and live.started_at is None  # not ended: a rehearsal

    # the same again, and the real start comes before the try's end task ran: it goes ahead all the same
    assert services.publish_authorize(stream_name=key, client_id="3", now=now + datetime.timedelta(minutes=2))[1] is None
    services.publish_done(stream_name=f"{live.pk}-x", client_id="3", now=now + datetime.timedelta(minutes=3))
    assert services.publish_authorize(stream_name=key, client_id="2", now=start)[1] is None  # the real start
    recordings = settings.KEXIANG_LIVE_ROOT / "recordings"
    recordings.mkdir(parents=True)
    for at in (now, start):
        (recordings / f"lesson-{live.pk}-{int(at.timestamp())}.flv").write_bytes(b"FLV" + b"\0" * 5000)
    live.refresh_from_db()
    assert [p.name for p in replay.recordings(live)] == [f"lesson-{live.pk}-{int(start.timestamp())}.flv"]


def test_a_lesson_taught_early_ends_as_any_other(settings, group):
    start = timezone.now() + datetime.timedelta(minutes=50)
    live, key = services.live_create(user=group.leader, group=group, title="提前上的课", scheduled_at=start)
    now = timezone.now()
    assert services.publish_authorize(stream_name=key, client_id="1", now=now)[1] is None
    services.publish_done(stream_name=f"{live.pk}-x", client_id="1", now=now + datetime.timedelta(minutes=40))
    grace = datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS + 1)
    assert services.live_end(live_id=live.pk, now=now + datetime.timedelta(minutes=40) + grace) is not None
    live.refresh_from_db()
    assert live.state == LiveLesson.State.ENDED  # 40 minutes is a lesson, not a try


def test_a_lost_publish_done_does_not_leave_the_lesson_live_for_ever(settings, tmp_path, group):
    settings.KEXIANG_LIVE_ROOT = tmp_path / "live"
    live, key = services.live_create(user=group.leader, group=group, title="示范课")
    now = timezone.now()
    assert services.publish_authorize(stream_name=key, client_id="7", now=now)[1] is None
    rung = settings.KEXIANG_LIVE_ROOT / str(live.pk) / "240p"
    rung.mkdir(parents=True)
    (rung / "index.m3u8").write_text("#EXTM3U\n")
    # nginx restarted mid-broadcast: no "publish done" for connection 7; the muxing session still writes ...
    assert services.publish_authorize(stream_name=key, client_id="8", now=now + datetime.timedelta(seconds=5))[1] \
        == "another connection is publishing"
    # ... then stops. The phone that connects again with the right key takes over.
    later = now + datetime.timedelta(seconds=40)
    assert services.publish_authorize(stream_name=key, client_id="8", now=later)[1] is None
    live.refresh_from_db()
    assert live.publisher == "8"

    # and when nobody comes back, the sweeper ends it: dropped when its output stopped, then the grace period
    os.utime(rung / "index.m3u8", (later.timestamp(), later.timestamp()))
    grace = datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS)
    assert services.live_end_overdue(now=later + datetime.timedelta(seconds=10)) == []  # still writing
    assert [ended.pk for ended in services.live_end_overdue(now=later + services.STALE_AFTER + grace)] == [live.pk]
    live.refresh_from_db()
    assert live.state == LiveLesson.State.ENDED and live.ended_at == later


def test_a_phone_back_after_a_long_drop_is_not_taken_for_gone_before_it_writes(settings, tmp_path, group):
    settings.KEXIANG_LIVE_ROOT = tmp_path / "live"
    live, key = services.live_create(user=group.leader, group=group, title="示范课")
    now = timezone.now()
    services.publish_authorize(stream_name=key, client_id="1", now=now)
    rung = settings.KEXIANG_LIVE_ROOT / str(live.pk) / "240p"
    rung.mkdir(parents=True)
    (rung / "index.m3u8").write_text("#EXTM3U\n")
    os.utime(rung / "index.m3u8", (now.timestamp(), now.timestamp()))
    services.publish_done(stream_name=f"{live.pk}-x", client_id="1", now=now + datetime.timedelta(seconds=5))
    back = now + datetime.timedelta(seconds=50)  # within the grace period, but the old files are 50 s old
    assert services.publish_authorize(stream_name=key, client_id="2", now=back)[1] is None
    assert services.live_end_overdue(now=back + datetime.timedelta(seconds=5)) == []
    live.refresh_from_db()
    assert live.publisher == "2" and live.dropped_at is None
    services.mux_report(stream_name=f"lesson-{live.pk}", event="failed", detail={"reason": "unsupported"})
    assert services.live_end_overdue(now=back + datetime.timedelta(minutes=5)) == []  # told, not dropped
    live.refresh_from_db()
    assert live.publisher == "2"


def test_the_groups_members_hear_once_that_the_lesson_is_live_and_a_try_says_nothing(
        group, settings, django_capture_on_commit_callbacks):
    from research.models import Notification

    start = timezone.now() + datetime.timedelta(minutes=30)
    live, key = services.live_create(user=group.leader, group=group, title="《秋天的雨》示范课", scheduled_at=start)
    grace = datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS + 1)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # a try half an hour early
        assert services.publish_authorize(stream_name=key, client_id="1", now=now)[1] is None
        services.publish_done(stream_name=f"{live.pk}-x", client_id="1", now=now + datetime.timedelta(minutes=1))
        services.live_end(live_id=live.pk, now=now + datetime.timedelta(minutes=1) + grace)
    assert not Notification.objects.filter(kind="live").exists()
    with django_capture_on_commit_callbacks(execute=True):  # the real start, then a reconnection
        assert services.publish_authorize(stream_name=key, client_id="2", now=start)[1] is None
        services.publish_done(stream_name=f"{live.pk}-x", client_id="2", now=start + datetime.timedelta(seconds=5))
        assert services.publish_authorize(stream_name=key, client_id="3", now=start + datetime.timedelta(seconds=8))[1] is None
    told = Notification.objects.filter(kind="live")
    assert [(n.user, n.url) for n in told] == [(group.member, f"/live/{live.pk}/")]  # the presenter is not told
    assert "《秋天的雨》示范课" in told.get().text
