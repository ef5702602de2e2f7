"""What a report page is asked for in its query string: the semester and one school, pairing (or, on the
hours page, teacher). One parser for the semester figures (resources/views/figures.py) and the hours and
ledger pages (research/views/hours.py); each page checks the reader first or after, in its own order, and
words its own 403.

- `semester=<code>`: missing or blank is the current semester; anything but a code is a 400 that says what
  to use (semesters.semester_from_code).
- `school=<id>`, `pairing=<id>`, `teacher=<id>`: digits, or a 400 naming what it is not; at most one of them.
- A school or pairing the reader may not read is a 403 when it exists and a 404 when it does not.
- The pages' one select sends `scope=school-<id>` or `scope=pairing-<id>` (the hours page also `me`); the
  answer is a redirect to the canonical address.

Refusals raise exceptions.ScopeRefused; the page shows its `message` with its `status`.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import School, SchoolPairing
from core.text import as_id

from .exceptions import ScopeForbiddenError, ScopeInvalidError, ScopeNotFoundError, SemesterCodeError
from .semesters import Semester, semester_current, semester_from_code

SCHOOL, PAIRING, TEACHER = "school", "pairing", "teacher"
OWN = "me"  # the hours page's select: the reader's own hours


def _not_a_number(kind: str, value: str) -> str:
    if kind == SCHOOL:
        return _("“%(value)s” is not a school number.") % {"value": value[:40]}
    if kind == PAIRING:
        return _("“%(value)s” is not a pairing number.") % {"value": value[:40]}
    return _("“%(value)s” is not a teacher number.") % {"value": value[:40]}


@dataclass(frozen=True)
class Asked:
    """The query read, not yet checked against the reader: the semester, and which one of `kinds` was
    asked for (`kind` and `pk`), or none."""

    semester: Semester
    kind: str | None = None
    pk: int | None = None

    def id_of(self, kind: str) -> int | None:
        return self.pk if self.kind == kind else None


def semester_asked(query) -> Semester:
    """`semester=<code>`, or the current semester when there is none."""
    code = query.get("semester", "").strip()
    if not code:
        return semester_current()
    try:
        return semester_from_code(code)
    except SemesterCodeError as exc:
        raise ScopeInvalidError(str(exc)) from exc


def scope_read(query, *, kinds=(SCHOOL, PAIRING), several: str = "") -> Asked:
    """The semester and at most one of `kinds` (school, pairing, teacher) from the query, in that order:
    a bad semester, then a bad number, then more than one asked (`several` says so) is a 400."""
    semester = semester_asked(query)
    asked = {}
    for kind in kinds:
        value = query.get(kind, "").strip()
        if not value:
            continue
        pk = as_id(value)
        if pk is None:
            raise ScopeInvalidError(_not_a_number(kind, value))
        asked[kind] = pk
    if len(asked) > 1:
        raise ScopeInvalidError(several)
    kind, pk = next(iter(asked.items()), (None, None))
    return Asked(semester=semester, kind=kind, pk=pk)


def _readable(readable: QuerySet, pk: int, *, forbidden: str, missing: str):
    found = readable.filter(pk=pk).first()
    if found is None:
        if readable.model._default_manager.filter(pk=pk).exists():
            raise ScopeForbiddenError(forbidden)
        raise ScopeNotFoundError(missing)
    return found


def scope_school(*, schools: QuerySet[School], pk: int, forbidden: str) -> School:
    """School `pk` among `schools` (those the reader may read); 403 with `forbidden` if it is another, 404
    if there is none."""
    return _readable(schools, pk, forbidden=forbidden, missing=_("There is no such school."))


def scope_pairing(*, pairings: QuerySet[SchoolPairing], pk: int, forbidden: str) -> SchoolPairing:
    """Pairing `pk` among `pairings` (those the reader may read); 403 with `forbidden` if it is another, 404
    if there is none."""
    return _readable(pairings, pk, forbidden=forbidden, missing=_("There is no such pairing."))


@dataclass
class Scope:
    """What a report shows: a semester and a school, a pairing or (not chosen yet, or one's own) neither."""

    semester: Semester
    school: School | None = None
    pairing: SchoolPairing | None = None

    @property
    def target(self) -> dict:
        """The query naming the school or pairing: {"pairing": 3}, {"school": 5} or {}."""
        if self.pairing:
            return {PAIRING: self.pairing.pk}
        return {SCHOOL: self.school.pk} if self.school else {}

    @property
    def query(self) -> str:
        """The canonical query string, for the export links: `school=5&semester=2026-autumn`."""
        return urlencode({**self.target, "semester": self.semester.code})

    @property
    def select_value(self) -> str:
        """The value of the page's school-or-pairing select: `pairing-3`, `school-5` or ""."""
        return "".join(f"{kind}-{pk}" for kind, pk in self.target.items())


def scope_redirect(query, *, url: str, own: bool = False) -> HttpResponseRedirect:
    """The select sent `scope=school-<id>` or `pairing-<id>` (or `me` where `own` is allowed): a redirect to
    `url` with the canonical query (and the semester as sent)."""
    kind, _sep, pk = query["scope"].partition("-")
    target = {}
    if kind in (SCHOOL, PAIRING) and as_id(pk) is not None:
        target[kind] = pk
    elif not (own and kind == OWN):
        raise ScopeInvalidError(_("Choose a school or a pairing from the list."))
    if query.get("semester"):
        target["semester"] = query["semester"]
    return HttpResponseRedirect(f"{url}?{urlencode(target)}" if target else url)
