"""iCalendar feeds (RFC 5545, the `icalendar` library) of a group's activities and of a person's.

Calendar apps cannot sign in, so a feed URL carries a signed token naming the user; the feed still
shows only the groups that user belongs to now (leaving a group empties it), and changing the password
revokes every link given out before."""
import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from icalendar import Calendar, Event

from accounts.models import User

from .models import Activity

TOKEN_SALT = "research.calendar"


def _user_key(user) -> str:
    """Changes when the password changes, so changing it revokes every feed link given out before."""
    return salted_hmac(TOKEN_SALT, f"{user.pk}:{user.password}").hexdigest()[:16]


def calendar_token(*, user) -> str:
    return signing.dumps([user.pk, _user_key(user)], salt=TOKEN_SALT, compress=True)


def calendar_token_user(token):
    """The active user a feed token names, or None (bad signature, changed password, inactive user)."""
    try:
        user_id, key = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None or not constant_time_compare(key, _user_key(user)):
        return None
    return user


def calendar_ics(*, activities, name, base_url, url=None, location=None) -> bytes:
    """The feed of `activities`; each event links to `url(activity)`, by default the activity's page (members
    only), and says where it is `location(activity)`, by default its place."""
    cal = Calendar()
    cal.add("prodid", "-//Kexiang//research//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    now = datetime.datetime.now(datetime.UTC)
    for activity in activities:
        event = Event()
        event.add("uid", f"{activity.uid}@kexiang")
        event.add("dtstamp", now)
        event.add("dtstart", activity.starts_at)
        event.add("dtend", activity.ends_at)
        event.add("summary", f"{activity.title} · {activity.group.name}")
        place = location(activity) if location else activity.location
        if place:
            event.add("location", place)
        if activity.agenda:
            event.add("description", activity.agenda)
        event.add("url", url(activity) if url else base_url + reverse("research:activity", args=[activity.pk]))
        event.add("status", "CANCELLED" if activity.status == Activity.Status.CANCELLED else "CONFIRMED")
        event.add("sequence", 1 if activity.original_starts_at else 0)
        cal.add_component(event)
    return cal.to_ical()
