"""Live lessons: creating one (and its secret stream key) and the decisions nginx asks for when a phone or
OBS starts or stops publishing (nginx-rtmp's on_publish / on_publish_done, see live/views.py).

A stream key is `<id>-<secret>`: a streaming app's "stream key" box takes it whole, and nginx passes it to
the app as the stream's name. Only the SHA-256 of the key is stored, so it is shown once; resetting makes a
new one and the old one stops working.
"""
import datetime
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.urls import reverse
from django.utils.translation import gettext as _

from research.exceptions import NotAllowedError, NotAMemberError, ScheduleError
from research.models import Notification
from research.permissions import require_leader
from research.services.activities import activity_sign_in

from .models import LiveLesson, LiveViewer


# No playlist or segment written for this long: the muxing session (and so the publisher) is gone.
STALE_AFTER = datetime.timedelta(seconds=20)
# A broadcast before the lesson's time that stops within this is a try of the phone, not the lesson.
TRY_AT_MOST = datetime.timedelta(minutes=10)


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(live):
    key = f"{live.pk}-{secrets.token_urlsafe(18)}"
    live.stream_key_hash = _hash(key)
    return key


def live_create(*, user, group, title, scheduled_at=None, audience=LiveLesson.Audience.GROUP, activity=None,
                presenter=None, check=True):
    """A live lesson of `group` and its stream key (shown once). The group's leader (or a superuser) only,
    unless `check` is False (an operator's command)."""
    if check:
        require_leader(user=user, group=group, message=_("Only the group's leader can schedule a live lesson."))
    if activity is not None and activity.group_id != group.pk:
        raise ValueError(_("The activity belongs to another group."))
    with transaction.atomic():
        live = LiveLesson.objects.create(
            group=group, activity=activity, title=title, audience=audience, presenter=presenter or user,
            scheduled_at=scheduled_at or (activity.starts_at if activity else timezone.now()),
            created_by=user if user is not None and user.is_authenticated else None,
        )
        key = _new_key(live)
        live.save(update_fields=["stream_key_hash"])
    return live, key


def stream_key_reset(*, user, live):
    require_leader(user=user, group=live.group, message=_("Only the group's leader can reset the stream key."))
    key = _new_key(live)
    live.save(update_fields=["stream_key_hash"])
    return key


def _window(live):
    early = datetime.timedelta(minutes=settings.KEXIANG_LIVE_EARLY_MINUTES)
    late = datetime.timedelta(hours=settings.KEXIANG_LIVE_HOURS)
    return live.scheduled_at - early, live.scheduled_at + late


def _locked_lesson(stream_name, **filters):
    """The lesson a stream key names, locked for this transaction, or None when the key is not its key."""
    pk, _dash, _secret = (stream_name or "").partition("-")
    if not pk.isdigit():
        return None
    live = LiveLesson.objects.select_for_update().filter(pk=int(pk), **filters).first()
    if live is None or not hmac.compare_digest(live.stream_key_hash, _hash(stream_name)):
        return None
    return live


def _dropped_for_good(live, now):
    grace = datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS)
    return live.state == LiveLesson.State.LIVE and not live.publisher and live.dropped_at is not None \
        and now - live.dropped_at >= grace


def _last_output(live):
    """When the lesson's muxing session last wrote a playlist or segment (KEXIANG_LIVE_ROOT/<id>/), or None."""
    newest = None
    for root, _dirs, files in os.walk(Path(settings.KEXIANG_LIVE_ROOT) / str(live.pk)):
        for name in files:
            try:
                mtime = os.stat(os.path.join(root, name)).st_mtime
            except OSError:  # (a temporary file FFmpeg just renamed)
                continue
            newest = mtime if newest is None else max(newest, mtime)
    return datetime.datetime.fromtimestamp(newest, datetime.UTC) if newest is not None else None


def _publisher_gone(live, now):
    """nginx's "publish done" was lost (nginx or the app restarted mid-broadcast): the lesson still names a
    publisher, but nothing has come out of its muxing session for STALE_AFTER. When, or None if it is alive."""
    if not live.publisher or live.state != LiveLesson.State.LIVE or not Path(settings.KEXIANG_LIVE_ROOT).is_dir():
        return None  # (a machine that does not see the live root cannot tell: the publisher is taken as alive)
    if live.problem in (LiveLesson.Problem.FAILED, LiveLesson.Problem.UNSUPPORTED):
        return None  # connected, but its muxing session writes nothing: the presenter is told, not dropped
    # from this connection on: a phone back after a long drop has not written anything yet
    times = [t for t in (_last_output(live), live.publisher_since, live.started_at) if t is not None]
    last = max(times) if times else None
    return last if last is not None and now - last >= STALE_AFTER else None


def _a_try(live, now) -> bool:
    """A short broadcast that stopped before the lesson's time (the window opens early): a presenter trying the
    phone, not the lesson. A longer one (a lesson taught early) ends as any other."""
    return (_dropped_for_good(live, now) and live.dropped_at < live.scheduled_at
            and live.started_at is not None and live.dropped_at - live.started_at <= TRY_AT_MOST)


def _try_over(live):
    """After a try, the lesson waits for its real start; the replay leaves the try's recordings out
    (replay.recordings keeps those from started_at on), and viewers wait for the muxing session's "ready" again.
    (The try's segments stay at the start of the live playlists: the folder is nginx's.)"""
    live.state, live.started_at, live.dropped_at, live.problem = LiveLesson.State.SCHEDULED, None, None, ""
    live.source = {}
    live.save(update_fields=["state", "started_at", "dropped_at", "problem", "source"])


def publish_authorize(*, stream_name, client_id, now=None):
    """(live lesson, None) when this connection may publish `stream_name`, else (None or the lesson, reason).
    A publisher that dropped comes back to the same lesson within the grace period."""
    now = now or timezone.now()
    with transaction.atomic():
        live = _locked_lesson(stream_name)
        if live is None:
            return None, "wrong stream key"
        opens, closes = _window(live)
        if not opens <= now <= closes:
            return live, "outside the time window"
        if _a_try(live, now):
            _try_over(live)  # (its end task has not run yet: the real start goes ahead all the same)
        if live.state in (LiveLesson.State.ENDED, LiveLesson.State.FAILED) or _dropped_for_good(live, now):
            return live, "ended"
        if live.state == LiveLesson.State.LIVE and live.publisher and live.publisher != str(client_id) \
                and _publisher_gone(live, now) is None:
            return live, "another connection is publishing"
        live.state = LiveLesson.State.LIVE
        live.publisher, live.publisher_since = str(client_id), now
        live.dropped_at = None
        if live.problem in (LiveLesson.Problem.FAILED, LiveLesson.Problem.UNSUPPORTED):
            live.problem = ""  # a new try; the muxing session reports again
        first = live.started_at is None
        live.started_at = live.started_at or now
        live.save(update_fields=["state", "publisher", "publisher_since", "started_at", "dropped_at", "problem"])
        if first and now >= live.scheduled_at - STARTING_NOTICE:
            transaction.on_commit(lambda: live_started_notify(live_id=live.pk), robust=True)
    return live, None


STARTING_NOTICE = datetime.timedelta(minutes=5)  # a start earlier than this before its time is a try: no notice


def live_started_notify(*, live_id) -> int:
    """Tell the group's members (its presenter aside) that the lesson is live, once per lesson; how many were
    told. On the site and, by their choices, by e-mail (outbox). The pairing's or the public's audience is
    reached by the lesson's page and the public showcase, not by notices to thousands."""
    live = LiveLesson.objects.select_related("group").filter(pk=live_id).first()
    if live is None:
        return 0
    url = reverse("live:watch", args=[live.pk])
    if Notification.objects.filter(kind=Notification.Kind.LIVE, url=url).exists():
        return 0
    text = _("“%(title)s” is live now: watch it on your phone.") % {"title": live.title}
    members = live.group.memberships.exclude(user_id=live.created_by_id).values_list("user_id", flat=True)
    made = Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=Notification.Kind.LIVE, text=text[:300], url=url, group=live.group)
        for user_id in members)
    return len(made)


def publish_done(*, stream_name, client_id, now=None):
    """The publishing connection went away. The lesson stays live for the grace period (the phone may come
    back); live_end_task then decides whether it has ended."""
    from .tasks import live_end_task  # noqa: PLC0415  (the tasks call these services)

    now = now or timezone.now()
    with transaction.atomic():
        # By id and connection, not by key: a key reset during the broadcast must not leave it "live" for ever.
        pk = (stream_name or "").partition("-")[0]
        live = LiveLesson.objects.select_for_update().filter(
            pk=int(pk), publisher=str(client_id)).first() if pk.isdigit() and client_id else None
        if live is None:
            return None
        live.publisher = ""
        live.dropped_at = now
        live.save(update_fields=["publisher", "dropped_at"])
        transaction.on_commit(lambda: live_end_task.apply_async(
            (live.pk,), countdown=settings.KEXIANG_LIVE_GRACE_SECONDS + 1))
    return live


def live_end(*, live_id, now=None):
    """End a lesson whose publisher has been gone for the grace period: sign in those who watched enough,
    and make the replay. Safe to run twice (and from the sweeper); None when the lesson has not ended."""
    from .tasks import live_replay_task  # noqa: PLC0415  (the tasks call these services)

    now = now or timezone.now()
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().filter(pk=live_id).first()
        if live is None or not _dropped_for_good(live, now):
            return None
        if _a_try(live, now):
            _try_over(live)
            return None
        live.state = LiveLesson.State.ENDED
        live.ended_at = live.dropped_at
        live.save(update_fields=["state", "ended_at"])
        attendance_record(live=live)
        transaction.on_commit(lambda: live_replay_task.delay(live.pk))
    return live


def live_end_overdue(*, now=None):
    """The sweeper: lessons dropped for longer than the grace period whose end task was lost, and lessons whose
    "publish done" was lost (their muxing session stopped writing: dropped then)."""
    now = now or timezone.now()
    for pk in LiveLesson.objects.filter(state=LiveLesson.State.LIVE).exclude(publisher="").values_list("pk", flat=True):
        with transaction.atomic():  # looked at again under the lock: a phone may have connected since
            live = LiveLesson.objects.select_for_update().filter(pk=pk).first()
            gone = _publisher_gone(live, now) if live is not None else None
            if gone is not None:
                live.publisher, live.dropped_at = "", gone
                live.save(update_fields=["publisher", "dropped_at"])
    cutoff = now - datetime.timedelta(seconds=settings.KEXIANG_LIVE_GRACE_SECONDS)
    overdue = LiveLesson.objects.filter(state=LiveLesson.State.LIVE, publisher="", dropped_at__lte=cutoff)
    return [live for live in (live_end(live_id=pk, now=now) for pk in overdue.values_list("pk", flat=True)) if live]


# -- what the muxing session says (live/muxer.py through /live/hooks/mux) -----------------------------------

def mux_report(*, stream_name, event, detail):
    """Record what the muxing session of stream `lesson-<id>` found or what went wrong."""
    pk = stream_name.removeprefix("lesson-")
    live = LiveLesson.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if live is None:
        return None
    if event == "started":
        live.source = {key: detail.get(key) for key in (
            "width", "height", "video_codec", "audio_codec", "has_audio", "has_video", "rungs")}
        live.problem = "" if detail.get("has_audio") else LiveLesson.Problem.NO_AUDIO
        live.problem_detail = ""
    elif event == "ready":  # the ladder has segments enough to join: viewers get hls_url
        live.source = {**(live.source or {}), "ready": True}
    elif event == "failed":
        unreadable = detail.get("reason") in ("UnsupportedMediaError", "NoMediaStreamsError")
        live.problem = LiveLesson.Problem.UNSUPPORTED if unreadable else LiveLesson.Problem.FAILED
        live.problem_detail = str(detail.get("message", ""))[:1000]
    else:
        return live
    live.save(update_fields=["source", "problem", "problem_detail"])
    return live


# -- viewers and attendance ---------------------------------------------------------------------------------

def heartbeat_seconds():
    """How often the watch page says it is there (live.js): KEXIANG_LIVE_HEARTBEAT_SECONDS."""
    return settings.KEXIANG_LIVE_HEARTBEAT_SECONDS


def _watching_within():
    return datetime.timedelta(seconds=2 * heartbeat_seconds() + 5)


def viewer_heartbeat(*, live, user, viewer_key, playing, now=None):
    """A viewer's page says it is open (and whether the lesson plays): counts them as watching now, and adds
    the time since their last beat (at most two beats' worth) to what they watched while it was live."""
    now = now or timezone.now()
    with transaction.atomic():
        viewer, created = LiveViewer.objects.select_for_update().get_or_create(
            live=live, viewer_key=viewer_key,
            defaults={"user": user if user.is_authenticated else None, "last_seen": now})
        if not created:
            if playing and live.state == LiveLesson.State.LIVE:
                viewer.seconds += max(0.0, min((now - viewer.last_seen).total_seconds(), 2 * heartbeat_seconds()))
            viewer.last_seen = now
            viewer.save(update_fields=["seconds", "last_seen"])
    return viewer


def viewers_now(live, now=None):
    now = now or timezone.now()
    return live.viewers.filter(last_seen__gte=now - _watching_within()).count()


def watchers(*, live):
    """Who watched, longest first: (name, minutes watched, whether it counts as attendance)."""
    needed = None
    if live.started_at:
        end = live.ended_at or timezone.now()
        needed = (end - live.started_at).total_seconds() * settings.KEXIANG_LIVE_ATTENDANCE_SHARE
    rows = live.viewers.filter(user__isnull=False).select_related("user").order_by("-seconds")
    return [{"user": row.user, "minutes": round(row.seconds / 60, 1),
             "attended": needed is not None and row.seconds >= needed} for row in rows]


def attendance_record(*, live):
    """Members who watched at least KEXIANG_LIVE_ATTENDANCE_SHARE of the broadcast are signed in to its
    activity (签到, so the hours rules apply to them as to anyone who was in the room)."""
    if live.activity is None or not live.started_at or not live.ended_at:
        return []
    needed = (live.ended_at - live.started_at).total_seconds() * settings.KEXIANG_LIVE_ATTENDANCE_SHARE
    signed = []
    for viewer in live.viewers.filter(user__isnull=False, seconds__gte=needed).select_related("user"):
        try:
            activity_sign_in(activity=live.activity, user=viewer.user, now=live.ended_at)
        except (NotAMemberError, NotAllowedError, ScheduleError):
            continue  # not a member (a pairing school's teacher), or the activity was cancelled
        signed.append(viewer.user)
    return signed
