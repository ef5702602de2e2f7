"""Semester figures (学期数据) for a school and a school pairing, and their CSV and XLSX exports.

The programme asks a supported school for at least 200 new resources a semester and for half of its
teachers to make micro-lessons of their own. What counts, so the page, the exports and the tests agree:

- **Semester**: the Chinese school year by *local* date (settings.TIME_ZONE, Asia/Shanghai): the autumn
  semester (第一学期) runs 1 Sep → 31 Jan, the spring semester (第二学期) 1 Feb → 31 Aug (reports/semesters.py).
- **New resources**: resources filed under the school (`Resource.school`), published (`live`), created in
  the semester — whatever their visibility: the figures are counts, never titles.
- **Teachers**: active accounts of the school whose role is teacher or research-group leader (a 教研组长
  teaches too). School admins, district researchers and viewers are not counted. Membership is as it is
  today: a teacher who moved school counts for the new one.
- **Micro-lesson teachers**: teachers who uploaded (`uploaded_by`) at least one published micro-lesson
  created in the semester — the goal is per semester, so older micro-lessons do not count again.
- **Most used**: the school's published resources by `use_count` (all time), limited to what the reader
  may see (`resource_visible_q`), so a private resource's title never reaches another school.

Who may read them: school admins and research-group leaders their own school and the pairings it is in;
district researchers and superusers every school and pairing; teachers and viewers none (reports/permissions.py).

The exports are ledgers (台账) handed to education bureaus, so their labels are fixed Chinese whatever
language the site is shown in; the page itself is translated as usual. The CSV and XLSX writers and the file
names are reports/exports.py's.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone, translation

from accounts.models import School, SchoolPairing, User
from reports.exports import Percent, Table, export_filenames, tables_csv, tables_xlsx
from reports.semesters import Semester

from .models import Resource, ResourceType
from .selectors import resource_visible_q

DEFAULT_GOAL_RESOURCES = 200
DEFAULT_GOAL_MICRO_LESSON_SHARE = 0.5
MOST_USED_LIMIT = 10

TEACHER_ROLES = (User.Role.TEACHER, User.Role.GROUP_LEADER)


# --- The figures -------------------------------------------------------------------------------------


def goal_resources() -> int:
    return int(getattr(settings, "KEXIANG_GOAL_RESOURCES_PER_SEMESTER", DEFAULT_GOAL_RESOURCES))


def goal_micro_lesson_share() -> float:
    return float(getattr(settings, "KEXIANG_GOAL_MICRO_LESSON_SHARE", DEFAULT_GOAL_MICRO_LESSON_SHARE))


@dataclass(frozen=True)
class TeacherRow:
    user_id: int
    school_id: int
    name: str
    username: str
    resources: int  # published resources they uploaded in the semester
    micro_lessons: int  # of which micro-lessons


@dataclass(frozen=True)
class TypeCount:
    resource_type: str
    label: str
    count: int


@dataclass
class SchoolFigures:
    """One school's figures for a semester; with `school=None` the totals of a pairing."""

    school: School | None
    semester: Semester
    type_counts: dict[str, int]
    teachers: list[TeacherRow]
    most_used: list[Resource] = field(default_factory=list)
    resource_goal: int = DEFAULT_GOAL_RESOURCES
    share_goal: float = DEFAULT_GOAL_MICRO_LESSON_SHARE

    @property
    def new_resources(self) -> int:
        return sum(self.type_counts.values())

    @property
    def by_type(self) -> list[TypeCount]:
        """Every resource type in the usual order, zeros included."""
        return [TypeCount(value, str(label), self.type_counts.get(value, 0)) for value, label in ResourceType.choices]

    @property
    def by_type_nonzero(self) -> list[TypeCount]:
        return [row for row in self.by_type if row.count]

    @property
    def teacher_count(self) -> int:
        return len(self.teachers)

    @property
    def micro_lesson_teacher_count(self) -> int:
        return sum(1 for row in self.teachers if row.micro_lessons)

    @property
    def micro_lesson_share(self) -> float | None:
        """0.0–1.0, or None when the school has no teachers."""
        return self.micro_lesson_teacher_count / self.teacher_count if self.teachers else None

    @property
    def micro_lesson_percent(self) -> float | None:
        share = self.micro_lesson_share
        return None if share is None else share * 100

    @property
    def share_goal_percent(self) -> float:
        return self.share_goal * 100

    @property
    def resource_progress(self) -> int:
        """Width of the progress bar, 0–100."""
        if self.resource_goal <= 0:
            return 100
        return min(100, round(self.new_resources * 100 / self.resource_goal))

    @property
    def share_progress(self) -> int:
        share = self.micro_lesson_share or 0.0
        if self.share_goal <= 0:
            return 100
        return min(100, round(share * 100 / self.share_goal))

    @property
    def resources_to_go(self) -> int:
        return max(0, self.resource_goal - self.new_resources)

    @property
    def resource_goal_met(self) -> bool:
        return self.new_resources >= self.resource_goal

    @property
    def share_goal_met(self) -> bool:
        return self.micro_lesson_share is not None and self.micro_lesson_share >= self.share_goal


@dataclass
class Figures:
    """What the page and the exports show: one school, or a pairing's two schools plus totals."""

    semester: Semester
    schools: list[SchoolFigures]
    pairing: SchoolPairing | None = None
    totals: SchoolFigures | None = None
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def school(self) -> School | None:
        return None if self.pairing else self.schools[0].school

    @property
    def title(self) -> str:
        return str(self.pairing) if self.pairing else str(self.schools[0].school)

    @property
    def teachers(self) -> list[TeacherRow]:
        return [row for school in self.schools for row in school.teachers]


def school_resource_type_counts(*, school_ids: list[int], semester: Semester) -> dict[int, dict[str, int]]:
    """{school_id: {resource_type: count}} of published resources created in the semester (one query)."""
    counts: dict[int, dict[str, int]] = {school_id: {} for school_id in school_ids}
    rows = (
        Resource.objects.filter(
            school_id__in=school_ids, live=True,
            created_at__gte=semester.starts_at, created_at__lt=semester.ends_before,
        )
        .order_by()
        .values_list("school_id", "resource_type")
        .annotate(n=Count("id"))
    )
    for school_id, resource_type, n in rows:
        counts[school_id][resource_type] = n
    return counts


def school_teacher_rows(*, school_ids: list[int], semester: Semester) -> dict[int, list[TeacherRow]]:
    """{school_id: [TeacherRow]} for the schools' teachers, with their uploads in the semester (one query)."""
    in_semester = Q(
        resource__live=True, resource__created_at__gte=semester.starts_at, resource__created_at__lt=semester.ends_before
    )
    teachers = (
        User.objects.filter(school_id__in=school_ids, is_active=True, role__in=TEACHER_ROLES)
        .annotate(
            n_resources=Count("resource", filter=in_semester),
            n_micro=Count("resource", filter=in_semester & Q(resource__resource_type=ResourceType.MICRO_LESSON)),
        )
        .order_by("full_name", "username")
    )
    rows: dict[int, list[TeacherRow]] = {school_id: [] for school_id in school_ids}
    for teacher in teachers:
        rows[teacher.school_id].append(
            TeacherRow(
                user_id=teacher.pk, school_id=teacher.school_id, name=teacher.get_full_name(),
                username=teacher.username, resources=teacher.n_resources, micro_lessons=teacher.n_micro,
            )
        )
    return rows


def school_most_used(*, school: School, visible: Q, limit: int = MOST_USED_LIMIT) -> list[Resource]:
    """The school's most used published resources among those the reader may see (`visible`, from
    resource_visible_q), that have been used at all."""
    return list(
        Resource.objects.filter(visible, school=school, live=True, use_count__gt=0)
        .only("pk", "title", "resource_type", "use_count", "view_count", "download_count")
        .order_by("-use_count", "-created_at", "-id")[:limit]
    )


def _figures_for(*, schools: list[School], semester: Semester, user) -> list[SchoolFigures]:
    ids = [school.pk for school in schools]
    counts = school_resource_type_counts(school_ids=ids, semester=semester)
    teachers = school_teacher_rows(school_ids=ids, semester=semester)
    visible = resource_visible_q(user)
    resource_goal, share_goal = goal_resources(), goal_micro_lesson_share()
    return [
        SchoolFigures(
            school=school, semester=semester, type_counts=counts[school.pk], teachers=teachers[school.pk],
            most_used=school_most_used(school=school, visible=visible),
            resource_goal=resource_goal, share_goal=share_goal,
        )
        for school in schools
    ]


def figures_for_school(*, school: School, semester: Semester, user) -> Figures:
    """The figures of one school; "most used" holds only what `user` may see. The caller checks that
    `user` may read this school (figures_school_list)."""
    return Figures(semester=semester, schools=_figures_for(schools=[school], semester=semester, user=user))


def figures_for_pairing(*, pairing: SchoolPairing, semester: Semester, user) -> Figures:
    """Both schools of a pairing side by side (supporting first) and their totals."""
    schools = _figures_for(schools=[pairing.supporting, pairing.supported], semester=semester, user=user)
    type_counts: dict[str, int] = {}
    for school in schools:
        for resource_type, n in school.type_counts.items():
            type_counts[resource_type] = type_counts.get(resource_type, 0) + n
    totals = SchoolFigures(
        school=None, semester=semester, type_counts=type_counts,
        teachers=[row for school in schools for row in school.teachers],
        resource_goal=sum(school.resource_goal for school in schools), share_goal=goal_micro_lesson_share(),
    )
    return Figures(semester=semester, schools=schools, pairing=pairing, totals=totals)


# --- Exports -----------------------------------------------------------------------------------------


def figures_tables(figures: Figures) -> tuple[Table, Table]:
    """The summary (汇总) and teacher (教师) tables both exports write."""
    semester = figures.semester
    rows: list[list] = [["课享 学期数据"]]
    headers = {0}
    rows += [
        ["结对" if figures.pairing else "学校", figures.title],
        ["学期", semester.label_zh],
        ["起止日期", f"{semester.start:%Y-%m-%d} 至 {semester.end:%Y-%m-%d}"],
        ["导出时间", f"{timezone.localtime(figures.generated_at):%Y-%m-%d %H:%M}"],
        ["统计口径", "新增资源：本学期内创建并已发布的本校资源（按本地日期）；教师：本校在职账号中角色为教师或教研组长者；"
                    "微课教师：本学期上传过至少一个已发布微课的教师。"],
        [],
    ]
    headers.add(len(rows))
    rows.append(["学校", "本学期新增资源", "目标", "完成率", "教师人数", "做了微课的教师", "微课教师占比", "占比目标"])
    lines = list(figures.schools) + ([figures.totals] if figures.totals else [])
    for line in lines:
        rows.append([
            str(line.school) if line.school else "合计",
            line.new_resources,
            line.resource_goal,
            Percent(line.new_resources / line.resource_goal) if line.resource_goal else "—",
            line.teacher_count,
            line.micro_lesson_teacher_count,
            Percent(line.micro_lesson_share) if line.micro_lesson_share is not None else "—",
            Percent(line.share_goal),
        ])
    rows.append([])
    headers.add(len(rows))
    rows.append(["资源类型"] + [str(line.school) if line.school else "合计" for line in lines])
    with translation.override("zh-hans"):
        type_labels = [str(label) for _value, label in ResourceType.choices]
    for index, (value, _label) in enumerate(ResourceType.choices):
        rows.append([type_labels[index]] + [line.type_counts.get(value, 0) for line in lines])
    summary = Table("汇总", rows, headers)

    teacher_rows: list[list] = [["学校", "教师", "用户名", "本学期资源", "本学期微课"]]
    names = {school.school.pk: str(school.school) for school in figures.schools}
    for row in figures.teachers:
        teacher_rows.append([names[row.school_id], row.name, row.username, row.resources, row.micro_lessons])
    return summary, Table("教师", teacher_rows, {0})


def figures_csv(figures: Figures) -> bytes:
    """UTF-8 with a BOM (so Excel on Windows reads the Chinese), the summary, a blank line, the teachers."""
    return tables_csv(figures_tables(figures))


def figures_xlsx(figures: Figures) -> bytes:
    """A workbook with a 汇总 (summary) and a 教师 (teachers) sheet."""
    return tables_xlsx(figures_tables(figures), frozen=lambda title: title == "教师")


def figures_filename(figures: Figures, extension: str) -> tuple[str, str]:
    """(ASCII fallback, full name): `kexiang-figures-school-3-2026-autumn.csv`,
    `课享学期数据_示例第1小学_2026–2027学年第一学期.csv`."""
    if figures.pairing:
        name = f"figures-pairing-{figures.pairing.pk}"
        who = f"{figures.pairing.supporting}-{figures.pairing.supported}结对"
    else:
        name, who = f"figures-school-{figures.school.pk}", str(figures.school)
    return export_filenames(name=name, title="课享学期数据", who=who, semester=figures.semester, extension=extension,
                            fallback="school")
