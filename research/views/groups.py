"""Research home (my groups, what is coming up), a group's page, and search inside the groups a member belongs
to. The public pages are in showcase.py."""
import datetime

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.text import bounded_query

from ..models import ResearchGroup
from ..permissions import group_can_manage, group_can_read
from ..selectors.activities import activity_list_for_user
from ..selectors.groups import (
    group_has_public_page,
    group_list_for_user,
    group_memberships,
    groups_search,
)
from ..selectors.threads import notification_unread_count, thread_list
from .activities import calendar_links
from .common import login_required_here


@require_safe
@login_required_here
def home(request):
    now = timezone.now()
    upcoming = activity_list_for_user(user=request.user, start=now - datetime.timedelta(hours=3),
                                      end=now + datetime.timedelta(days=21))[:20]
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
    return render(request, "research/group_detail.html", {
        **calendar_links(request, group),
        "group": group,
        "section": "home",
        "is_leader": group_can_manage(user=request.user, group=group),
        "upcoming": activities.filter(ends_at__gte=now)[:12],
        "recent": activities.filter(ends_at__lt=now).order_by("-starts_at")[:8],
        "threads": thread_list(group=group, user=request.user).filter(activity__isnull=True)[:30],
        "members": group_memberships(group=group),
    })


@require_safe
@login_required_here
def search(request):
    """Search posts, threads, activities and review comments of the reader's groups only."""
    query = bounded_query(request.GET.get("q"))
    results = groups_search(user=request.user, query=query)
    return render(request, "research/search.html", {"query": query, "results": results,
                                                     "count": sum(len(v) for v in results.values())})
