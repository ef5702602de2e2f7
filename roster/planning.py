"""What an import of the district's people list would change, worked out before anything changes: every bad row
named by its line, and the schools, pairings, accounts, roles and group memberships to make or update.

The stable key of a person is the 工号 (the username); a row without one is the person with that 手机号. A second
import of the same file plans nothing. Schools must exist unless the import may create them (the district's first
import): a school name mistyped is an unknown school, not a new one."""
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import School, SchoolPairing, User
from accounts.phone import normalize_phone
from research.models import GroupMembership, ResearchGroup
from resources.models import Stage, Subject

from .reading import Row

LIST_SEPARATORS = str.maketrans({"、": ",", "，": ",", ";": ",", "；": ",", "/": ","})
USER_FIELDS = ("full_name", "phone", "role", "school_id", "teaching_stage", "teaching_subjects")
ERRORS_KEPT = 1000  # a file with more bad rows names the first 1,000 (and says how many)


def split_list(text):
    return [part.strip() for part in (text or "").translate(LIST_SEPARATORS).split(",") if part.strip()]


def role_names():
    """Every way a list names a role: the code, the English and the Chinese label (and 区教研员)."""
    names = {}
    for value, label in User.Role.choices:
        names[value] = value
        names[str(label).lower()] = value
        with translation.override("zh-hans"):
            names[str(User.Role(value).label)] = value
    names["区教研员"] = names["教研员"] = User.Role.DISTRICT_RESEARCHER
    names["老师"] = User.Role.TEACHER
    return names


@dataclass
class Plan:
    rows: int = 0
    errors: list = field(default_factory=list)  # (line, message), at most ERRORS_KEPT
    error_count: int = 0
    new_schools: dict = field(default_factory=dict)  # name -> kind
    new_pairings: set = field(default_factory=set)  # (supporting name, supported name)
    new_users: list = field(default_factory=list)  # dicts of User fields (school by name: "school")
    changed_users: list = field(default_factory=list)  # (user id, {field: new value}, username)
    unchanged_users: int = 0
    new_groups: dict = field(default_factory=dict)  # (school name, group name) -> subject id or None
    memberships: dict = field(default_factory=dict)  # (school name, group name, username) -> role
    new_memberships: int = 0
    changed_memberships: int = 0

    def fail(self, line, message):
        self.error_count += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append((line, message))

    @property
    def ok(self):
        return self.error_count == 0

    @property
    def changes(self):
        return (len(self.new_schools) + len(self.new_pairings) + len(self.new_users) + len(self.changed_users)
                + len(self.new_groups) + self.new_memberships + self.changed_memberships)

    def summary(self) -> dict:
        return {"rows": self.rows, "errors": self.error_count, "schools_created": len(self.new_schools),
                "pairings_created": len(self.new_pairings), "people_created": len(self.new_users),
                "people_updated": len(self.changed_users), "people_unchanged": self.unchanged_users,
                "groups_created": len(self.new_groups), "memberships_created": self.new_memberships,
                "memberships_changed": self.changed_memberships}


class _Known:
    """What the database holds, read once: 50,000 people are a few dict lookups each, not queries."""

    def __init__(self):
        self.schools = {name: pk for pk, name in School.objects.values_list("pk", "name")}
        self.school_names = {pk: name for name, pk in self.schools.items()}
        self.people = {}
        self.by_phone = {}
        for row in User.objects.values_list("pk", "username", *USER_FIELDS):
            record = dict(zip(("pk", "username", *USER_FIELDS), row))
            self.people[record["username"]] = record
            if record["phone"]:
                self.by_phone[record["phone"]] = record
        self.groups = {(school_id, name): pk for pk, school_id, name in
                       ResearchGroup.objects.filter(school__isnull=False).values_list("pk", "school_id", "name")}
        self.members = {(group_id, user_id): role for group_id, user_id, role in
                        GroupMembership.objects.values_list("group_id", "user_id", "role")}
        self.pairs = set(SchoolPairing.objects.values_list("supporting_id", "supported_id"))
        self.stages = {name for name in Stage.objects.values_list("name", flat=True)}
        self.subjects = {name: pk for pk, name in Subject.objects.values_list("pk", "name")}
        self.roles = role_names()


def plan_import(rows, *, create_schools=False, only_school=None, progress=None, progress_every=5000) -> Plan:
    """The plan for `rows` (reading.Row). `only_school`: a school admin's import, every row of that school and no
    role above 学校管理员. `progress(n)` is called every `progress_every` rows."""
    known, plan = _Known(), Plan()
    first_line = {}  # username / phone -> the line that named it first
    lines_of_school = defaultdict(int)
    for row in rows:
        plan.rows += 1
        if progress and plan.rows % progress_every == 0:
            progress(plan.rows)
        _plan_row(row, known, plan, first_line, create_schools, only_school, lines_of_school)
    return plan


def _plan_row(row: Row, known, plan, first_line, create_schools, only_school, lines_of_school):  # noqa: C901
    problems = []
    if not row.school:
        problems.append(_("学校 is empty."))
    elif only_school is not None and row.school != only_school.name:
        problems.append(_("“%(school)s” is not your school (%(yours)s): you may import your own school's people only.")
                        % {"school": row.school, "yours": only_school.name})
    elif row.school not in known.schools and not create_schools and row.school not in plan.new_schools:
        problems.append(_("Unknown school “%(school)s”. Check its name as the site writes it, or ask the district to "
                          "add it.") % {"school": row.school})
    if not row.name:
        problems.append(_("姓名 is empty."))
    phone = normalize_phone(row.phone) if row.phone else ""
    if row.phone and not phone:
        problems.append(_("“%(phone)s” is not an 11-digit mainland mobile number.") % {"phone": row.phone})
    username = row.username.strip()
    if username and normalize_phone(username):
        problems.append(_("工号 “%(username)s” is a mobile number: put it under 手机号.") % {"username": username})
    if not username and not phone:
        problems.append(_("Neither 工号 nor 手机号: one is needed to recognise the person."))
    role = known.roles.get(row.role.strip().lower() if row.role else "teacher")
    if role is None:
        problems.append(_("Unknown role “%(role)s”. Use one of: %(roles)s.") % {
            "role": row.role, "roles": "、".join(str(label) for _value, label in User.Role.choices)})
    elif only_school is not None and role == User.Role.DISTRICT_RESEARCHER:
        problems.append(_("A school admin cannot make a district researcher."))
    if row.stage and row.stage not in known.stages:
        problems.append(_("Unknown 学段 “%(stage)s” (小学, 初中 or 高中).") % {"stage": row.stage})
    subjects = split_list(row.subjects)
    unknown = [name for name in subjects if name not in known.subjects]
    if unknown:
        problems.append(_("Unknown 学科 “%(subject)s”.") % {"subject": "、".join(unknown)})
    if row.paired_with and row.paired_with == row.school:
        problems.append(_("A school cannot be paired with itself."))
    elif row.paired_with and row.paired_with not in known.schools and not create_schools:
        problems.append(_("Unknown school “%(school)s”. Check its name as the site writes it, or ask the district to "
                          "add it.") % {"school": row.paired_with})

    # the person: by 工号, else by phone
    existing = known.people.get(username) if username else known.by_phone.get(phone)
    key = username or (existing["username"] if existing else f"p{phone}")
    for what, value in (("username", key), ("phone", phone)):
        if not value:
            continue
        seen = first_line.get((what, value))
        if seen is not None:
            problems.append((_("工号 “%(value)s” is also on line %(line)s.") if what == "username" else
                             _("手机号 %(value)s is also on line %(line)s.")) % {"value": value, "line": seen})
        else:
            first_line[(what, value)] = row.line
    if phone:
        holder = known.by_phone.get(phone)
        if holder is not None and holder["username"] != key:
            problems.append(_("手机号 %(phone)s belongs to another account (%(username)s).")
                            % {"phone": phone, "username": holder["username"]})
    if existing is not None and only_school is not None and existing["school_id"] not in (None, only_school.pk):
        problems.append(_("%(username)s is a teacher of another school: ask the district to move them.")
                        % {"username": key})
    if problems:
        plan.fail(row.line, " ".join(str(p) for p in problems))
        return

    # schools and pairings
    if row.school not in known.schools and row.school not in plan.new_schools:
        plan.new_schools[row.school] = School.Kind.SUPPORTED
    if row.paired_with:
        if row.paired_with not in known.schools:
            plan.new_schools[row.paired_with] = School.Kind.SUPPORTING
        pair = (known.schools.get(row.paired_with), known.schools.get(row.school))
        if None in pair or pair not in known.pairs:
            plan.new_pairings.add((row.paired_with, row.school))

    # the account
    values = {"full_name": row.name[:100], "phone": phone or (existing["phone"] if existing else None), "role": role,
              "teaching_stage": row.stage[:20], "teaching_subjects": "、".join(subjects)[:100]}
    school_id = known.schools.get(row.school)
    if existing is None:
        plan.new_users.append({"username": key, "school": row.school, **values})
    else:
        changed = {name: value for name, value in values.items() if existing[name] != value}
        if existing["school_id"] != school_id or school_id is None:
            changed["school"] = row.school
        if changed:
            plan.changed_users.append((existing["pk"], changed, key))
        else:
            plan.unchanged_users += 1

    # groups and memberships
    member_role = GroupMembership.Role.LEADER if role == User.Role.GROUP_LEADER else GroupMembership.Role.MEMBER
    subject_id = known.subjects[subjects[0]] if len(subjects) == 1 else None
    for group in split_list(row.groups):
        group = group[:200]
        group_id = known.groups.get((school_id, group)) if school_id else None
        if group_id is None and (row.school, group) not in plan.new_groups:
            plan.new_groups[(row.school, group)] = subject_id
        now = known.members.get((group_id, existing["pk"])) if group_id and existing else None
        if now is None:
            plan.new_memberships += 1
        elif member_role == GroupMembership.Role.LEADER and now != member_role:  # (never demoted by a list)
            plan.changed_memberships += 1
        else:
            continue
        plan.memberships[(row.school, group, key)] = member_role
