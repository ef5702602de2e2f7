"""Reads of activities: a person's calendar, and whether sign-in is open."""
import datetime

from django.utils import timezone

from ..models import Activity, GroupMembership

SIGN_IN_OPENS_BEFORE = datetime.timedelta(hours=1)
SIGN_IN_CLOSES_AFTER = datetime.timedelta(days=2)


def activity_list_for_user(*, user, start=None, end=None):
    """The activities of every group the user belongs to, oldest first, between `start` and `end`."""
    activities = Activity.objects.filter(group__in=GroupMembership.objects.filter(user=user).values("group"))
    if start is not None:
        activities = activities.filter(starts_at__gte=start)
    if end is not None:
        activities = activities.filter(starts_at__lt=end)
    return activities.select_related("group").order_by("starts_at")


def activity_sign_in_is_open(*, activity, now=None) -> bool:
    """Whether a member can check in now (the page shows the button then); activity_sign_in says why not:
    from an hour before the start until two days after the end (late paper sign-ins), unless cancelled."""
    now = now or timezone.now()
    return (not activity.is_cancelled
            and activity.starts_at - SIGN_IN_OPENS_BEFORE <= now <= activity.ends_at + SIGN_IN_CLOSES_AFTER)
