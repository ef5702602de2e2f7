"""Who may watch a live lesson, and what its status says."""
from django.conf import settings
from django.urls import reverse

from research.models import Post
from research.permissions import group_can_read
from resources.selectors import paired_school_ids

from .models import LiveLesson


def live_can_watch(*, user, live):
    if live.audience == LiveLesson.Audience.PUBLIC or group_can_read(user=user, group=live.group):
        return True
    if live.audience == LiveLesson.Audience.PAIRING and user.is_authenticated and user.school_id:
        if live.group.pairing_id:  # the two schools of the group's own pairing, nobody else's partners
            return user.school_id in (live.group.pairing.supporting_id, live.group.pairing.supported_id)
        return bool(live.group.school_id) and live.group.school_id in paired_school_ids(user.school_id)
    return False


def live_urls(live):
    return {
        "ingest_url": settings.KEXIANG_LIVE_RTMP_URL,
        "watch_url": reverse("live:watch", args=[live.pk]),
        "status_url": reverse("live:status", args=[live.pk]),
    }


def live_hls_url(live):
    """The live ladder's master playlist while the lesson is live, once the muxing session says it has segments
    enough to join."""
    if live.state != LiveLesson.State.LIVE or not (live.source or {}).get("ready"):
        return None
    return f"{settings.MEDIA_URL}live/{live.pk}/master.m3u8"


def live_status(live, *, viewers=0):
    """What GET status_url answers (and the watch page starts from)."""
    replay = live.replay if live.replay_id else None
    reconnecting = live.state == LiveLesson.State.LIVE and not live.publisher
    return {
        "id": live.pk, "state": live.state, "state_label": str(live.get_state_display()), "title": live.title,
        "scheduled_at": live.scheduled_at.isoformat(),
        "started_at": live.started_at.isoformat() if live.started_at else None,
        "ended_at": live.ended_at.isoformat() if live.ended_at else None,
        "hls_url": live_hls_url(live),
        "replay_url": replay.master_url if replay is not None and replay.playable else None,
        "replay_state": replay.state if replay is not None else None,
        "reconnecting": reconnecting,
        "problem": live.problem or None,
        "problem_message": str(live.get_problem_display()) if live.problem else None,
        "viewers": viewers,
    }


def live_comments(*, live, user, after=0, limit=50):
    """The activity thread's posts after id `after`, oldest first, for a member of the group (the thread is the
    group's: pairing or public viewers see the lesson, not its discussion). None when `user` may not read it."""
    if live.activity_id is None or not group_can_read(user=user, group=live.group):
        return None
    posts = (Post.objects.filter(thread__activity_id=live.activity_id, pk__gt=after)
             .select_related("author").order_by("pk")[:limit])
    return [{"id": post.pk, "author": str(post.author) if post.author else "", "html": post.body_html,
             "at": post.created_at.isoformat()} for post in posts]
