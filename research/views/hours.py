"""Workload hours (课时) and the pairing ledger (帮扶台账).

`/research/hours/?semester=<code>` — your own hours, line by line; `&teacher=<id>` another teacher's (for
those who may read their school's hours); `&school=<id>` or `&pairing=<id>` the per-teacher table.
`/research/ledger/?pairing=<id>&semester=<code>` — the printable ledger; `ledger/export.xlsx` takes the same
query. What counts and who may read what is in research/hours.py.
"""
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.models import School, SchoolPairing, User
from resources.figures import SemesterCodeError, figures_reader_can_read, semester_current, semester_from_code, semester_list_recent
from resources.selectors import as_id

from ..hours import (
    content_disposition,
    fte_hours,
    hours_for_teacher,
    hours_lines_redact,
    hours_pairing_list,
    hours_reader_can_read_teacher,
    hours_school_list,
    hours_table,
    ledger_filename,
    ledger_for_pairing,
    ledger_pairing_list,
    ledger_reader_can_read,
    ledger_xlsx,
    mentoring_hours_per_apprentice,
    rule_list,
)
from .common import login_required_here

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Refused(Exception):
    """Stop with a page that says why (400, 403, 404)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _semester(request):
    code = request.GET.get("semester", "").strip()
    if not code:
        return semester_current()
    try:
        return semester_from_code(code)
    except SemesterCodeError as exc:
        raise Refused(400, str(exc)) from exc


def _get_id(request, name, message):
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    number = as_id(value)
    if number is None:
        raise Refused(400, message % {"value": value[:40]})
    return number


def _semesters(current):
    semesters = semester_list_recent()
    if current not in semesters:
        semesters = sorted([*semesters, current], key=lambda semester: semester.start, reverse=True)
    return semesters


# --- /research/hours/ ----------------------------------------------------------------------------------


def _scope_redirect(request):
    """The page's select sends scope=school-<id>, pairing-<id> or "me"; answer with the canonical address."""
    kind, _sep, pk = request.GET["scope"].partition("-")
    query = {}
    if kind in ("school", "pairing") and as_id(pk) is not None:
        query[kind] = pk
    elif kind != "me":
        raise Refused(400, _("Choose a school or a pairing from the list."))
    if request.GET.get("semester"):
        query["semester"] = request.GET["semester"]
    return HttpResponseRedirect(f"{reverse('research:hours')}?{urlencode(query)}" if query else reverse("research:hours"))


def _hours_target(request):
    """(school, pairing, teacher) asked for, checked against what the reader may see; all None: own hours."""
    user = request.user
    school_id = _get_id(request, "school", _("“%(value)s” is not a school number."))
    pairing_id = _get_id(request, "pairing", _("“%(value)s” is not a pairing number."))
    teacher_id = _get_id(request, "teacher", _("“%(value)s” is not a teacher number."))
    if sum(x is not None for x in (school_id, pairing_id, teacher_id)) > 1:
        raise Refused(400, _("Choose a school, a pairing or a teacher, not several."))
    if teacher_id is not None:
        teacher = User.objects.select_related("school").filter(pk=teacher_id).first()
        if teacher is None:
            raise Refused(404, _("There is no such teacher."))
        if not hours_reader_can_read_teacher(user=user, teacher=teacher):
            raise Refused(403, _("You can see your own hours, and, as a school admin or research-group leader, "
                                 "those of the teachers of your school and of the pairings it is in."))
        return None, None, teacher
    if school_id is None and pairing_id is None:
        return None, None, None
    if not figures_reader_can_read(user=user):
        raise Refused(403, _("The hours of a whole school or pairing are for school admins, research-group leaders "
                             "and district researchers. Your own hours are on this page without a school chosen."))
    if pairing_id is not None:
        pairing = hours_pairing_list(user=user).filter(pk=pairing_id).first()
        if pairing is None:
            if SchoolPairing.objects.filter(pk=pairing_id).exists():
                raise Refused(403, _("You can see the hours of your own school and of the pairings it is in only."))
            raise Refused(404, _("There is no such pairing."))
        return None, pairing, None
    school = hours_school_list(user=user).filter(pk=school_id).first()
    if school is None:
        if School.objects.filter(pk=school_id).exists():
            raise Refused(403, _("You can see the hours of your own school and of the pairings it is in only."))
        raise Refused(404, _("There is no such school."))
    return school, None, None


def _rules_context():
    return {"rules": rule_list(), "mentoring_hours": mentoring_hours_per_apprentice(), "fte_hours": fte_hours()}


@require_safe
@never_cache
@login_required_here
def hours_page(request):
    try:
        if "scope" in request.GET:
            return _scope_redirect(request)
        semester = _semester(request)
        school, pairing, teacher = _hours_target(request)
    except Refused as refused:
        return render(request, "research/hours.html", {"error": refused.message, **_rules_context()},
                      status=refused.status)
    user = request.user
    reader = figures_reader_can_read(user=user)
    context = {
        "semester": semester,
        "semesters": _semesters(semester),
        "reader": reader,
        "schools": hours_school_list(user=user) if reader else [],
        "pairings": hours_pairing_list(user=user) if reader else [],
        "scope": f"pairing-{pairing.pk}" if pairing else f"school-{school.pk}" if school else "me",
        "target_query": (urlencode({"pairing": pairing.pk}) if pairing else urlencode({"school": school.pk}) if school
                         else urlencode({"teacher": teacher.pk}) if teacher else ""),
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


# --- /research/ledger/ ---------------------------------------------------------------------------------


def _ledger_choice(request):
    """(pairing or None, semester), checked: teachers and other schools' admins are refused with a sentence."""
    user = request.user
    if not ledger_reader_can_read(user=user):
        raise Refused(403, _("Pairing ledgers are for the school admins of the two schools and for district "
                             "researchers. Your own hours are under “My hours”; ask your school admin for the ledger."))
    semester = _semester(request)
    pairing_id = _get_id(request, "pairing", _("“%(value)s” is not a pairing number."))
    if pairing_id is None:
        return None, semester
    pairing = ledger_pairing_list(user=user).filter(pk=pairing_id).first()
    if pairing is None:
        if SchoolPairing.objects.filter(pk=pairing_id).exists():
            raise Refused(403, _("You can read the ledgers of the pairings your school is in only."))
        raise Refused(404, _("There is no such pairing."))
    return pairing, semester


@require_safe
@never_cache
@login_required_here
def ledger_page(request):
    try:
        pairing, semester = _ledger_choice(request)
    except Refused as refused:
        return render(request, "research/ledger.html", {"error": refused.message}, status=refused.status)
    context = {
        "semester": semester,
        "semesters": _semesters(semester),
        "pairings": ledger_pairing_list(user=request.user),
        "pairing": pairing,
        "fte_hours": fte_hours(),
    }
    if pairing:
        context["ledger"] = ledger_for_pairing(pairing=pairing, semester=semester, reader=request.user)
        context["query"] = urlencode({"pairing": pairing.pk, "semester": semester.code})
    return render(request, "research/ledger.html", context)


@require_safe
@never_cache
@login_required_here
def ledger_export(request):
    try:
        pairing, semester = _ledger_choice(request)
        if pairing is None:
            raise Refused(400, _("Choose a pairing to download its ledger."))
    except Refused as refused:
        return render(request, "research/ledger.html", {"error": refused.message}, status=refused.status)
    ledger = ledger_for_pairing(pairing=pairing, semester=semester, reader=request.user)
    response = HttpResponse(ledger_xlsx(ledger), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(*ledger_filename(ledger))
    return response
