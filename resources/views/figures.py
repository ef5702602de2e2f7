"""Semester figures for a school and a pairing (学期数据), with CSV and XLSX exports.

`/resources/figures/?school=<id>&semester=<code>` or `?pairing=<id>&semester=<code>`; the exports take the
same query at `figures/export.csv` and `figures/export.xlsx`. What counts and who may read what is in
resources/figures.py.
"""
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.models import School, SchoolPairing

from media_pipeline.quotas import school_storage

from ..selectors import as_id
from ..figures import (
    Figures,
    Semester,
    SemesterCodeError,
    content_disposition,
    figures_csv,
    figures_filename,
    figures_for_pairing,
    figures_for_school,
    figures_pairing_list,
    figures_reader_can_read,
    figures_reader_sees_all,
    figures_school_list,
    figures_xlsx,
    semester_current,
    semester_from_code,
    semester_list_recent,
)

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", figures_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", figures_xlsx),
}


class Refused(Exception):
    """Stop with a page that says why (400, 403, 404)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Choice:
    semester: Semester
    school: School | None = None
    pairing: SchoolPairing | None = None


def _get_id(request, name):
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if as_id(value) is None:
        if name == "school":
            raise Refused(400, _("“%(value)s” is not a school number.") % {"value": value[:40]})
        raise Refused(400, _("“%(value)s” is not a pairing number.") % {"value": value[:40]})
    return int(value)


def _read_choice(request) -> Choice:
    """The semester and the school or pairing asked for, checked against what the reader may see."""
    user = request.user
    if not figures_reader_can_read(user=user):
        raise Refused(
            403,
            _("Semester figures are for school admins, research-group leaders and district researchers. "
              "Ask your school admin if you need them."),
        )
    if not figures_reader_sees_all(user=user) and not user.school_id:
        raise Refused(403, _("Your account is not linked to a school yet, so there are no figures to show. "
                             "Ask an administrator to set your school."))
    try:
        semester = semester_from_code(request.GET["semester"]) if request.GET.get("semester") else semester_current()
    except SemesterCodeError as exc:
        raise Refused(400, str(exc)) from exc
    school_id, pairing_id = _get_id(request, "school"), _get_id(request, "pairing")
    if school_id and pairing_id:
        raise Refused(400, _("Choose a school or a pairing, not both."))
    if pairing_id:
        pairing = figures_pairing_list(user=user).filter(pk=pairing_id).first()
        if pairing is None:
            if SchoolPairing.objects.filter(pk=pairing_id).exists():
                raise Refused(403, _("You can see the figures of your own school and of the pairings it is in only."))
            raise Refused(404, _("There is no such pairing."))
        return Choice(semester, pairing=pairing)
    if school_id is None and user.school_id:
        school_id = user.school_id
    if school_id is None:
        return Choice(semester)  # a district researcher with no school: choose one first
    school = figures_school_list(user=user).filter(pk=school_id).first()
    if school is None:
        if School.objects.filter(pk=school_id).exists():
            raise Refused(403, _("You can see the figures of your own school and of the pairings it is in only."))
        raise Refused(404, _("There is no such school."))
    return Choice(semester, school=school)


def _figures(choice, user) -> Figures | None:
    if choice.pairing:
        return figures_for_pairing(pairing=choice.pairing, semester=choice.semester, user=user)
    if choice.school:
        return figures_for_school(school=choice.school, semester=choice.semester, user=user)
    return None


def _query(choice) -> str:
    target = {"pairing": choice.pairing.pk} if choice.pairing else {"school": choice.school.pk} if choice.school else {}
    return urlencode({**target, "semester": choice.semester.code})


def _scope(choice) -> str:
    """The value of the page's school-or-pairing select."""
    if choice.pairing:
        return f"pairing-{choice.pairing.pk}"
    return f"school-{choice.school.pk}" if choice.school else ""


def _refusal_page(request, refused):
    context = {"error": refused.message, "back_to_figures": refused.status != 403}
    return render(request, "resources/figures.html", context, status=refused.status)


def _scope_redirect(request):
    """The page's one select sends scope=school-<id> or pairing-<id>; answer with the canonical address."""
    kind, _sep, pk = request.GET["scope"].partition("-")
    if kind not in ("school", "pairing") or as_id(pk) is None:
        raise Refused(400, _("Choose a school or a pairing from the list."))
    query = {kind: pk}
    if request.GET.get("semester"):
        query["semester"] = request.GET["semester"]
    return HttpResponseRedirect(f"{reverse('resources:figures')}?{urlencode(query)}")


@require_safe
@never_cache
def figures_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        if "scope" in request.GET:
            return _scope_redirect(request)
        choice = _read_choice(request)
    except Refused as refused:
        return _refusal_page(request, refused)
    user = request.user
    semesters = semester_list_recent()
    if choice.semester not in semesters:
        semesters = sorted([*semesters, choice.semester], key=lambda semester: semester.start, reverse=True)
    figures = _figures(choice, user)
    return render(
        request,
        "resources/figures.html",
        {
            "figures": figures,
            "cards": (figures.schools + ([figures.totals] if figures.totals else [])) if figures else [],
            "choice": choice,
            "scope": _scope(choice),
            "semesters": semesters,
            "schools": figures_school_list(user=user),
            "pairings": figures_pairing_list(user=user),
            "query": _query(choice),
            "storage": school_storage(choice.school) if figures and choice.school else None,
        },
    )


@require_safe
@never_cache
def figures_export(request, fmt):
    if fmt not in EXPORTS:
        raise Http404("no such export format")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        choice = _read_choice(request)
        if not (choice.school or choice.pairing):
            raise Refused(400, _("Choose a school or a pairing to export its figures."))
    except Refused as refused:
        return _refusal_page(request, refused)
    content_type, write = EXPORTS[fmt]
    figures = _figures(choice, request.user)
    response = HttpResponse(write(figures), content_type=content_type)
    response["Content-Disposition"] = content_disposition(*figures_filename(figures, fmt))
    return response
