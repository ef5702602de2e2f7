"""The pairing ledger (帮扶台账).

`/research/ledger/?pairing=<id>&semester=<code>` — the printable ledger; `ledger/export.xlsx` takes the same
query. What it holds is in research/ledger.py; who may read it in reports/permissions.py; how the query is
read in reports/scope.py.
"""
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from reports.exceptions import ScopeForbiddenError, ScopeInvalidError, ScopeRefused
from reports.exports import XLSX_CONTENT_TYPE, export_response
from reports.permissions import ledger_pairing_list, ledger_reader_can_read
from reports.scope import PAIRING, Scope, scope_pairing, scope_read
from reports.semesters import semester_choices

from ..hours import fte_hours
from ..ledger import ledger_filename, ledger_for_pairing, ledger_xlsx
from .common import login_required_here


def _ledger_scope(request) -> Scope:
    """The semester and the pairing (or none yet), checked: teachers and other schools' admins are refused
    with a sentence."""
    user = request.user
    if not ledger_reader_can_read(user=user):
        raise ScopeForbiddenError(_("Pairing ledgers are for the school admins of the two schools, the leaders of "
                                    "the pairing's research groups and district researchers. Your own hours are "
                                    "under “My hours”; ask your school admin for the ledger."))
    asked = scope_read(request.GET, kinds=(PAIRING,))
    readable = ledger_pairing_list(user=user)
    if asked.kind is None:
        only = list(readable[:2])
        # one pairing to choose from: shown without asking
        return Scope(asked.semester, pairing=only[0]) if len(only) == 1 else Scope(asked.semester)
    pairing = scope_pairing(pairings=readable, pk=asked.pk,
                            forbidden=_("You can read the ledgers of your school's pairings and of your groups' only."))
    return Scope(asked.semester, pairing=pairing)


@require_safe
@never_cache
@login_required_here
def ledger_page(request):
    try:
        scope = _ledger_scope(request)
    except ScopeRefused as refused:
        return render(request, "research/ledger.html", {"error": refused.message}, status=refused.status)
    pairing, semester = scope.pairing, scope.semester
    context = {
        "semester": semester,
        "semesters": semester_choices(selected=semester),
        "pairings": ledger_pairing_list(user=request.user),
        "pairing": pairing,
        "fte_hours": fte_hours(),
    }
    if pairing:
        context["ledger"] = ledger_for_pairing(pairing=pairing, semester=semester, reader=request.user)
        context["query"] = scope.query
    return render(request, "research/ledger.html", context)


@require_safe
@never_cache
@login_required_here
def ledger_export(request):
    try:
        scope = _ledger_scope(request)
        if scope.pairing is None:
            raise ScopeInvalidError(_("Choose a pairing to download its ledger."))
    except ScopeRefused as refused:
        return render(request, "research/ledger.html", {"error": refused.message}, status=refused.status)
    ledger = ledger_for_pairing(pairing=scope.pairing, semester=scope.semester, reader=request.user)
    return export_response(ledger_xlsx(ledger), content_type=XLSX_CONTENT_TYPE, filenames=ledger_filename(ledger))
