"""Scheduling a series, one occurrence's page (agenda, sign-in, minutes, thread), the leader's edit,
move and cancel, and the iCalendar feeds."""
import datetime
import re

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from resources.models import Resource
from resources.selectors import resource_visible_q

from .. import services
from ..calendar import calendar_ics, calendar_token, calendar_token_user
from ..exceptions import ResearchError
from ..models import Activity, ActivityKind, ActivitySeries, GroupMembership, ResearchGroup
from ..selectors import activity_list_for_user, group_can_manage, group_can_read
from .common import get_readable, group_or_404, login_required_here
from .threads import thread_context

FEED_PAST_DAYS = 120


class ScheduleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices, initial=ActivityKind.SUBJECT_GROUP)
    frequency = forms.ChoiceField(label=gettext_lazy("Repeats"), choices=ActivitySeries.Frequency.choices)
    starts_on = forms.DateField(label=gettext_lazy("First date"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Last date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=gettext_lazy("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label=gettext_lazy("Duration (minutes)"), min_value=10, max_value=600, initial=90)
    location = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False,
                               help_text=gettext_lazy("A room, or the online meeting's link"))
    agenda = forms.CharField(label=gettext_lazy("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    skip_dates = forms.CharField(
        label=gettext_lazy("Dates to leave out"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Holidays and exam weeks: one date a line, like 2026-10-01"),
    )

    def clean_skip_dates(self):
        dates = []
        for line in self.cleaned_data["skip_dates"].replace(",", "\n").replace("，", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                dates.append(datetime.date.fromisoformat(line))
            except ValueError:
                raise forms.ValidationError(_("“%(value)s” is not a date like 2026-10-01.") % {"value": line[:20]})
        return dates


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
            series = services.series_create(group=group, user=request.user, **data)
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


def activity_page(request, activity, *, draft="", error="", status=200):
    """The occurrence's page; a post that failed comes back here with its text (`draft`) and the reason."""
    signed = activity.sign_ins.filter(user=request.user).exists()
    can_sign = not signed and services.activity_sign_in_is_open(activity=activity)
    thread = services.activity_thread(activity=activity)
    context = {
        "group": activity.group,
        "section": "home",
        "activity": activity,
        "is_leader": group_can_manage(user=request.user, group=activity.group),
        "signed": signed,
        "can_sign": can_sign,
        "sign_ins": activity.sign_ins.select_related("user").order_by("signed_at"),
        "resources": activity.resources.filter(resource_visible_q(request.user)),
        "presenters": activity.presenters.all(),
        "members": User.objects.filter(group_memberships__group=activity.group).order_by("full_name"),
        "local_start": timezone.localtime(activity.starts_at),
    }
    context.update(thread_context(request, thread, draft=draft, error=error))
    return render(request, "research/activity_detail.html", context, status=status)


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
            services.activity_sign_in_record(activity=activity, user=request.user, member=member)
        else:
            services.activity_sign_in(activity=activity, user=request.user)
    except ResearchError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Signed in. Thank you!"))
    return redirect("research:activity", activity.pk)


@require_POST
@login_required_here
def activity_edit(request, activity_id):
    activity = _activity(request, activity_id)
    member_ids = set(GroupMembership.objects.filter(group=activity.group).values_list("user_id", flat=True))
    presenters = [int(v) for v in request.POST.getlist("presenters") if v.isdigit() and int(v) in member_ids]
    units = request.POST.get("units", "")
    resources = None
    if "resources" in request.POST:
        # Resource links or numbers, one a line; only what the leader may see in the library is linked.
        wanted = {int(n) for n in re.findall(r"(?:/resources/)?(\d{1,9})(?:/|\b)", request.POST["resources"])}
        resources = list(Resource.objects.filter(resource_visible_q(request.user), pk__in=wanted))
    services.activity_update(
        activity=activity, user=request.user,
        agenda=request.POST.get("agenda", activity.agenda),
        minutes=request.POST.get("minutes"),
        location=request.POST.get("location", activity.location),
        # A checkbox and a multi-select send nothing when empty: only the full edit form changes them.
        is_published=request.POST.get("is_published") == "on" if "edit_form" in request.POST else None,
        presenters=presenters if "edit_form" in request.POST else None,
        units=int(units) if units.isdigit() and 0 < int(units) < 100 else None,
        resources=resources,
    )
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
        services.activity_move(activity=activity, user=request.user, starts_at=starts_at, note=request.POST.get("note", ""))
    except ResearchError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Moved. Members and everyone who signed in have been told."))
    return redirect("research:activity", activity.pk)


@require_POST
@login_required_here
def activity_cancel(request, activity_id):
    activity = _activity(request, activity_id)
    services.activity_cancel(activity=activity, user=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("Cancelled. Sign-ins are kept on record; members have been told."))
    return redirect("research:activity", activity.pk)


def _ics_response(body, filename):
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
    return _ics_response(calendar_ics(activities=activities, name=group.name, base_url=request.build_absolute_uri("/")[:-1]),
                         f"group-{group.pk}.ics")


@require_safe
def person_calendar(request, token):
    user = calendar_token_user(token)
    if user is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    activities = activity_list_for_user(user=user, start=since)
    return _ics_response(calendar_ics(activities=activities, name=_("My research activities"),
                                      base_url=request.build_absolute_uri("/")[:-1]), "kexiang.ics")


def calendar_links(request, group=None) -> dict:
    """Subscribe links a calendar app can open without a session: the person's feed, and the group's."""
    token = calendar_token(user=request.user)
    links = {"person_calendar_url": request.build_absolute_uri(reverse("research:person_calendar", args=[token]))}
    if group is not None:
        links["group_calendar_url"] = request.build_absolute_uri(
            reverse("research:group_calendar", args=[group.pk]) + "?" + urlencode({"token": token}))
    return links
