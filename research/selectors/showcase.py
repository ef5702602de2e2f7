"""The public showcase of teaching research (/research/public/, the home page, groups' public pages and their
calendar feeds): only what a group chose to publish, readable without signing in.

Published activities show their title, kind, time, agenda, presenters, minutes, recorded lessons that anyone
may see, and the place of open events (OPEN_KINDS); never threads, sign-ins, scores, review comments or other
members' names."""
import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q
from django.utils import timezone

from resources.models import Resource
from resources.selectors import resource_visible_q

from ..models import Activity, ActivityKind, ResearchGroup

FEED_PAST_DAYS = 365
# Kinds that are open events by nature (公开课/示范课, talks, lectures): their place is public. The place of
# a group's own session (集体备课, 学科组教研…) is often an online meeting's number: it stays inside the group.
OPEN_KINDS = {ActivityKind.DEMONSTRATION, ActivityKind.REPORT, ActivityKind.LECTURE}


def public_location(activity) -> str:
    return activity.location if activity.kind in OPEN_KINDS else ""


def published_activities():
    """Every activity its group put on its public page and did not cancel."""
    return Activity.objects.filter(is_published=True).exclude(status=Activity.Status.CANCELLED)


def showcase_groups():
    """Groups with a public page: open groups, and private ones that published an activity."""
    return (ResearchGroup.objects.filter(Q(is_private=False) | Q(pk__in=published_activities().values("group_id")))
            .select_related("subject", "school").order_by("name"))


def _with_public_parts(activities):
    """Presenters' names and the recorded lessons anyone may see (playable ones first), in two queries."""
    recordings = (Resource.objects.filter(resource_visible_q(AnonymousUser()))
                  .select_related("media_asset").order_by("title"))
    return activities.select_related("group").prefetch_related(
        Prefetch("presenters"), Prefetch("resources", queryset=recordings, to_attr="public_resources"))


def _public_places(activities):
    activities = list(activities)
    for activity in activities:
        activity.public_location = public_location(activity)
    return activities


def showcase_upcoming(*, group=None, now=None, limit=20, parts=True):
    """Published activities not over yet, soonest first; `parts`: with presenters and recordings (not for a list
    of titles)."""
    now = now or timezone.now()
    activities = published_activities().filter(ends_at__gte=now)
    if group is not None:
        activities = activities.filter(group=group)
    activities = _with_public_parts(activities) if parts else activities
    return _public_places(activities.order_by("starts_at")[:limit])


def showcase_past(*, group=None, now=None, limit=20):
    now = now or timezone.now()
    activities = published_activities().filter(ends_at__lt=now)
    if group is not None:
        activities = activities.filter(group=group)
    return _public_places(_with_public_parts(activities.order_by("-starts_at"))[:limit])


def showcase_feed(*, group=None, now=None):
    """What a public calendar feed holds: published activities of the last year and to come."""
    since = (now or timezone.now()) - datetime.timedelta(days=FEED_PAST_DAYS)
    activities = published_activities().filter(starts_at__gte=since)
    if group is not None:
        activities = activities.filter(group=group)
    return activities.select_related("group").order_by("starts_at")
