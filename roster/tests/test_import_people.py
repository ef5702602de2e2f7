"""manage.py import_people / export_people: the district's people list in and out, all or nothing, idempotent."""
import csv
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import School, SchoolPairing, User
from research.models import GroupMembership, ResearchGroup
from resources.services import MODERATORS_GROUP

pytestmark = pytest.mark.django_db
HEADER = "学校,学段,姓名,手机号,工号,角色,学科,教研组,结对支援学校"
GOOD = f"""\ufeff{HEADER}
城关第一小学,小学,李伟,13800138001,T001,教研组长,语文,三年级语文组,县实验小学
城关第一小学,小学,张芳,13800138002,T002,教师,语文,三年级语文组、读书会,县实验小学
县实验小学,小学,王老师,13800138003,S001,教师,数学,数学组,
县实验小学,小学,赵校长,13800138004,S002,学校管理员,,,
县实验小学,小学,陈老师,13800138005,,老师,英语,,
"""


def write(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_people", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_district_list_makes_schools_pairings_people_roles_and_groups_and_again_changes_nothing(tmp_path):
    path = write(tmp_path, GOOD)
    out, _err = run(path, "--create-schools")
    assert "people_created 5" in out and "schools_created 2" in out and "pairings_created 1" in out
    first, lab = School.objects.get(name="城关第一小学"), School.objects.get(name="县实验小学")
    assert SchoolPairing.objects.filter(supporting=lab, supported=first).count() == 1
    assert lab.kind == School.Kind.SUPPORTING
    liwei = User.objects.get(username="T001")
    assert (liwei.full_name, liwei.phone, liwei.role, liwei.school, liwei.teaching_stage, liwei.teaching_subjects) == (
        "李伟", "13800138001", User.Role.GROUP_LEADER, first, "小学", "语文")
    assert not liwei.has_usable_password(), "no password in the file: the first sign-in sets one"
    group = ResearchGroup.objects.get(school=first, name="三年级语文组")
    assert group.subject.name == "语文"
    assert GroupMembership.objects.get(group=group, user=liwei).role == GroupMembership.Role.LEADER
    assert set(User.objects.get(username="T002").group_memberships.values_list("group__name", flat=True)) == {
        "三年级语文组", "读书会"}
    chen = User.objects.get(phone="13800138005")  # no 工号: known by the phone
    assert chen.username == "p13800138005" and chen.role == User.Role.TEACHER
    assert User.objects.get(username="S002").groups.filter(name=MODERATORS_GROUP).exists(), "a school admin moderates"
    assert not liwei.groups.filter(name=MODERATORS_GROUP).exists()

    out, _err = run(path)  # the same file again
    assert "people_created 0" in out and "people_updated 0" in out and "people_unchanged 5" in out
    assert "memberships_created 0" in out and "groups_created 0" in out and "pairings_created 0" in out
    assert User.objects.filter(school__isnull=False).count() == 5


def test_a_changed_row_updates_the_person_and_a_leader_is_made(tmp_path):
    run(write(tmp_path, GOOD), "--create-schools")
    changed = GOOD.replace("王老师,13800138003,S001,教师", "王明,13900139003,S001,教研组长")
    out, _err = run(write(tmp_path, changed, "again.csv"))
    assert "people_updated 1" in out and "memberships_changed 1" in out
    wang = User.objects.get(username="S001")
    assert (wang.full_name, wang.phone, wang.role) == ("王明", "13900139003", User.Role.GROUP_LEADER)
    assert GroupMembership.objects.get(user=wang, group__name="数学组").role == GroupMembership.Role.LEADER


def test_bad_rows_change_nothing_and_each_is_named_by_its_line(tmp_path):
    run(write(tmp_path, GOOD), "--create-schools")
    before = list(User.objects.order_by("pk").values_list("username", "full_name", "phone", "role"))
    bad = (f"{HEADER}\n"
           "城关第一小学,小学,新老师,13800138101,T101,教师,语文,,\n"  # line 2: good, yet not made
           "城关第1小学,小学,打错校名,13800138102,T102,教师,语文,,\n"  # 3: unknown school (a typo)
           "城关第一小学,小学,重号,13800138101,T103,教师,语文,,\n"  # 4: duplicate phone (line 2)
           "城关第一小学,小学,怪角色,13800138104,T104,校长,语文,,\n"  # 5: unknown role
           "城关第一小学,小学,别人的号,13800138002,T105,教师,语文,,\n"  # 6: the phone of T002
           "城关第一小学,大学,学段错,13800138106,T106,教师,语文,,\n"  # 7: unknown stage
           "城关第一小学,小学,,12345,T001,教师,体操,,\n")  # 8: no name, bad phone, unknown subject
    with pytest.raises(CommandError, match="6 of 7 rows are bad: nothing was changed"):
        run(write(tmp_path, bad, "bad.csv"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_people", str(tmp_path / "bad.csv"), stdout=io.StringIO(), stderr=err)
    lines = {int(line.split(":")[0].split()[1]): line for line in err.getvalue().splitlines() if line.startswith("line ")}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8]
    assert "城关第1小学" in lines[3] and "13800138101" in lines[4] and " 2 " in lines[4] and "校长" in lines[5] and "T002" in lines[6]
    assert "大学" in lines[7] and "姓名" in lines[8] and "12345" in lines[8] and "体操" in lines[8]
    assert list(User.objects.order_by("pk").values_list("username", "full_name", "phone", "role")) == before
    assert not User.objects.filter(username="T101").exists()


def test_a_file_without_the_columns_says_which_are_missing(tmp_path):
    with pytest.raises(CommandError, match="姓名"):
        run(write(tmp_path, "学校,工号\n城关第一小学,T001\n"))


def test_export_writes_what_import_reads_and_the_round_trip_changes_nothing(tmp_path):
    run(write(tmp_path, GOOD), "--create-schools")
    for name in ("people.xlsx", "people.csv"):
        call_command("export_people", str(tmp_path / name), stdout=io.StringIO())
        out, _err = run(tmp_path / name)
        assert "people_unchanged 5" in out and "people_updated 0" in out and "memberships_created 0" in out
    rows = list(csv.reader(io.StringIO((tmp_path / "people.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0] == HEADER.split(",")
    liwei = next(row for row in rows if row[4] == "T001")
    assert liwei == ["城关第一小学", "小学", "李伟", "13800138001", "T001", "教研组长", "语文", "三年级语文组", "县实验小学"]
    assert next(row for row in rows if row[3] == "13800138005")[4] == "", "a person known by phone stays so"
