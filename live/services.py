"""Live lessons: creating one (and its secret stream key) and the decisions nginx asks for when a phone or
OBS starts or stops publishing (nginx-rtmp's on_publish / on_publish_done, see live/views.py).

A stream key is `<id>-<secret>`: a streaming app's "stream key" box takes it whole, and nginx passes it to
the app as the stream's name. Only the SHA-256 of the key is stored, so it is shown once; resetting makes a
new one and the old one stops working.
"""
import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from research.permissions import require_leader

from .models import LiveLesson


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


def publish_authorize(*, stream_name, client_id, now=None):
    """(live lesson, None) when this connection may publish `stream_name`, else (None or the lesson, reason)."""
    now = now or timezone.now()
    with transaction.atomic():
        live = _locked_lesson(stream_name)
        if live is None:
            return None, "wrong stream key"
        opens, closes = _window(live)
        if not opens <= now <= closes:
            return live, "outside the time window"
        if live.state == LiveLesson.State.ENDED:
            return live, "ended"
        if live.state == LiveLesson.State.LIVE and live.publisher and live.publisher != str(client_id):
            return live, "another connection is publishing"
        live.state = LiveLesson.State.LIVE
        live.publisher = str(client_id)
        live.started_at = live.started_at or now
        live.save(update_fields=["state", "publisher", "started_at"])
    return live, None


def publish_done(*, stream_name, client_id, now=None):
    """The publishing connection went away: the lesson has ended (a reconnect grace period comes with the replay)."""
    with transaction.atomic():
        live = _locked_lesson(stream_name, publisher=str(client_id))
        if live is None:
            return None
        live.state = LiveLesson.State.ENDED
        live.publisher = ""
        live.ended_at = now or timezone.now()
        live.save(update_fields=["state", "publisher", "ended_at"])
    return live
