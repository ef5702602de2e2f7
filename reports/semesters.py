"""Semesters (学期) of the Chinese school year, by *local* date (settings.TIME_ZONE, Asia/Shanghai): the autumn
semester (第一学期) runs 1 Sep → 31 Jan, the spring semester (第二学期) 1 Feb → 31 Aug. Every report counts by
them (resources/figures.py, research/hours.py, research/ledger.py), in the site's time zone, never the
reader's: a semester's figures must not depend on who looks.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext

from .exceptions import SemesterCodeError

AUTUMN, SPRING = "autumn", "spring"
RECENT_SEMESTERS = 6  # three school years in the select
_CODE = re.compile(r"^(\d{4})-(autumn|spring)$")


@dataclass(frozen=True)
class Semester:
    """One semester. `year` is the calendar year it starts in: 2026-autumn is Sep 2026 – Jan 2027,
    2027-spring is Feb – Aug 2027 (both in the 2026–2027 school year)."""

    year: int
    term: str  # AUTUMN or SPRING

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 9, 1) if self.term == AUTUMN else datetime.date(self.year, 2, 1)

    @property
    def end(self) -> datetime.date:
        """The last day, inclusive."""
        return datetime.date(self.year + 1, 1, 31) if self.term == AUTUMN else datetime.date(self.year, 8, 31)

    @property
    def code(self) -> str:
        return f"{self.year}-{self.term}"

    @property
    def school_year(self) -> tuple[int, int]:
        return (self.year, self.year + 1) if self.term == AUTUMN else (self.year - 1, self.year)

    @property
    def label(self) -> str:
        """The name schools use, e.g. "2026–2027学年 第一学期", in the reader's language."""
        first, second = self.school_year
        if self.term == AUTUMN:
            return gettext("%(first)s–%(second)s school year, first semester") % {"first": first, "second": second}
        return gettext("%(first)s–%(second)s school year, second semester") % {"first": first, "second": second}

    @property
    def label_zh(self) -> str:
        """The Chinese name, whatever the reader's language: for the ledger and figure files handed to bureaus."""
        with translation.override("zh-hans"):
            return self.label

    @property
    def starts_at(self) -> datetime.datetime:
        """00:00 local time on the first day."""
        return _local_midnight(self.start)

    @property
    def ends_before(self) -> datetime.datetime:
        """00:00 local time on the day after the last day (the range is half-open)."""
        return _local_midnight(self.end + datetime.timedelta(days=1))

    def previous(self) -> Semester:
        return Semester(self.year, SPRING) if self.term == AUTUMN else Semester(self.year - 1, AUTUMN)

    def __str__(self):
        return self.label


def _local_midnight(day: datetime.date) -> datetime.datetime:
    # The site's time zone, not the active one: a semester's figures must not depend on who looks.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def local_date(moment: datetime.datetime) -> datetime.date:
    """The site-local date of a moment (the site's time zone, as the semesters are counted)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def semester_of(day: datetime.date) -> Semester:
    """The semester a local date falls in."""
    if day.month >= 9:
        return Semester(day.year, AUTUMN)
    if day.month == 1:
        return Semester(day.year - 1, AUTUMN)
    return Semester(day.year, SPRING)


def semester_current() -> Semester:
    return semester_of(timezone.localdate())


def semester_from_code(code: str) -> Semester:
    """`2026-autumn` → the autumn semester 2026–2027; raises SemesterCodeError for anything else."""
    match = _CODE.match((code or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2099:
        example = semester_current()
        raise SemesterCodeError(
            gettext(
                "“%(code)s” is not a semester. Use a code such as %(autumn)s (the autumn semester, 1 September to "
                "31 January) or %(spring)s (the spring semester, 1 February to 31 August)."
            )
            % {
                "code": (code or "")[:40],
                "autumn": Semester(example.school_year[0], AUTUMN).code,
                "spring": Semester(example.school_year[1], SPRING).code,
            }
        )
    return Semester(int(match.group(1)), match.group(2))


def semester_list_recent(*, today: datetime.date | None = None, count: int = RECENT_SEMESTERS) -> list[Semester]:
    """The current semester and the ones before it, newest first (for a select)."""
    semester = semester_of(today or timezone.localdate())
    semesters = []
    for _ in range(count):
        semesters.append(semester)
        semester = semester.previous()
    return semesters


def semester_choices(*, selected: Semester) -> list[Semester]:
    """The recent semesters for a page's select, with `selected` added in date order when it is not among
    them (an older semester asked for by its code)."""
    semesters = semester_list_recent()
    if selected not in semesters:
        semesters = sorted([*semesters, selected], key=lambda semester: semester.start, reverse=True)
    return semesters
