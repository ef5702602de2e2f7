"""Reads of groups: mine, a group's members, its public page, and search inside the groups I belong to."""
from django.db.models import Q

from accounts.models import User

from ..models import Activity, GroupMembership, Post, ResearchGroup, ReviewComment
from ..permissions import groups_readable_q
from .showcase import published_activities

SEARCH_LIMIT = 30


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


def group_member_list(*, group):
    """The group's members as users, by name (pickers for teacher, presenter, apprentice)."""
    return User.objects.filter(group_memberships__group=group).order_by("full_name", "username")


def group_memberships(*, group):
    """The group's memberships with their users, leaders first (the group page's member list)."""
    return GroupMembership.objects.filter(group=group).select_related("user", "user__school").order_by("role", "user__full_name")


def public_activities(*, group):
    """What a group's public page lists: activities it published that were not cancelled."""
    return published_activities().filter(group=group)


def group_has_public_page(*, group) -> bool:
    return not group.is_private or public_activities(group=group).exists()


def groups_search(*, user, query, limit=SEARCH_LIMIT) -> dict:
    """Posts (by text or thread title), activities (title, agenda, minutes) and review comments that contain
    `query`, in the groups `user` may read only; newest first, at most `limit` of each."""
    if not query:
        return {"posts": [], "activities": [], "comments": []}
    return {
        "posts": list(
            Post.objects.filter(groups_readable_q(user=user, field="thread__group"))
            .filter(Q(body_text__icontains=query) | Q(thread__title__icontains=query))
            .select_related("thread", "thread__group", "author").order_by("-created_at")[:limit]
        ),
        "activities": list(
            Activity.objects.filter(groups_readable_q(user=user))
            .filter(Q(title__icontains=query) | Q(agenda__icontains=query) | Q(minutes__icontains=query))
            .select_related("group").order_by("-starts_at")[:limit]
        ),
        "comments": list(
            ReviewComment.objects.filter(groups_readable_q(user=user, field="review__group"))
            .filter(body__icontains=query).select_related("review", "review__group").order_by("-created_at")[:limit]
        ),
    }
