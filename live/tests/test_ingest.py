"""Live lessons, first part: a phone or OBS publishes by RTMP to the real nginx (its RTMP module), which asks
the app through /live/hooks/publish; the key, the time window and one publisher at a time decide. ffmpeg is
the publisher here, as a streaming app would be."""
import datetime
import json
import subprocess
import time

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from live import services
from live.models import LiveLesson
from research.models import GroupMembership
from tests.factories import ResearchGroupFactory, UserFactory
from tests.serving import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group():
    group = ResearchGroupFactory(name="三年级语文联合教研组")
    leader = UserFactory(username="liwei")
    GroupMembership.objects.create(group=group, user=leader, role=GroupMembership.Role.LEADER)
    group.leader = leader
    return group


@pytest.fixture
def rtmp(served, tmp_path):
    """The app server and nginx with RTMP in front of it: the RTMP URL and the site's URL."""
    site = served()
    env = {"NGINX_PORT": str(free_port()), "NGINX_DIR": str(tmp_path / "nginx"), "NGINX_RTMP_PORT": str(free_port()),
           "KEXIANG_UPSTREAM": site.removeprefix("http://"), "PATH": "/usr/sbin:/usr/bin:/bin"}
    started = subprocess.run(["scripts/services/nginx.sh", "start"], env=env, capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr
    lines = dict(line.split("=", 1) for line in started.stdout.split())
    yield lines["RTMP_URL"], site
    subprocess.run(["scripts/services/nginx.sh", "stop"], env=env, capture_output=True, check=False)


def publish(url, seconds):
    """ffmpeg sending a test picture and tone, in real time, as a streaming app does."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
         "-g", "30", "-c:a", "aac", "-f", "flv", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def state_of(live):
    live.refresh_from_db()
    return live.state


@pytest.mark.live
@pytest.mark.slow
def test_the_right_key_goes_live_and_ends_a_wrong_or_second_one_is_refused(rtmp, group):
    ingest, site = rtmp
    live, key = services.live_create(user=group.leader, group=group, title="《秋天的雨》示范课",
                                     audience=LiveLesson.Audience.PUBLIC)
    wrong = publish(f"{ingest}/{live.pk}-not-the-key", 3)
    assert wrong.wait(timeout=30) != 0
    assert state_of(live) == LiveLesson.State.SCHEDULED

    first = publish(f"{ingest}/{key}", 6)
    deadline = time.monotonic() + 20
    while state_of(live) != LiveLesson.State.LIVE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert live.state == LiveLesson.State.LIVE and live.started_at is not None
    status = requests.get(f"{site}/live/{live.pk}/status", timeout=10).json()
    assert status["state"] == "live"
    second = publish(f"{ingest}/{key}", 3)  # the same key from another phone while the first is on
    assert second.wait(timeout=30) != 0
    assert first.wait(timeout=60) == 0, first.stderr.read()
    deadline = time.monotonic() + 20
    while state_of(live) == LiveLesson.State.LIVE and live.dropped_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
    # dropped: still live for the grace period (the phone may come back), then ended (live_end_task)
    assert live.state == LiveLesson.State.LIVE and live.publisher == "" and live.dropped_at is not None
    assert services.live_end(live_id=live.pk) is None
    later = live.dropped_at + datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS)
    assert services.live_end(live_id=live.pk, now=later).state == LiveLesson.State.ENDED
    assert state_of(live) == LiveLesson.State.ENDED and live.ended_at == live.dropped_at


@pytest.mark.live
def test_a_lesson_far_from_its_time_is_refused(rtmp, group):
    ingest, _site = rtmp
    live, key = services.live_create(user=group.leader, group=group, title="下周的课",
                                     scheduled_at=timezone.now() + datetime.timedelta(days=2))
    assert publish(f"{ingest}/{key}", 2).wait(timeout=30) != 0
    assert state_of(live) == LiveLesson.State.SCHEDULED


def test_the_hooks_take_only_nginx_on_this_machine(client, group):
    live, key = services.live_create(user=group.leader, group=group, title="课")
    through_the_site = client.post("/live/hooks/publish", {"name": key, "clientid": "1"}, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert through_the_site.status_code == 403
    assert state_of(live) == LiveLesson.State.SCHEDULED
    allowed = client.post("/live/hooks/publish", {"name": key, "clientid": "1"})
    assert allowed.status_code == 302 and allowed["Location"] == f"lesson-{live.pk}"  # nginx renames the stream
    assert state_of(live) == LiveLesson.State.LIVE


def test_a_reset_key_replaces_the_old_one(client, group):
    live, old = services.live_create(user=group.leader, group=group, title="课")
    new = services.stream_key_reset(user=group.leader, live=live)
    assert client.post("/live/hooks/publish", {"name": old, "clientid": "1"}).status_code == 403
    assert client.post("/live/hooks/publish", {"name": new, "clientid": "1"}).status_code == 302


def test_only_the_leader_schedules(group):
    from research.exceptions import NotAllowedError

    member = UserFactory()
    GroupMembership.objects.create(group=group, user=member)
    with pytest.raises(NotAllowedError):
        services.live_create(user=member, group=group, title="课")


def test_live_create_prints_what_an_operator_needs(group, capsys):
    call_command("live_create", "--group", str(group.pk), "--title", "公开课：找春天", "--public")
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"id", "ingest_url", "stream_key", "watch_url", "status_url"}
    live = LiveLesson.objects.get(pk=out["id"])
    assert live.audience == LiveLesson.Audience.PUBLIC and out["stream_key"].startswith(f"{live.pk}-")
    assert live.stream_key_hash and out["stream_key"] not in live.stream_key_hash  # only its hash is kept


def test_who_may_see_a_lesson(client, group):
    private, _ = services.live_create(user=group.leader, group=group, title="组内课")
    public, _ = services.live_create(user=group.leader, group=group, title="公开课", audience=LiveLesson.Audience.PUBLIC)
    assert client.get(f"/live/{private.pk}/status").status_code == 404  # not even that it exists
    assert client.get(f"/live/{private.pk}/").status_code == 404
    assert client.get(f"/live/{public.pk}/").status_code == 200
    assert client.get(f"/live/{public.pk}/status").json()["state"] == "scheduled"
    client.force_login(group.leader)
    assert client.get(f"/live/{private.pk}/status").status_code == 200
    assert "组内课" in client.get(f"/live/{private.pk}/").content.decode()
