"""Workload hours (课时) per teacher per semester, and the pairing ledger (帮扶台账) with its XLSX export.

What counts, so the pages, the export and the tests agree:

- **Rules**: settings.KEXIANG_WORKLOAD_RULES gives, for each ActivityKind, the hours, what they are counted
  per ("session"; "half_day" or "day", multiplied by the activity's `units`) and who earns them
  ("attendees": the users who signed in (SignIn); "presenters": the activity's `presenters`). Each kind
  has one rule: a presenter of a kind counted for attendees earns its hours only by signing in, and a
  sign-in to a kind counted for presenters earns nothing. A kind without a rule earns nothing.
- **Held**: an activity counts when it was not cancelled and it started inside the semester (local dates,
  resources.figures.Semester) and before now. A cancelled activity earns nobody anything, even with
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

The ledger of a pairing for a semester lists the activities held in the research groups of the pairing
(groups whose `pairing` is it, or whose `school` is one of its two schools), the lessons observed (submitted
observation records whose observer belongs to one of the two schools, dated in the semester), the
demonstration lessons (held activities of kind demonstration with a presenter), the resources the two
schools added (counted by resources.figures) and the hours of both schools' teachers.

Who may read what: everyone their own hours; school admins, research-group leaders and district researchers
the hours of the schools and pairings whose semester figures they may read (resources.figures); the ledger
is for the school admins of the pairing's two schools, district researchers and superusers.

The XLSX is a ledger handed to education bureaus, so its labels are fixed Chinese whatever language the
site is shown in (as resources/figures.py does); the pages are translated as usual.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import School, SchoolPairing, User
from resources.figures import (
    TEACHER_ROLES,
    Percent,
    Semester,
    Table,
    content_disposition,
    figures_pairing_list,
    figures_reader_can_read,
    figures_reader_sees_all,
    figures_school_list,
    school_resource_type_counts,
    tables_xlsx,
)
from resources.models import ResourceType

from .models import Activity, ActivityKind, Apprenticeship, Mentorship, ObservationRecord, ResearchGroup, SignIn
from .selectors import observation_records_scored

PER_SESSION, PER_HALF_DAY, PER_DAY = "session", "half_day", "day"
WHO_ATTENDEES, WHO_PRESENTERS = "attendees", "presenters"
ROLE_ATTENDED, ROLE_PRESENTED, ROLE_MENTORED = "attended", "presented", "mentored"

DEFAULT_MENTORING_HOURS = 20
DEFAULT_FTE_HOURS = 120

__all__ = [
    "Rule", "workload_rules", "mentoring_hours_per_apprentice", "fte_hours",
    "activities_held_q", "mentorships_active_q",
    "HoursLine", "TeacherHoursDetail", "TeacherHours", "HoursTable", "Ledger",
    "hours_for_teacher", "hours_table", "ledger_for_pairing", "ledger_tables", "ledger_xlsx", "ledger_filename",
    "hours_reader_can_read_teacher", "ledger_reader_can_read", "ledger_pairing_list", "content_disposition",
]


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
        `units` (at least one, as research.services.activity_update keeps it)."""
        return self.hours if self.per == PER_SESSION else self.hours * max(1, units or 1)

    @property
    def kind_label(self) -> str:
        return str(ActivityKind(self.kind).label) if self.kind in ActivityKind.values else self.kind

    def text_zh(self, units: int = 1) -> str:
        """The rule as the ledger writes it: "每次 3 课时", "每半天 5 课时 × 2"."""
        per = {PER_SESSION: "每次", PER_HALF_DAY: "每半天", PER_DAY: "每天"}[self.per]
        text = f"{per} {_number(self.hours)} 课时"
        if self.per != PER_SESSION and max(1, units or 1) != 1:
            text += f" × {max(1, units or 1)}"
        return text


def _number(value):
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


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def activities_held_q(*, semester: Semester, now=None, prefix: str = "") -> Q:
    """Activities (at `prefix`, e.g. "activity__") held in the semester: not cancelled, started inside it
    and before `now`."""
    until = min(semester.ends_before, _now(now))
    return Q(**{f"{prefix}starts_at__gte": semester.starts_at, f"{prefix}starts_at__lt": until}) & ~Q(
        **{f"{prefix}status": Activity.Status.CANCELLED}
    )


def mentorships_active_q(*, semester: Semester, now=None, prefix: str = "") -> Q:
    """Mentorships (at `prefix`) running for at least a day of the semester up to today."""
    last = min(semester.end, _local_date(_now(now)))
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
        return _number(sum(line.hours for line in self.lines))


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
            date=_local_date(activity.starts_at), role=role, title=activity.title, group_name=activity.group.name,
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
    from .selectors import group_can_read

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
        return _number(self.attended_hours + self.presented_hours + self.mentoring_hours)


@dataclass(frozen=True)
class SchoolHours:
    school: School
    rows: list[TeacherHours]

    @property
    def total(self) -> int | float:
        return _number(sum(row.total for row in self.rows))


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
        return _number(sum(row.total for row in self.rows))

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
        return _number(sum(row.total for row in self.rows if row.school_id == self.pairing.supporting_id))

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
            **{key: _number(value) for key, value in counts.get(person.pk, {}).items()},
        )
        if only_earners and person.role not in TEACHER_ROLES and not row.total:
            continue
        rows.append(row)
    if schools:
        order = {s.pk: index for index, s in enumerate(schools)}
        rows.sort(key=lambda row: order.get(row.school_id, len(order)))  # stable: names stay in order
    return HoursTable(semester=semester, rows=rows, school=school, pairing=pairing, schools=schools)


# --- The pairing ledger --------------------------------------------------------------------------------


@dataclass
class ResourceCounts:
    school: School | None  # None: both schools
    type_counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.type_counts.values())


@dataclass
class Ledger:
    pairing: SchoolPairing
    semester: Semester
    activities: list[Activity]  # each with `attendee_count` and `presenter_names`
    observations: list[ObservationRecord]  # each with `total`, `max_total`, `percent`
    resources: list[ResourceCounts]  # supporting, supported, both
    hours: HoursTable
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def schools(self) -> list[School]:
        return [self.pairing.supporting, self.pairing.supported]

    @property
    def demonstrations(self) -> list[Activity]:
        return [a for a in self.activities if a.kind == ActivityKind.DEMONSTRATION and a.presenter_names]

    @property
    def attendances(self) -> int:
        return sum(a.attendee_count for a in self.activities)

    @property
    def observation_average(self) -> float | None:
        """The mean score percentage of the scored records (0–100), or None when none was scored."""
        scored = [record.percent for record in self.observations if record.percent is not None]
        return sum(scored) / len(scored) if scored else None

    @property
    def resource_rows(self) -> list[tuple[str, list[int]]]:
        """(type label, [supporting, supported, both]) for every type with at least one resource."""
        rows = []
        for value, label in ResourceType.choices:
            counts = [line.type_counts.get(value, 0) for line in self.resources]
            if any(counts):
                rows.append((str(label), counts))
        return rows


def _pairing_groups(pairing: SchoolPairing) -> QuerySet:
    return ResearchGroup.objects.filter(
        Q(pairing=pairing) | Q(school_id__in=[pairing.supporting_id, pairing.supported_id])
    )


def _hide_blind_scores(records, *, reader):
    """Blank the percentage of review scores `reader` may not see yet (research.reviews' blind rule)."""
    from .reviews import review_can_see_scores
    from .selectors import group_can_read

    verdicts = {}
    for record in records:
        record.score_hidden = False
        if reader is None or record.review_id is None or record.observer_id == reader.pk:
            continue
        if record.review_id not in verdicts:
            review = record.review
            # Only a member of the review's group could still score it; the blind rule protects them.
            verdicts[record.review_id] = (not group_can_read(user=reader, group=review.group)
                                          or review_can_see_scores(review=review, user=reader))
        if not verdicts[record.review_id]:
            record.percent = record.total = None
            record.score_hidden = True


def ledger_for_pairing(*, pairing: SchoolPairing, semester: Semester, now=None, reader=None) -> Ledger:
    """The pairing's ledger for a semester (see the module docstring for what each part counts). The
    caller checks that the reader may see it (ledger_pairing_list).

    The ledger is the schools' administrative record: it names the activities held in the pairing's groups,
    private or not (title, group, presenters, sign-in count — never minutes, threads or files). Observation
    records come from the pairing's groups (or from no group) only. Blind scoring holds here too: when `reader` is a member of
    a reviewed lesson's group and has not submitted their own scores, the others' scores of that lesson
    show no percentage (`score_hidden`)."""
    now = _now(now)
    activities = list(
        Activity.objects.filter(activities_held_q(semester=semester, now=now), group__in=_pairing_groups(pairing).values("pk"))
        .select_related("group")
        .annotate(attendee_count=Count("sign_ins", distinct=True))
        .prefetch_related("presenters")
        .order_by("starts_at", "pk")
    )
    for activity in activities:
        activity.presenter_names = [str(user) for user in activity.presenters.all()]
    school_ids = [pairing.supporting_id, pairing.supported_id]
    observations = list(
        observation_records_scored(
            ObservationRecord.objects.filter(
                Q(group__in=_pairing_groups(pairing).values("pk")) | Q(group__isnull=True),
                submitted_at__isnull=False, observer__school_id__in=school_ids,
                observed_on__gte=semester.start, observed_on__lte=semester.end,
            )
        )
        .select_related("observer__school", "teacher", "group", "review__group")
        .order_by("observed_on", "pk")
    )
    _hide_blind_scores(observations, reader=reader)
    type_counts = school_resource_type_counts(school_ids=school_ids, semester=semester)
    both: dict[str, int] = defaultdict(int)
    for counts in type_counts.values():
        for resource_type, n in counts.items():
            both[resource_type] += n
    resources = [
        ResourceCounts(pairing.supporting, type_counts[pairing.supporting_id]),
        ResourceCounts(pairing.supported, type_counts[pairing.supported_id]),
        ResourceCounts(None, dict(both)),
    ]
    return Ledger(
        pairing=pairing, semester=semester, activities=activities, observations=observations, resources=resources,
        hours=hours_table(pairing=pairing, semester=semester, now=now),
    )


# --- Who may read what ---------------------------------------------------------------------------------


def hours_school_list(*, user) -> QuerySet[School]:
    """Schools whose hours table `user` may read: those of their semester figures."""
    return figures_school_list(user=user)


def hours_pairing_list(*, user) -> QuerySet[SchoolPairing]:
    return figures_pairing_list(user=user)


def hours_reader_can_read_teacher(*, user, teacher: User) -> bool:
    """A teacher their own hours; a reader of figures those of the teachers in the schools and pairings
    they may read."""
    if not (user and user.is_authenticated):
        return False
    if user.pk == teacher.pk:
        return True
    if figures_reader_sees_all(user=user):
        return True
    if not (figures_reader_can_read(user=user) and user.school_id and teacher.school_id):
        return False
    if teacher.school_id == user.school_id:
        return True
    return hours_pairing_list(user=user).filter(
        Q(supporting_id=teacher.school_id) | Q(supported_id=teacher.school_id)
    ).exists()


LEDGER_ROLES = (User.Role.SCHOOL_ADMIN, User.Role.DISTRICT_RESEARCHER)


def ledger_reader_can_read(*, user) -> bool:
    """Whether `user` may read any ledger: school admins, district researchers, superusers."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.role in LEDGER_ROLES


def ledger_pairing_list(*, user) -> QuerySet[SchoolPairing]:
    """The pairings whose ledger `user` may read: all for district researchers and superusers, those of
    their own school for a school admin."""
    pairings = SchoolPairing.objects.select_related("supporting", "supported")
    if not ledger_reader_can_read(user=user):
        return pairings.none()
    if user.is_superuser or user.role == User.Role.DISTRICT_RESEARCHER:
        return pairings.all()
    if not user.school_id:
        return pairings.none()
    return pairings.filter(Q(supporting_id=user.school_id) | Q(supported_id=user.school_id))


# --- The XLSX ------------------------------------------------------------------------------------------


class Fraction2(float):
    """A number the workbook shows with two decimals (full-time equivalents)."""


STATUS_ZH = {Activity.Status.SCHEDULED: "如期", Activity.Status.MOVED: "已调整时间", Activity.Status.CANCELLED: "已取消"}


_IN_PARENTHESES = re.compile(r"[(（]([^()（）]+)[)）]\s*$")


def _kind_zh(kind: str) -> str:
    """The Chinese name of an activity kind, which its label carries in parentheses ("Talk (专题报告)")."""
    with translation.override("en"):
        label = str(ActivityKind(kind).label)
    match = _IN_PARENTHESES.search(label)
    return match.group(1) if match else label


def _teacher_observed(record) -> str:
    return str(record.teacher) if record.teacher else record.teacher_name


def ledger_tables(ledger: Ledger) -> list[Table]:
    """The five sheets of the XLSX: 汇总, 活动, 听课, 示范课, 课时."""
    semester, pairing = ledger.semester, ledger.pairing
    kind_zh = {value: _kind_zh(value) for value in ActivityKind.values}
    with translation.override("zh-hans"):
        type_zh = {value: str(label) for value, label in ResourceType.choices}
    supporting, supported = str(pairing.supporting), str(pairing.supported)
    average = ledger.observation_average
    hours = ledger.hours
    rows: list[list] = [["课享 帮扶台账"]]
    rows += [
        ["结对", str(pairing)],
        ["支援学校", supporting],
        ["受援学校", supported],
        ["项目", pairing.programme or "—"],
        ["学期", semester.label],
        ["起止日期", f"{semester.start:%Y-%m-%d} 至 {semester.end:%Y-%m-%d}"],
        ["导出时间", f"{timezone.localtime(ledger.generated_at):%Y-%m-%d %H:%M}"],
        ["统计口径", "教研活动：两校教研组及本结对教研组在本学期已开展（未取消、开始时间已过）的活动，调整时间的活动只计一次；"
                    "听课：两校教师本学期提交的听课记录；示范课：已开展且有主讲教师的示范课；"
                    "课时：按课时规则统计，导师引领按直接徒弟计；"
                    f"兼职支教折算：支援学校教师课时合计 ÷ {_number(fte_hours())}。"],
        [],
    ]
    headers = {0, len(rows)}
    rows.append(["项目", "数量"])
    rows += [
        ["开展教研活动（次）", len(ledger.activities)],
        ["参加活动（人次）", ledger.attendances],
        ["听课（节）", len(ledger.observations)],
        ["听课平均得分率", Percent(average / 100) if average is not None else "—"],
        ["示范课（节）", len(ledger.demonstrations)],
        [f"新增资源·{supporting}", ledger.resources[0].total],
        [f"新增资源·{supported}", ledger.resources[1].total],
        ["新增资源·合计", ledger.resources[2].total],
        [f"课时·{supporting}", _school_total(hours, pairing.supporting_id)],
        [f"课时·{supported}", _school_total(hours, pairing.supported_id)],
        ["兼职支教折算（人）", Fraction2(hours.fte)],
        [],
    ]
    headers.add(len(rows))
    rows.append(["资源类型", supporting, supported, "合计"])
    for value, _label in ResourceType.choices:
        counts = [line.type_counts.get(value, 0) for line in ledger.resources]
        if any(counts):
            rows.append([type_zh[value], *counts])
    summary = Table("汇总", rows, headers)

    activity_rows: list[list] = [["日期", "时间", "教研组", "类型", "主题", "状态", "签到人数", "主讲"]]
    for activity in ledger.activities:
        start = timezone.localtime(activity.starts_at, timezone.get_default_timezone())
        end = timezone.localtime(activity.ends_at, timezone.get_default_timezone())
        activity_rows.append([
            f"{start:%Y-%m-%d}", f"{start:%H:%M}–{end:%H:%M}", activity.group.name, kind_zh.get(activity.kind, activity.kind),
            activity.title, STATUS_ZH.get(activity.status, activity.status), activity.attendee_count,
            "、".join(activity.presenter_names),
        ])

    observation_rows: list[list] = [["日期", "听课教师", "学校", "授课教师", "课题", "得分", "满分", "得分率"]]
    for record in ledger.observations:
        observation_rows.append([
            f"{record.observed_on:%Y-%m-%d}", str(record.observer), str(record.observer.school or ""),
            _teacher_observed(record), record.lesson_title, record.total if record.total is not None else "—",
            record.max_total if record.max_total is not None else "—",
            Percent(record.percent / 100) if record.percent is not None else "—",
        ])
    if ledger.observations:
        observation_rows.append(["平均", "", "", "", "", "", "", Percent(average / 100) if average is not None else "—"])

    demonstration_rows: list[list] = [["日期", "教研组", "课题", "主讲", "签到人数"]]
    for activity in ledger.demonstrations:
        demonstration_rows.append([
            f"{_local_date(activity.starts_at):%Y-%m-%d}", activity.group.name, activity.title,
            "、".join(activity.presenter_names), activity.attendee_count,
        ])

    hour_rows: list[list] = [["学校", "教师", "用户名", "参加活动（次）", "参加活动课时", "主讲（次）", "主讲课时",
                              "直接徒弟（人）", "导师引领课时", "合计课时"]]
    for row in hours.rows:
        hour_rows.append([
            row.school_name, row.name, row.username, row.attended_sessions, row.attended_hours, row.presented_sessions,
            row.presented_hours, row.apprentices, row.mentoring_hours, row.total,
        ])
    hour_rows.append([])
    hour_rows.append([f"{supporting} 合计", "", "", "", "", "", "", "", "", _school_total(hours, pairing.supporting_id)])
    hour_rows.append([f"{supported} 合计", "", "", "", "", "", "", "", "", _school_total(hours, pairing.supported_id)])
    hour_rows.append([f"兼职支教折算（{supporting}课时 ÷ {_number(fte_hours())}）", "", "", "", "", "", "", "", "",
                      Fraction2(hours.fte)])
    return [
        summary,
        Table("活动", activity_rows, {0}),
        Table("听课", observation_rows, {0}),
        Table("示范课", demonstration_rows, {0}),
        Table("课时", hour_rows, {0}),
    ]


def _school_total(hours: HoursTable, school_id: int) -> int | float:
    return _number(sum(row.total for row in hours.rows if row.school_id == school_id))


def ledger_xlsx(ledger: Ledger) -> bytes:
    """The ledger as a workbook (resources.figures.tables_xlsx: header rows bold, formula-like text kept as text)."""
    return tables_xlsx(ledger_tables(ledger), frozen=lambda title: title != "汇总",
                       number_formats={Fraction2: "0.00"}, min_width=8)


_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


def ledger_filename(ledger: Ledger) -> tuple[str, str]:
    """(ASCII fallback, full name): `kexiang-ledger-pairing-3-2026-autumn.xlsx`,
    `课享帮扶台账_城关小学-山区小学结对_2026–2027学年第一学期.xlsx`."""
    pairing, semester = ledger.pairing, ledger.semester
    who = _UNSAFE_IN_FILENAME.sub("_", f"{pairing.supporting}-{pairing.supported}结对").strip("._")[:80] or "pairing"
    label = _UNSAFE_IN_FILENAME.sub("", semester.label)
    return f"kexiang-ledger-pairing-{pairing.pk}-{semester.code}.xlsx", f"课享帮扶台账_{who}_{label}.xlsx"
