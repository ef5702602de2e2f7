"""Workload hours (课时).

`/research/hours/?semester=<code>` — your own hours, line by line; `&teacher=<id>` another teacher's (for
those who may read their school's hours); `&school=<id>` or `&pairing=<id>` the per-teacher table. What
counts is in research/hours.py; who may read what in reports/permissions.py; how the query is read in
reports/scope.py. The pairing ledger is research/views/ledger.py.
"""
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.models import User
from reports.exceptions import ScopeForbiddenError, ScopeNotFoundError, ScopeRefused
from reports.permissions import (
    figures_pairing_list,
    figures_reader_can_read,
    figures_school_list,
    hours_reader_can_read_teacher,
    ledger_pairing_list,
)
from reports.scope import OWN, PAIRING, SCHOOL, TEACHER, Scope, scope_pairing, scope_read, scope_redirect, scope_school
from reports.semesters import semester_choices

from ..hours import fte_hours, hours_for_teacher, hours_lines_redact, hours_table, mentoring_hours_per_apprentice, rule_list
from .common import login_required_here


def _hours_target(request) -> tuple[Scope, User | None]:
    """The semester and the school, pairing or teacher asked for, checked against what the reader may see;
    neither school, pairing nor teacher: their own hours."""
    user = request.user
    asked = scope_read(request.GET, kinds=(SCHOOL, PAIRING, TEACHER),
                       several=_("Choose a school, a pairing or a teacher, not several."))
    scope = Scope(asked.semester)
    if asked.kind == TEACHER:
        teacher = User.objects.select_related("school").filter(pk=asked.pk).first()
        if teacher is None:
            raise ScopeNotFoundError(_("There is no such teacher."))
        if not hours_reader_can_read_teacher(user=user, teacher=teacher):
            raise ScopeForbiddenError(_("You can see your own hours, and, as a school admin or research-group "
                                        "leader, those of the teachers of your school and of the pairings it is in."))
        return scope, teacher
    if asked.kind is None:
        return scope, None
    if not figures_reader_can_read(user=user):
        raise ScopeForbiddenError(_("The hours of a whole school or pairing are for school admins, research-group "
                                    "leaders and district researchers. Your own hours are on this page without a "
                                    "school chosen."))
    forbidden = _("You can see the hours of your own school and of the pairings it is in only.")
    if asked.kind == PAIRING:
        scope.pairing = scope_pairing(pairings=figures_pairing_list(user=user), pk=asked.pk, forbidden=forbidden)
    else:
        scope.school = scope_school(schools=figures_school_list(user=user), pk=asked.pk, forbidden=forbidden)
    return scope, None


def _rules_context():
    return {"rules": rule_list(), "mentoring_hours": mentoring_hours_per_apprentice(), "fte_hours": fte_hours()}


@require_safe
@never_cache
@login_required_here
def hours_page(request):
    try:
        if "scope" in request.GET:
            return scope_redirect(request.GET, url=reverse("research:hours"), own=True)
        scope, teacher = _hours_target(request)
    except ScopeRefused as refused:
        return render(request, "research/hours.html", {"error": refused.message, **_rules_context()},
                      status=refused.status)
    user = request.user
    semester, school, pairing = scope.semester, scope.school, scope.pairing
    reader = figures_reader_can_read(user=user)
    context = {
        "semester": semester,
        "semesters": semester_choices(selected=semester),
        "reader": reader,
        "schools": figures_school_list(user=user) if reader else [],
        "pairings": figures_pairing_list(user=user) if reader else [],
        "scope": scope.select_value or OWN,
        "target_query": urlencode(scope.target or ({TEACHER: teacher.pk} if teacher else {})),
        **_rules_context(),
    }
    if school or pairing:
        context["table"] = hours_table(school=school, pairing=pairing, semester=semester)
        context["can_read_ledger"] = bool(pairing) and ledger_pairing_list(user=user).filter(pk=pairing.pk).exists()
    else:
        context["detail"] = hours_for_teacher(user=teacher or user, semester=semester)
        if teacher is not None and teacher.pk != user.pk:
            hours_lines_redact(context["detail"], reader=user)
        context["own"] = teacher is None or teacher.pk == user.pk
    return render(request, "research/hours.html", context)
