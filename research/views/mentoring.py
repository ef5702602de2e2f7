"""Mentoring (师徒结对): the group's mentorships, setting one up (the leader), a mentorship's page with its
apprentices, goals, monthly guidance logs and each apprentice's observed lessons with their score trend.
A mentorship is seen by its mentor, its apprentices, the members of its group and superusers; 404 for
anyone else."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..exceptions import MentoringError, ResearchError
from ..models import Mentorship
from ..permissions import (
    group_can_manage,
    mentorship_can_log,
    mentorship_can_manage,
    mentorship_can_read,
    require_mentorship_creator,
)
from ..selectors import mentoring as mentoring_selectors
from ..selectors.groups import group_member_list
from ..services import mentoring as mentoring_services
from .common import group_or_404 as _group
from .common import login_required_here
from .common import pick as _pick


def _mentorship(request, mentorship_id):
    mentorship = Mentorship.objects.select_related("mentor", "group").filter(pk=mentorship_id).first()
    if mentorship is None or not mentorship_can_read(user=request.user, mentorship=mentorship):
        raise Http404
    return mentorship


@require_safe
@login_required_here
def mentoring(request, group_id):
    group = _group(request, group_id)
    return render(request, "research/mentoring_list.html", {
        "group": group, "section": "mentoring",
        "mentorships": mentoring_selectors.mentorship_list(group=group),
        "can_create": group_can_manage(user=request.user, group=group),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def mentorship_new(request, group_id):
    group = _group(request, group_id)
    require_mentorship_creator(user=request.user, group=group)
    members = list(group_member_list(group=group))
    values = {"mentor": "", "starts_on": timezone.localdate().isoformat(), "ends_on": "", "goals": ""}
    roles = {}
    error = ""
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        roles = {str(m.pk): request.POST.get(f"apprentice_{m.pk}", "") for m in members}
        starts_on = parse_date(values["starts_on"]) if values["starts_on"] else None
        ends_on = parse_date(values["ends_on"]) if values["ends_on"] else None
        try:
            if values["starts_on"] and starts_on is None or values["ends_on"] and ends_on is None:
                raise MentoringError(_("A date is not a date; pick it again."))
            mentorship = mentoring_services.mentorship_create(
                group=group, user=request.user, mentor=_pick(members, values["mentor"]),
                starts_on=starts_on, ends_on=ends_on, goals=values["goals"],
                direct=[m for m in members if roles.get(str(m.pk)) == "direct"],
                radiated=[m for m in members if roles.get(str(m.pk)) == "radiated"],
            )
        except ResearchError as exc:
            error = str(exc)
        else:
            return redirect("research:mentorship", mentorship.pk)
    return render(request, "research/mentorship_form.html", {
        "group": group, "section": "mentoring", "members": members, "values": values,
        "member_roles": [(m, roles.get(str(m.pk), "")) for m in members], "error": error,
    }, status=400 if error else 200)


def _mentorship_page(request, mentorship, *, log_values=None, log_error="", add_error="", status=200):
    direct, radiated = mentoring_selectors.mentorship_apprentices(mentorship=mentorship)
    candidates = []
    if mentorship.group_id:
        taken = {a.apprentice_id for a in direct + radiated} | {mentorship.mentor_id}
        candidates = [m for m in group_member_list(group=mentorship.group) if m.pk not in taken]
    return render(request, "research/mentorship_detail.html", {
        "frame": "research/group_base.html" if mentorship.group_id else "research/mentorship_frame.html",
        "group": mentorship.group, "section": "mentoring",
        "mentorship": mentorship, "direct": direct, "radiated": radiated,
        "logs": mentoring_selectors.guidance_logs(mentorship=mentorship),
        "apprentices": mentoring_selectors.apprentice_views(mentorship=mentorship, viewer=request.user),
        "can_log": mentorship_can_log(user=request.user, mentorship=mentorship),
        "can_manage": mentorship_can_manage(user=request.user, mentorship=mentorship),
        "direct_full": len(direct) >= mentoring_services.MAX_DIRECT,
        "candidates": candidates,
        "log_values": log_values or {"month": timezone.localdate().strftime("%Y-%m"), "apprentice": "", "content": ""},
        "log_error": log_error,
        "add_error": add_error,
    }, status=status)


@require_safe
@login_required_here
def mentorship(request, mentorship_id):
    return _mentorship_page(request, _mentorship(request, mentorship_id))


@require_POST
@login_required_here
def guidance_new(request, mentorship_id):
    mentorship = _mentorship(request, mentorship_id)
    values = {key: request.POST.get(key, "").strip() for key in ("month", "apprentice", "content")}
    apprentice = None
    if values["apprentice"]:
        apprentice = next((a.apprentice for a in mentorship.apprenticeships.select_related("apprentice")
                           if str(a.apprentice_id) == values["apprentice"]), None)
    try:
        if values["apprentice"] and apprentice is None:
            raise MentoringError(_("That person is not an apprentice of this mentorship; choose again."))
        log = mentoring_services.guidance_log_add(
            mentorship=mentorship, user=request.user, month=mentoring_services.month_parse(values["month"]),
            content=values["content"], apprentice=apprentice)
    except ResearchError as error:
        return _mentorship_page(request, mentorship, log_values=values, log_error=str(error), status=400)
    messages.success(request, _("The guidance log is saved."))
    return redirect(reverse("research:mentorship", args=[mentorship.pk]) + f"#log-{log.pk}")


@require_POST
@login_required_here
def apprentice_add(request, mentorship_id):
    mentorship = _mentorship(request, mentorship_id)
    apprentice = None
    if mentorship.group_id:
        apprentice = _pick(list(group_member_list(group=mentorship.group)), request.POST.get("apprentice", ""))
    try:
        mentoring_services.apprentice_add(mentorship=mentorship, user=request.user, apprentice=apprentice,
                                          is_direct=request.POST.get("kind") == "direct")
    except ResearchError as error:
        return _mentorship_page(request, mentorship, add_error=str(error), status=400)
    return redirect(reverse("research:mentorship", args=[mentorship.pk]) + "#apprentices")
