"""The pairing ledger (帮扶台账) of a semester, and its XLSX export.

The ledger of a pairing for a semester lists the activities held in the research groups of the pairing
(groups whose `pairing` is it, or whose `school` is one of its two schools), the lessons observed (submitted
observation records whose observer belongs to one of the two schools, dated in the semester), the
demonstration lessons (held activities of kind demonstration with a presenter), the resources the two
schools added (counted by resources.figures) and the hours of both schools' teachers (research/hours.py,
which also says what "held" means).

Who may read it (reports/permissions.py): the school admins of the pairing's two schools, district
researchers and superusers.

The XLSX is a ledger handed to education bureaus, so its labels are fixed Chinese whatever language the
site is shown in (as resources/figures.py does); the pages are translated as usual. The workbook is written
by reports/exports.py.
"""
from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation

from accounts.models import School, SchoolPairing
from reports.exports import Percent, Table, export_filenames, tables_xlsx
from reports.semesters import Semester, local_date
from resources.figures import school_resource_type_counts
from resources.models import ResourceType

from .hours import HoursTable, activities_held_q, fte_hours, hours_table, plain_number
from .models import Activity, ActivityKind, ObservationRecord, ResearchGroup
from .permissions import group_can_read
from .selectors.observations import observation_records_scored
from .selectors.reviews import review_can_see_scores


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
    """Blank the percentage of review scores `reader` may not see yet (research.selectors.reviews' blind rule)."""
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
    now = now or timezone.now()
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
        ["学期", semester.label_zh],
        ["起止日期", f"{semester.start:%Y-%m-%d} 至 {semester.end:%Y-%m-%d}"],
        ["导出时间", f"{timezone.localtime(ledger.generated_at):%Y-%m-%d %H:%M}"],
        ["统计口径", "教研活动：两校教研组及本结对教研组在本学期已开展（未取消、开始时间已过）的活动，调整时间的活动只计一次；"
                    "听课：两校教师本学期提交的听课记录；示范课：已开展且有主讲教师的示范课；"
                    "课时：按课时规则统计，导师引领按直接徒弟计；"
                    f"兼职支教折算：支援学校教师课时合计 ÷ {plain_number(fte_hours())}。"],
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
            f"{local_date(activity.starts_at):%Y-%m-%d}", activity.group.name, activity.title,
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
    hour_rows.append([f"兼职支教折算（{supporting}课时 ÷ {plain_number(fte_hours())}）", "", "", "", "", "", "", "", "",
                      Fraction2(hours.fte)])
    return [
        summary,
        Table("活动", activity_rows, {0}),
        Table("听课", observation_rows, {0}),
        Table("示范课", demonstration_rows, {0}),
        Table("课时", hour_rows, {0}),
    ]


def _school_total(hours: HoursTable, school_id: int) -> int | float:
    return plain_number(sum(row.total for row in hours.rows if row.school_id == school_id))


def ledger_xlsx(ledger: Ledger) -> bytes:
    """The ledger as a workbook (reports.exports.tables_xlsx: header rows bold, formula-like text kept as text)."""
    return tables_xlsx(ledger_tables(ledger), frozen=lambda title: title != "汇总",
                       number_formats={Fraction2: "0.00"}, min_width=8)


def ledger_filename(ledger: Ledger) -> tuple[str, str]:
    """(ASCII fallback, full name): `kexiang-ledger-pairing-3-2026-autumn.xlsx`,
    `课享帮扶台账_城关小学-山区小学结对_2026–2027学年第一学期.xlsx`."""
    pairing = ledger.pairing
    return export_filenames(name=f"ledger-pairing-{pairing.pk}", title="课享帮扶台账",
                            who=f"{pairing.supporting}-{pairing.supported}结对", semester=ledger.semester,
                            extension="xlsx", fallback="pairing")
