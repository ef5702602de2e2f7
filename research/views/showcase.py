"""The public showcase of teaching research: /research/public/, a group's public page, and the public
iCalendar feeds. Anyone may read them, signed in or not (research.selectors.showcase says what is shown)."""
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..calendar import calendar_ics
from ..models import ResearchGroup
from ..permissions import group_can_read
from ..selectors.groups import group_has_public_page
from .activities import ics_response
from ..selectors.showcase import public_location, showcase_feed, showcase_groups, showcase_past, showcase_upcoming


@require_safe
def showcase(request):
    """Upcoming public activities of every group, past ones with minutes and recordings, the groups."""
    return render(request, "research/showcase.html", {
        "upcoming": showcase_upcoming(),
        "past": showcase_past(limit=10),
        "groups": showcase_groups(),
        "feed_url": reverse("research:showcase_calendar"),
    })


@require_safe
def group_public(request, group_id):
    """What the group chose to publish. A private group with nothing published has no public page (404)."""
    group = _public_group_or_404(group_id)
    return render(request, "research/group_public.html", {
        "group": group,
        "upcoming": showcase_upcoming(group=group),
        "past": showcase_past(group=group, limit=50),
        "is_member": group_can_read(user=request.user, group=group),
        "feed_url": reverse("research:group_public_calendar", args=[group.pk]),
    })


@require_safe
def showcase_calendar(request):
    return _public_ics(request, showcase_feed(), _("Public teaching research"), "kexiang-public.ics")


@require_safe
def group_public_calendar(request, group_id):
    group = _public_group_or_404(group_id)
    return _public_ics(request, showcase_feed(group=group), group.name, f"group-{group.pk}-public.ics")


def _public_group_or_404(group_id):
    group = ResearchGroup.objects.select_related("subject", "school").filter(pk=group_id).first()
    if group is None or not group_has_public_page(group=group):
        raise Http404
    return group


def _public_ics(request, activities, name, filename):
    base = request.build_absolute_uri("/")[:-1]
    body = calendar_ics(activities=activities, name=name, base_url=base,
                        url=lambda a: base + reverse("research:group_public", args=[a.group_id]) + f"#activity-{a.pk}",
                        location=public_location)
    return ics_response(body, filename)
