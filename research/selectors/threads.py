"""Reads of threads and notifications."""
from django.db.models import Count, Exists, OuterRef

from ..models import Notification, Thread, ThreadRead

NOTIFICATIONS_SHOWN = 100


def thread_list(*, group, user):
    """The group's threads, newest activity first, each with `post_count` and `read` (`user` has read up to
    its last post)."""
    newer_than_read = ThreadRead.objects.filter(thread=OuterRef("pk"), user=user, last_read_at__gte=OuterRef("last_post_at"))
    return (
        Thread.objects.filter(group=group)
        .annotate(post_count=Count("posts"), read=Exists(newer_than_read))
        .select_related("activity")
        .order_by("-last_post_at", "-created_at")
    )


def notification_list(*, user, limit=NOTIFICATIONS_SHOWN):
    """The user's newest notifications (the model's order), with their groups."""
    return list(Notification.objects.filter(user=user).select_related("group")[:limit])


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
