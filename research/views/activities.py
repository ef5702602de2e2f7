"""Scheduling a series, one occurrence's page (agenda, sign-in, minutes, thread), the leader's edit,
move and cancel, and the iCalendar feeds."""
import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User

from ..calendar import calendar_ics, calendar_token, calendar_token_user
from ..exceptions import ResearchError
from ..forms import ActivityEditForm, ScheduleForm
from ..models import Activity, ResearchGroup
from ..permissions import group_can_manage, group_can_read
from ..selectors.activities import activity_list_for_user
from ..services import activities as activity_services
from .common import activity_page, get_readable, group_or_404, login_required_here

FEED_PAST_DAYS = 120


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def schedule(request, group_id):
    group = group_or_404(request, group_id)
    if not group_can_manage(user=request.user, group=group):
        return render(request, "research/refused.html", {
            "message": _("Only the group's leader can schedule activities. Ask them, or ask to be made a leader.")}, status=403)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = activity_services.series_create(group=group, user=request.user, **data)
        except ResearchError as error:
            form.add_error(None, str(error))
        else:
            count = series.activities.count()
            messages.success(request, _("%(count)d activities scheduled, from %(first)s to %(last)s.") % {
                "count": count, "first": data["starts_on"], "last": data["until"]})
            return redirect("research:group", group.pk)
    return render(request, "research/schedule.html", {"group": group, "section": "home", "form": form},
                  status=400 if request.method == "POST" else 200)


def _activity(request, activity_id):
    return get_readable(Activity.objects.select_related("group", "series"), user=request.user, pk=activity_id)


@require_safe
@login_required_here
def activity_detail(request, activity_id):
    return activity_page(request, _activity(request, activity_id))


@require_POST
@login_required_here
def sign_in(request, activity_id):
    activity = _activity(request, activity_id)
    member_id = request.POST.get("member", "")
    try:
        if member_id.isdigit():  # the leader records someone from the paper list
            member = User.objects.filter(pk=int(member_id)).first()
            if member is None:
                raise ResearchError(_("Choose a member of the group."))
            activity_services.activity_sign_in_record(activity=activity, user=request.user, member=member)
        else:
            activity_services.activity_sign_in(activity=activity, user=request.user)
    except ResearchError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Signed in. Thank you!"))
    return redirect("research:activity", activity.pk)


@require_POST
@login_required_here
def activity_edit(request, activity_id):
    activity = _activity(request, activity_id)
    form = ActivityEditForm(request.POST, activity=activity, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("research:activity", activity.pk)
    activity_services.activity_update(activity=activity, user=request.user, **form.activity_changes())
    messages.success(request, _("Saved."))
    return redirect("research:activity", activity.pk)


@require_POST
@login_required_here
def activity_move(request, activity_id):
    activity = _activity(request, activity_id)
    raw = request.POST.get("starts_at", "")
    try:
        starts_at = timezone.make_aware(datetime.datetime.fromisoformat(raw))
    except ValueError:
        messages.error(request, _("“%(value)s” is not a date and time. Pick one in the field.") % {"value": raw[:30]})
        return redirect("research:activity", activity.pk)
    try:
        activity_services.activity_move(activity=activity, user=request.user, starts_at=starts_at,
                                        note=request.POST.get("note", ""))
    except ResearchError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Moved. Members and everyone who signed in have been told."))
    return redirect("research:activity", activity.pk)


@require_POST
@login_required_here
def activity_cancel(request, activity_id):
    activity = _activity(request, activity_id)
    activity_services.activity_cancel(activity=activity, user=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("Cancelled. Sign-ins are kept on record; members have been told."))
    return redirect("research:activity", activity.pk)


def ics_response(body, filename):
    """An iCalendar feed as calendar apps take it (shown inline, with its file name); the public ones too."""
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def group_calendar(request, group_id):
    """A group's feed: for a signed-in member, or with ?token= from the member's own feed link."""
    user = calendar_token_user(request.GET["token"]) if request.GET.get("token") else request.user
    group = ResearchGroup.objects.filter(pk=group_id).first()
    if user is None or group is None or not group_can_read(user=user, group=group):
        raise Http404
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    activities = group.activities.filter(starts_at__gte=since).select_related("group").order_by("starts_at")
    return ics_response(calendar_ics(activities=activities, name=group.name, base_url=request.build_absolute_uri("/")[:-1]),
                         f"group-{group.pk}.ics")


@require_safe
def person_calendar(request, token):
    user = calendar_token_user(token)
    if user is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    activities = activity_list_for_user(user=user, start=since)
    return ics_response(calendar_ics(activities=activities, name=_("My research activities"),
                                      base_url=request.build_absolute_uri("/")[:-1]), "kexiang.ics")


def calendar_links(request, group=None) -> dict:
    """Subscribe links a calendar app can open without a session: the person's feed, and the group's."""
    token = calendar_token(user=request.user)
    links = {"person_calendar_url": request.build_absolute_uri(reverse("research:person_calendar", args=[token]))}
    if group is not None:
        links["group_calendar_url"] = request.build_absolute_uri(
            reverse("research:group_calendar", args=[group.pk]) + "?" + urlencode({"token": token}))
    return links
