"""Who may watch a live lesson, and what its status says."""
from django.conf import settings
from django.urls import reverse

from research.permissions import group_can_read
from resources.selectors import paired_school_ids

from .models import LiveLesson


def live_can_watch(*, user, live):
    if live.audience == LiveLesson.Audience.PUBLIC or group_can_read(user=user, group=live.group):
        return True
    if live.audience == LiveLesson.Audience.PAIRING and user.is_authenticated and user.school_id:
        group_schools = {live.group.school_id} if live.group.school_id else set()
        if live.group.pairing_id:
            group_schools |= {live.group.pairing.supporting_id, live.group.pairing.supported_id}
        return bool(group_schools & paired_school_ids(user.school_id))
    return False


def live_urls(live):
    return {
        "ingest_url": settings.KEXIANG_LIVE_RTMP_URL,
        "watch_url": reverse("live:watch", args=[live.pk]),
        "status_url": reverse("live:status", args=[live.pk]),
    }


def live_status(live):
    """What GET status_url answers. Playback (hls_url) and the replay come with the live transcoder."""
    return {"id": live.pk, "state": live.state, "title": live.title,
            "scheduled_at": live.scheduled_at.isoformat(), "hls_url": None, "replay_url": None, "viewers": 0}
