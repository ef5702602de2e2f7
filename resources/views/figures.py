"""Semester figures for a school and a pairing (学期数据), with CSV and XLSX exports.

`/resources/figures/?school=<id>&semester=<code>` or `?pairing=<id>&semester=<code>`; the exports take the
same query at `figures/export.csv` and `figures/export.xlsx`. What counts is in resources/figures.py; who
may read what in reports/permissions.py; how the query is read in reports/scope.py.
"""
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from media_pipeline.quotas import school_storage
from reports.exceptions import ScopeForbiddenError, ScopeInvalidError, ScopeRefused
from reports.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, export_response
from reports.permissions import (
    figures_pairing_list,
    figures_reader_can_read,
    figures_reader_sees_all,
    figures_school_list,
)
from reports.scope import PAIRING, SCHOOL, Scope, scope_pairing, scope_read, scope_redirect, scope_school
from reports.semesters import semester_choices

from ..figures import Figures, figures_csv, figures_filename, figures_for_pairing, figures_for_school, figures_xlsx

EXPORTS = {
    "csv": (CSV_CONTENT_TYPE, figures_csv),
    "xlsx": (XLSX_CONTENT_TYPE, figures_xlsx),
}


def _read_scope(request) -> Scope:
    """The semester and the school or pairing asked for, checked against what the reader may see."""
    user = request.user
    if not figures_reader_can_read(user=user):
        raise ScopeForbiddenError(
            _("Semester figures are for school admins, research-group leaders and district researchers. "
              "Ask your school admin if you need them."),
        )
    if not figures_reader_sees_all(user=user) and not user.school_id:
        raise ScopeForbiddenError(_("Your account is not linked to a school yet, so there are no figures to show. "
                                    "Ask an administrator to set your school."))
    asked = scope_read(request.GET, kinds=(SCHOOL, PAIRING), several=_("Choose a school or a pairing, not both."))
    forbidden = _("You can see the figures of your own school and of the pairings it is in only.")
    if asked.kind == PAIRING:
        pairing = scope_pairing(pairings=figures_pairing_list(user=user), pk=asked.pk, forbidden=forbidden)
        return Scope(asked.semester, pairing=pairing)
    school_id = asked.id_of(SCHOOL)
    if school_id is None:
        school_id = user.school_id  # none asked: their own school
    if school_id is None:
        return Scope(asked.semester)  # a district researcher with no school: choose one first
    return Scope(asked.semester, school=scope_school(schools=figures_school_list(user=user), pk=school_id,
                                                     forbidden=forbidden))


def _figures(scope, user) -> Figures | None:
    if scope.pairing:
        return figures_for_pairing(pairing=scope.pairing, semester=scope.semester, user=user)
    if scope.school:
        return figures_for_school(school=scope.school, semester=scope.semester, user=user)
    return None


def _refusal_page(request, refused):
    context = {"error": refused.message, "back_to_figures": refused.status != 403}
    return render(request, "resources/figures.html", context, status=refused.status)


@require_safe
@never_cache
def figures_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        if "scope" in request.GET:
            return scope_redirect(request.GET, url=reverse("resources:figures"))
        scope = _read_scope(request)
    except ScopeRefused as refused:
        return _refusal_page(request, refused)
    user = request.user
    figures = _figures(scope, user)
    return render(
        request,
        "resources/figures.html",
        {
            "figures": figures,
            "cards": (figures.schools + ([figures.totals] if figures.totals else [])) if figures else [],
            "choice": scope,
            "scope": scope.select_value,
            "semesters": semester_choices(selected=scope.semester),
            "schools": figures_school_list(user=user),
            "pairings": figures_pairing_list(user=user),
            "query": scope.query,
            "storage": school_storage(scope.school) if figures and scope.school else None,
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
        scope = _read_scope(request)
        if not (scope.school or scope.pairing):
            raise ScopeInvalidError(_("Choose a school or a pairing to export its figures."))
    except ScopeRefused as refused:
        return _refusal_page(request, refused)
    content_type, write = EXPORTS[fmt]
    figures = _figures(scope, request.user)
    return export_response(write(figures), content_type=content_type, filenames=figures_filename(figures, fmt))
