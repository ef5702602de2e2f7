"""Reads for teaching research, and the one rule of who may see what.

A group's members (leader, member, guest expert) see everything in it: activities, threads, posts,
files, lesson reviews, records. Anyone else sees only what the group published on its public page
(activities marked `is_published`: title, date, agenda, minutes) — and for a private group without
published activities, not even that the group exists (views answer 404, never 403).
"""
from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from .models import (
    Activity,
    GroupMembership,
    LessonReview,
    Notification,
    ResearchGroup,
    ReviewComment,
    Thread,
    ThreadRead,
)


def group_list_for_user(*, user):
    """The groups `user` belongs to, with their role in each."""
    if not user.is_authenticated:
        return []
    return list(
        ResearchGroup.objects.filter(memberships__user=user)
        .select_related("subject", "school")
        .order_by("name")
        .distinct()
    )


def member_role(*, user, group) -> str | None:
    """The user's role in the group, or None when they are not a member."""
    if not user.is_authenticated:
        return None
    cache = getattr(user, "_kexiang_group_roles", None)
    if cache is None:
        cache = user._kexiang_group_roles = {}
    if group.pk not in cache:
        cache[group.pk] = GroupMembership.objects.filter(group=group, user=user).values_list("role", flat=True).first()
    return cache[group.pk]


def group_can_read(*, user, group) -> bool:
    """Everything inside the group: members and superusers."""
    if user.is_authenticated and user.is_superuser:
        return True
    return member_role(user=user, group=group) is not None


def group_can_manage(*, user, group) -> bool:
    """Schedule, move and cancel activities, edit minutes, set up reviews and records: the leader."""
    if user.is_authenticated and user.is_superuser:
        return True
    return member_role(user=user, group=group) == GroupMembership.Role.LEADER


def group_has_public_page(*, group) -> bool:
    return not group.is_private or public_activities(group=group).exists()


def public_activities(*, group):
    """What a group's public page lists: activities it published that were not cancelled."""
    return group.activities.filter(is_published=True).exclude(status=Activity.Status.CANCELLED)


def groups_readable_q(*, user, field="group") -> Q:
    """A filter for rows whose group (at `field`, "pk" for groups themselves) the user may read."""
    if user.is_authenticated and user.is_superuser:
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": GroupMembership.objects.filter(user=user).values("group")})


def review_comments_in_time_order():
    """Review comments as every page lists them: by moment, with author and scale point."""
    return ReviewComment.objects.select_related("author", "point").order_by("at_seconds", "id")


def asset_reviews_readable(*, asset, user):
    """The lesson reviews of one video in groups `user` may read, newest first, each with its comments in
    time order (`review.comments.all()`): what the lesson page marks on its timeline."""
    if not user.is_authenticated:
        return []
    return list(
        LessonReview.objects.filter(groups_readable_q(user=user), asset=asset)
        .select_related("group")
        .prefetch_related(Prefetch("comments", queryset=review_comments_in_time_order()))
        .order_by("-created_at")
    )


def activity_list_for_user(*, user, start=None, end=None):
    """The activities of every group the user belongs to, oldest first, between `start` and `end`."""
    activities = Activity.objects.filter(group__in=GroupMembership.objects.filter(user=user).values("group"))
    if start is not None:
        activities = activities.filter(starts_at__gte=start)
    if end is not None:
        activities = activities.filter(starts_at__lt=end)
    return activities.select_related("group").order_by("starts_at")


def thread_list(*, group, user):
    """The group's threads, newest activity first, each with `post_count` and `unread` for `user`."""
    newer_than_read = ThreadRead.objects.filter(thread=OuterRef("pk"), user=user, last_read_at__gte=OuterRef("last_post_at"))
    return (
        Thread.objects.filter(group=group)
        .annotate(post_count=Count("posts"), read=Exists(newer_than_read))
        .select_related("activity")
        .order_by("-last_post_at", "-created_at")
    )


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def observation_records_scored(records):
    """Observation records with `total` (points given) and `max_total` (points possible) annotated;
    `percent` is total / max_total. The one way records are totalled (per teacher, trends, ledgers)."""
    from django.db.models import F, FloatField, Sum
    from django.db.models.functions import Cast, NullIf

    return records.annotate(
        total=Sum("scores__score"),
        max_total=Sum("scores__point__max_score"),
    ).annotate(
        percent=100.0 * Cast(F("total"), FloatField()) / NullIf(Cast(F("max_total"), FloatField()), 0.0)
    )


def group_member_list(*, group):
    """The group's members as users, by name (pickers for teacher, presenter, apprentice)."""
    from accounts.models import User

    return User.objects.filter(group_memberships__group=group).order_by("full_name", "username")


def asset_readable_in_groups(*, user, asset) -> bool:
    """True when a group `user` may read reviews or polishes this video (评课, 磨课): its members watch it there."""
    from .models import PolishingRound

    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (LessonReview.objects.filter(groups_readable_q(user=user), asset=asset).exists()
            or PolishingRound.objects.filter(groups_readable_q(user=user, field="record__group"), asset=asset).exists())
