"""Research home (my groups, what is coming up), a group's page, its public page, and search inside
the groups a member belongs to."""
import datetime

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from search.text import bounded_query

from ..models import Activity, GroupMembership, Post, ResearchGroup, ReviewComment
from ..selectors import (
    activity_list_for_user,
    group_can_manage,
    group_can_read,
    group_has_public_page,
    group_list_for_user,
    groups_readable_q,
    notification_unread_count,
    public_activities,
    thread_list,
)
from .common import login_required_here

SEARCH_LIMIT = 30


@require_safe
@login_required_here
def home(request):
    now = timezone.now()
    upcoming = activity_list_for_user(user=request.user, start=now - datetime.timedelta(hours=3),
                                      end=now + datetime.timedelta(days=21))[:20]
    from .activities import calendar_links

    return render(request, "research/home.html", {
        **calendar_links(request),
        "groups": group_list_for_user(user=request.user),
        "upcoming": upcoming,
        "unread": notification_unread_count(user=request.user),
    })


@require_safe
def group_detail(request, group_id):
    group = ResearchGroup.objects.select_related("subject", "school", "pairing").filter(pk=group_id).first()
    if group is None or not group_can_read(user=request.user, group=group):
        if group is not None and group_has_public_page(group=group):
            return redirect("research:group_public", group.pk)
        if not request.user.is_authenticated:  # the same answer whether or not the group exists
            return redirect_to_login(request.get_full_path())
        raise Http404
    now = timezone.now()
    activities = group.activities.order_by("starts_at")
    from .activities import calendar_links

    return render(request, "research/group_detail.html", {
        **calendar_links(request, group),
        "group": group,
        "section": "home",
        "is_leader": group_can_manage(user=request.user, group=group),
        "upcoming": activities.filter(ends_at__gte=now)[:12],
        "recent": activities.filter(ends_at__lt=now).order_by("-starts_at")[:8],
        "threads": thread_list(group=group, user=request.user).filter(activity__isnull=True)[:30],
        "members": GroupMembership.objects.filter(group=group).select_related("user", "user__school").order_by("role", "user__full_name"),
    })


@require_safe
def group_public(request, group_id):
    """What the group chose to publish: its name and the activities marked for the public page.
    A private group with nothing published has no public page (404)."""
    group = ResearchGroup.objects.select_related("subject", "school").filter(pk=group_id).first()
    if group is None or not group_has_public_page(group=group):
        raise Http404
    return render(request, "research/group_public.html", {
        "group": group,
        "activities": public_activities(group=group).order_by("-starts_at")[:50],
        "is_member": group_can_read(user=request.user, group=group),
    })


@require_safe
@login_required_here
def search(request):
    """Search posts, threads, activities and review comments of the reader's groups only."""
    query = bounded_query(request.GET.get("q"))
    results = {"posts": [], "activities": [], "comments": []}
    if query:
        readable = groups_readable_q(user=request.user, field="thread__group")
        results["posts"] = list(
            Post.objects.filter(readable).filter(Q(body_text__icontains=query) | Q(thread__title__icontains=query))
            .select_related("thread", "thread__group", "author").order_by("-created_at")[:SEARCH_LIMIT]
        )
        results["activities"] = list(
            Activity.objects.filter(groups_readable_q(user=request.user))
            .filter(Q(title__icontains=query) | Q(agenda__icontains=query) | Q(minutes__icontains=query))
            .select_related("group").order_by("-starts_at")[:SEARCH_LIMIT]
        )
        results["comments"] = list(
            ReviewComment.objects.filter(groups_readable_q(user=request.user, field="review__group"))
            .filter(body__icontains=query).select_related("review", "review__group").order_by("-created_at")[:SEARCH_LIMIT]
        )
    return render(request, "research/search.html", {"query": query, "results": results,
                                                     "count": sum(len(v) for v in results.values())})
