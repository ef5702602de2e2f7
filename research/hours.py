"""Workload hours (课时) per teacher per semester: the rules, and the counting.

What counts, so the pages, the ledger (research/ledger.py) and the tests agree:

- **Rules**: settings.KEXIANG_WORKLOAD_RULES gives, for each ActivityKind, the hours, what they are counted
  per ("session"; "half_day" or "day", multiplied by the activity's `units`) and who earns them
  ("attendees": the users who signed in (SignIn); "presenters": the activity's `presenters`). Each kind
  has one rule: a presenter of a kind counted for attendees earns its hours only by signing in, and a
  sign-in to a kind counted for presenters earns nothing. A kind without a rule earns nothing.
- **Held**: an activity counts when it was not cancelled and it started inside the semester (local dates,
  reports.semesters.Semester) and before now. A cancelled activity earns nobody anything, even with
  sign-ins (they are kept as a record). A moved activity is still one row: it counts once, in the semester
  of its new date, once that date has passed.
- **Mentoring** (导师引领): KEXIANG_WORKLOAD_MENTORING_HOURS per *direct* apprentice per semester, to the
  mentor of each Mentorship active during the semester (started on or before the semester's last day and
  not after today, and not ended before its first day). Radiated apprentices (辐射, `is_direct=False`) earn
  their mentor nothing: DESIGN.md's "导师引领 20 per apprentice" is the pair of one mentor and (up to) two
  apprentices; the radiated teachers are reached through that pair, not mentored one to one.
- **Teachers of a school**: its active accounts whose role is teacher or research-group leader
  (resources.figures.TEACHER_ROLES), plus any other account of the school that earned hours in the
  semester (a school admin who gave a demonstration lesson).
- **Full-time equivalent** (兼职支教 120 课时折算 1 人): the hours of the supporting school's teachers in the
  semester, divided by KEXIANG_WORKLOAD_FTE_HOURS.

Who may read what (reports/permissions.py): everyone their own hours; school admins, research-group leaders
and district researchers the hours of the schools and pairings whose semester figures they may read.
"""
from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import School, SchoolPairing, User
from reports.semesters import Semester, local_date
from resources.figures import TEACHER_ROLES

from .models import Activity, ActivityKind, Apprenticeship, Mentorship, SignIn
from .permissions import group_can_read

PER_SESSION, PER_HALF_DAY, PER_DAY = "session", "half_day", "day"
WHO_ATTENDEES, WHO_PRESENTERS = "attendees", "presenters"
ROLE_ATTENDED, ROLE_PRESENTED, ROLE_MENTORED = "attended", "presented", "mentored"

DEFAULT_MENTORING_HOURS = 20
DEFAULT_FTE_HOURS = 120


# --- Rules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """The workload rule of one activity kind."""

    kind: str
    hours: int | float
    per: str  # PER_SESSION, PER_HALF_DAY or PER_DAY
    who: str  # WHO_ATTENDEES or WHO_PRESENTERS

    def hours_for(self, units: int) -> int | float:
        """The hours one activity earns each person the rule names. A half-day or day activity counts its
        `units` (at least one, as research.services.activities.activity_update keeps it)."""
        return self.hours if self.per == PER_SESSION else self.hours * max(1, units or 1)

    @property
    def kind_label(self) -> str:
        return str(ActivityKind(self.kind).label) if self.kind in ActivityKind.values else self.kind

    def text_zh(self, units: int = 1) -> str:
        """The rule as the ledger writes it: "每次 3 课时", "每半天 5 课时 × 2"."""
        per = {PER_SESSION: "每次", PER_HALF_DAY: "每半天", PER_DAY: "每天"}[self.per]
        text = f"{per} {plain_number(self.hours)} 课时"
        if self.per != PER_SESSION and max(1, units or 1) != 1:
            text += f" × {max(1, units or 1)}"
        return text


def plain_number(value):
    """3.0 → 3, 2.5 → 2.5 (hours and equivalents as people write them)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def workload_rules() -> dict[str, Rule]:
    """settings.KEXIANG_WORKLOAD_RULES, checked: a wrong entry stops with a sentence naming it."""
    rules = {}
    for kind, entry in getattr(settings, "KEXIANG_WORKLOAD_RULES", {}).items():
        try:
            hours, per, who = entry["hours"], entry.get("per", PER_SESSION), entry["who"]
        except (KeyError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"KEXIANG_WORKLOAD_RULES[{kind!r}] needs 'hours', 'per' and 'who', e.g. "
                "{'hours': 3, 'per': 'session', 'who': 'attendees'}."
            ) from exc
        if kind not in ActivityKind.values:
            raise ImproperlyConfigured(f"KEXIANG_WORKLOAD_RULES has {kind!r}, which is not an activity kind "
                                       f"({', '.join(ActivityKind.values)}).")
        if per not in (PER_SESSION, PER_HALF_DAY, PER_DAY):
            raise ImproperlyConfigured(f"KEXIANG_WORKLOAD_RULES[{kind!r}]['per'] is {per!r}; use 'session', "
                                       "'half_day' or 'day'.")
        if who not in (WHO_ATTENDEES, WHO_PRESENTERS):
            raise ImproperlyConfigured(f"KEXIANG_WORKLOAD_RULES[{kind!r}]['who'] is {who!r}; use 'attendees' "
                                       "or 'presenters'.")
        if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours < 0:
            raise ImproperlyConfigured(f"KEXIANG_WORKLOAD_RULES[{kind!r}]['hours'] must be a number of hours, 0 or more.")
        rules[kind] = Rule(kind=kind, hours=hours, per=per, who=who)
    return rules


def rule_list() -> list[Rule]:
    """The rules in the order of ActivityKind (for the notes under the tables)."""
    rules = workload_rules()
    return [rules[kind] for kind in ActivityKind.values if kind in rules]


def mentoring_hours_per_apprentice() -> int | float:
    return getattr(settings, "KEXIANG_WORKLOAD_MENTORING_HOURS", DEFAULT_MENTORING_HOURS)


def fte_hours() -> int | float:
    return getattr(settings, "KEXIANG_WORKLOAD_FTE_HOURS", DEFAULT_FTE_HOURS)


# --- What was held -------------------------------------------------------------------------------------


def _now(now):
    return now or timezone.now()


def activities_held_q(*, semester: Semester, now=None, prefix: str = "") -> Q:
    """Activities (at `prefix`, e.g. "activity__") held in the semester: not cancelled, started inside it
    and before `now`."""
    until = min(semester.ends_before, _now(now))
    return Q(**{f"{prefix}starts_at__gte": semester.starts_at, f"{prefix}starts_at__lt": until}) & ~Q(
        **{f"{prefix}status": Activity.Status.CANCELLED}
    )


def mentorships_active_q(*, semester: Semester, now=None, prefix: str = "") -> Q:
    """Mentorships (at `prefix`) running for at least a day of the semester up to today."""
    last = min(semester.end, local_date(_now(now)))
    return Q(**{f"{prefix}starts_on__lte": last}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": semester.start})
    )


# --- One teacher, line by line -------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursLine:
    """One thing that earned hours: an activity attended or presented, or a mentorship."""

    date: datetime.date
    role: str  # ROLE_ATTENDED, ROLE_PRESENTED or ROLE_MENTORED
    title: str
    group_name: str
    hours: int | float
    rule: Rule | None = None  # None for mentoring
    units: int = 1
    activity_id: int | None = None
    mentorship_id: int | None = None
    apprentices: tuple[str, ...] = ()  # direct apprentices, for mentoring
    moved: bool = False

    @property
    def kind_label(self) -> str:
        return self.rule.kind_label if self.rule else ""

    @property
    def counted_per_units(self) -> bool:
        return bool(self.rule and self.rule.per != PER_SESSION)


@dataclass
class TeacherHoursDetail:
    user: User
    semester: Semester
    lines: list[HoursLine]
    mentoring_hours_each: int | float = DEFAULT_MENTORING_HOURS

    @property
    def total(self) -> int | float:
        return plain_number(sum(line.hours for line in self.lines))


def hours_for_teacher(*, user: User, semester: Semester, now=None) -> TeacherHoursDetail:
    """What `user` earned in the semester, one line per activity or mentorship, oldest first."""
    now = _now(now)
    rules = workload_rules()
    attendee_kinds = [kind for kind, rule in rules.items() if rule.who == WHO_ATTENDEES]
    presenter_kinds = [kind for kind, rule in rules.items() if rule.who == WHO_PRESENTERS]
    lines: list[HoursLine] = []

    def activity_line(activity, role):
        rule = rules[activity.kind]
        return HoursLine(
            date=local_date(activity.starts_at), role=role, title=activity.title, group_name=activity.group.name,
            hours=rule.hours_for(activity.units), rule=rule, units=max(1, activity.units or 1),
            activity_id=activity.pk, moved=activity.status == Activity.Status.MOVED,
        )

    sign_ins = (
        SignIn.objects.filter(activities_held_q(semester=semester, now=now, prefix="activity__"), user=user,
                              activity__kind__in=attendee_kinds)
        .select_related("activity__group")
    )
    lines += [activity_line(sign_in.activity, ROLE_ATTENDED) for sign_in in sign_ins]
    presented = (
        Activity.objects.filter(activities_held_q(semester=semester, now=now), presenters=user, kind__in=presenter_kinds)
        .select_related("group")
        .distinct()
    )
    lines += [activity_line(activity, ROLE_PRESENTED) for activity in presented]

    each = mentoring_hours_per_apprentice()
    mentorships = (
        Mentorship.objects.filter(mentorships_active_q(semester=semester, now=now), mentor=user)
        .select_related("group")
        .prefetch_related("apprenticeships__apprentice")
        .order_by("starts_on", "pk")
    )
    for mentorship in mentorships:
        direct = [str(a.apprentice) for a in mentorship.apprenticeships.all() if a.is_direct]
        if not direct:
            continue
        lines.append(HoursLine(
            date=max(mentorship.starts_on, semester.start), role=ROLE_MENTORED, title="",
            group_name=mentorship.group.name if mentorship.group else "", hours=each * len(direct),
            mentorship_id=mentorship.pk, apprentices=tuple(sorted(direct)), units=len(direct),
        ))
    lines.sort(key=lambda line: (line.date, line.role != ROLE_MENTORED, line.title, line.activity_id or 0))
    return TeacherHoursDetail(user=user, semester=semester, lines=lines, mentoring_hours_each=each)


def hours_lines_redact(detail: TeacherHoursDetail, *, reader) -> None:
    """Another reader (a school admin, a leader) sees every line's date, kind and hours, but the title and
    group of an activity only when they may read its group: a private group's activities stay unnamed."""
    ids = [line.activity_id for line in detail.lines if line.activity_id]
    groups = {a.pk: a.group for a in Activity.objects.filter(pk__in=ids).select_related("group")}
    detail.lines = [
        dataclasses.replace(line, title=gettext("An activity of a private group"), group_name="", activity_id=None)
        if groups.get(line.activity_id) is not None and not group_can_read(user=reader, group=groups[line.activity_id])
        else line
        for line in detail.lines
    ]  # no title, group or link to a page the reader cannot open


# --- Many teachers, totals only ------------------------------------------------------------------------


@dataclass
class TeacherHours:
    """One teacher's totals in a semester."""

    user_id: int
    name: str
    username: str
    school_id: int | None
    school_name: str
    role: str
    attended_sessions: int = 0
    attended_hours: int | float = 0
    presented_sessions: int = 0
    presented_hours: int | float = 0
    apprentices: int = 0  # direct apprentices, over the mentorships active in the semester
    mentoring_hours: int | float = 0

    @property
    def total(self) -> int | float:
        return plain_number(self.attended_hours + self.presented_hours + self.mentoring_hours)


@dataclass(frozen=True)
class SchoolHours:
    school: School
    rows: list[TeacherHours]

    @property
    def total(self) -> int | float:
        return plain_number(sum(row.total for row in self.rows))


@dataclass
class HoursTable:
    """Per-teacher totals of a school, a pairing (both schools, supporting first) or a list of users."""

    semester: Semester
    rows: list[TeacherHours]
    school: School | None = None
    pairing: SchoolPairing | None = None
    schools: list[School] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.pairing) if self.pairing else str(self.school) if self.school else ""

    @property
    def total(self) -> int | float:
        return plain_number(sum(row.total for row in self.rows))

    def row_for(self, user) -> TeacherHours | None:
        user_id = getattr(user, "pk", user)
        return next((row for row in self.rows if row.user_id == user_id), None)

    @property
    def by_school(self) -> list[SchoolHours]:
        return [SchoolHours(school, [row for row in self.rows if row.school_id == school.pk]) for school in self.schools]

    @property
    def supporting_hours(self) -> int | float | None:
        """The hours of the supporting school's teachers (a pairing's table only)."""
        if not self.pairing:
            return None
        return plain_number(sum(row.total for row in self.rows if row.school_id == self.pairing.supporting_id))

    @property
    def fte(self) -> float | None:
        """Full-time-equivalent supporting teachers: supporting_hours / KEXIANG_WORKLOAD_FTE_HOURS."""
        if not self.pairing:
            return None
        return self.supporting_hours / fte_hours()

    @property
    def fte_hours(self) -> int | float:
        return fte_hours()


def _hour_counts(*, users: QuerySet, semester: Semester, now) -> dict[int, dict]:
    """{user_id: counts} in three grouped queries whatever the number of users: sign-ins to attendee kinds,
    presentations of presenter kinds, direct apprentices of active mentorships."""
    rules = workload_rules()
    attendee_kinds = [kind for kind, rule in rules.items() if rule.who == WHO_ATTENDEES]
    presenter_kinds = [kind for kind, rule in rules.items() if rule.who == WHO_PRESENTERS]
    held = activities_held_q(semester=semester, now=now, prefix="activity__")
    user_ids = users.values("pk")
    counts: dict[int, dict] = defaultdict(lambda: defaultdict(int))

    attended = (
        SignIn.objects.filter(held, user__in=user_ids, activity__kind__in=attendee_kinds)
        .order_by()
        .values_list("user_id", "activity__kind", "activity__units")
        .annotate(n=Count("id"))
    )
    for user_id, kind, units, n in attended:
        counts[user_id]["attended_sessions"] += n
        counts[user_id]["attended_hours"] += n * rules[kind].hours_for(units)

    presentations = (
        Activity.presenters.through.objects.filter(held, user__in=user_ids, activity__kind__in=presenter_kinds)
        .order_by()
        .values_list("user_id", "activity__kind", "activity__units")
        .annotate(n=Count("activity_id", distinct=True))
    )
    for user_id, kind, units, n in presentations:
        counts[user_id]["presented_sessions"] += n
        counts[user_id]["presented_hours"] += n * rules[kind].hours_for(units)

    apprentices = (
        Apprenticeship.objects.filter(
            mentorships_active_q(semester=semester, now=now, prefix="mentorship__"),
            is_direct=True, mentorship__mentor__in=user_ids,
        )
        .order_by()
        .values_list("mentorship__mentor_id")
        .annotate(n=Count("id"))
    )
    each = mentoring_hours_per_apprentice()
    for user_id, n in apprentices:
        counts[user_id]["apprentices"] += n
        counts[user_id]["mentoring_hours"] += n * each
    return counts


def hours_table(*, semester: Semester, users=None, school: School | None = None, pairing: SchoolPairing | None = None,
                now=None) -> HoursTable:
    """Per-teacher totals for `users` (any iterable of users or a queryset), a `school`'s teachers or a
    `pairing`'s two schools' teachers — exactly one of them. Four queries whatever the number of teachers."""
    if sum(x is not None for x in (users, school, pairing)) != 1:
        raise TypeError("hours_table() takes exactly one of users=, school= or pairing=")
    now = _now(now)
    schools: list[School] = []
    if users is not None:
        if isinstance(users, QuerySet):
            people = users
        else:
            people = User.objects.filter(pk__in=[getattr(user, "pk", user) for user in users])
        only_earners = False
    else:
        schools = [school] if school is not None else [pairing.supporting, pairing.supported]
        people = User.objects.filter(school_id__in=[s.pk for s in schools], is_active=True)
        only_earners = True
    counts = _hour_counts(users=people, semester=semester, now=now)
    people = list(people.select_related("school").order_by("full_name", "username", "pk"))
    rows = []
    for person in people:
        row = TeacherHours(
            user_id=person.pk, name=person.get_full_name(), username=person.username, school_id=person.school_id,
            school_name=str(person.school) if person.school else "", role=person.role,
            **{key: plain_number(value) for key, value in counts.get(person.pk, {}).items()},
        )
        if only_earners and person.role not in TEACHER_ROLES and not row.total:
            continue
        rows.append(row)
    if schools:
        order = {s.pk: index for index, s in enumerate(schools)}
        rows.sort(key=lambda row: order.get(row.school_id, len(order)))  # stable: names stay in order
    return HoursTable(semester=semester, rows=rows, school=school, pairing=pairing, schools=schools)
