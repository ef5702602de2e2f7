"""Workload hours (课时) and the pairing ledger (帮扶台账): counted from what the services record, read over HTTP.

The expected hours are written out by hand from settings.KEXIANG_WORKLOAD_RULES:
subject_group 2/session to attendees, collective_prep 3/session to attendees, demonstration 4/session to
presenters, report 5/half-day to presenters, joint_research 5/half-day to attendees; mentoring 20 per direct
apprentice per semester; 120 hours = one full-time supporting teacher.
"""
import datetime
import io
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from reports.semesters import Semester
from research.hours import hours_for_teacher, hours_table
from research.ledger import ledger_for_pairing
from research.models import (
    ActivityKind,
    ActivitySeries,
    GroupMembership,
    Apprenticeship,
    Mentorship,
    ObservationRecord,
    ObservationScale,
    ObservationScore,
    ScalePoint,
)
from research.services.activities import (
    activity_cancel,
    activity_create,
    activity_move,
    activity_sign_in,
    series_create,
)
from research.services.groups import group_create, group_member_add
from tests.factories import SchoolFactory, SchoolPairingFactory, UserFactory
from tests.helpers import at, resource

pytestmark = pytest.mark.django_db

AUTUMN = Semester(2025, "autumn")  # 2025-09-01 .. 2026-01-31, over by the time the tests run
SPRING = Semester(2026, "spring")  # 2026-02-01 .. 2026-08-31
HOURS, LEDGER, EXPORT = "/research/hours/", "/research/ledger/", "/research/ledger/export.xlsx"
MINUTE = datetime.timedelta(minutes=1)


def sign_in(activity, *users):
    for user in users:
        activity_sign_in(activity=activity, user=user, now=activity.starts_at + 5 * MINUTE)


def observation(observer, teacher, scale, scores, *, on=datetime.date(2025, 10, 15), submitted=True, lesson="古诗两首"):
    record = ObservationRecord.objects.create(
        observer=observer, teacher=teacher, scale=scale, lesson_title=lesson, observed_on=on,
        submitted_at=timezone.now() if submitted else None,
    )
    for point, score in zip(scale.points.all(), scores):
        ObservationScore.objects.create(record=record, point=point, score=score)
    return record


@pytest.fixture
def world():
    """Two paired schools and an unrelated one; a pairing group with a weekly series (one occurrence moved
    and one cancelled after sign-ins), a demonstration, a two-half-day talk, a two-half-day joint research;
    a group of the supported school; a mentorship with two direct apprentices and one radiated."""
    city, village, elsewhere = SchoolFactory(name="城关小学"), SchoolFactory(name="山区小学"), SchoolFactory(name="别处小学")
    pairing = SchoolPairingFactory(supporting=city, supported=village, starts_on=datetime.date(2025, 9, 1))
    leader = UserFactory(username="leader", full_name="李组长", school=city, role=User.Role.GROUP_LEADER)
    a = UserFactory(username="a", full_name="安老师", school=city)
    b = UserFactory(username="b", full_name="白老师", school=village)
    c = UserFactory(username="c", full_name="陈老师", school=village)
    admin_city = UserFactory(username="admin_city", school=city, role=User.Role.SCHOOL_ADMIN)
    admin_village = UserFactory(username="admin_village", school=village, role=User.Role.SCHOOL_ADMIN)
    admin_elsewhere = UserFactory(username="admin_elsewhere", school=elsewhere, role=User.Role.SCHOOL_ADMIN)
    researcher = UserFactory(username="researcher", school=None, role=User.Role.DISTRICT_RESEARCHER)
    outsider = UserFactory(username="outsider", school=elsewhere)

    group = group_create(name="城乡语文联合教研组", leader=leader, pairing=pairing)
    for member in (a, b, c):
        group_member_add(group=group, user=member)

    # Weekly subject-group research, 2 hours a session to whoever signed in: 3, 10, 17 and 24 September.
    series = series_create(
        group=group, user=leader, title="语文周教研", frequency=ActivitySeries.Frequency.WEEKLY,
        starts_on=datetime.date(2025, 9, 3), until=datetime.date(2025, 9, 24), start_time=datetime.time(15, 0),
        kind=ActivityKind.SUBJECT_GROUP,
    )
    week1, week2, week3, week4 = series.activities.order_by("starts_at")
    sign_in(week1, leader, a, b)
    sign_in(week2, a, b)
    activity_move(activity=week2, user=leader, starts_at=at(2025, 9, 12, 15, 0), note="运动会")
    sign_in(week3, a, c)
    activity_cancel(activity=week3, user=leader, note="台风停课")
    sign_in(week4, b)

    demo = activity_create(
        group=group, user=leader, title="示范课《秋天》", kind=ActivityKind.DEMONSTRATION,
        starts_at=at(2025, 10, 15, 9, 0), ends_at=at(2025, 10, 15, 9, 40), presenters=[a],
    )
    sign_in(demo, b, c)  # watching a demonstration earns nothing: the rule pays its presenters
    talk = activity_create(
        group=group, user=leader, title="=1+1 专题报告：整本书阅读", kind=ActivityKind.REPORT,
        starts_at=at(2025, 11, 5, 8, 30), ends_at=at(2025, 11, 5, 17, 0), presenters=[b], units=2,
    )
    joint = activity_create(
        group=group, user=leader, title="城乡联合教研日", kind=ActivityKind.JOINT_RESEARCH,
        starts_at=at(2025, 12, 10, 8, 30), ends_at=at(2025, 12, 10, 17, 0), units=2,
    )
    sign_in(joint, c)

    village_group = group_create(name="山区小学语文组", leader=c, school=village)
    prep = activity_create(
        group=village_group, user=c, title="第三单元集体备课", kind=ActivityKind.COLLECTIVE_PREP,
        starts_at=at(2025, 10, 20, 16, 0), ends_at=at(2025, 10, 20, 17, 30),
    )
    sign_in(prep, c)

    other_group = group_create(name="别处数学组", leader=outsider, school=elsewhere)
    other = activity_create(
        group=other_group, user=outsider, title="别处的教研", kind=ActivityKind.SUBJECT_GROUP,
        starts_at=at(2025, 10, 21, 15, 0), ends_at=at(2025, 10, 21, 16, 0),
    )
    sign_in(other, outsider)

    spring = activity_create(
        group=group, user=leader, title="春季第一次教研", kind=ActivityKind.SUBJECT_GROUP,
        starts_at=at(2026, 3, 4, 15, 0), ends_at=at(2026, 3, 4, 16, 30),
    )
    sign_in(spring, a)

    mentorship = Mentorship.objects.create(mentor=leader, group=group, starts_on=datetime.date(2025, 9, 1))
    Apprenticeship.objects.create(mentorship=mentorship, apprentice=a, is_direct=True)
    Apprenticeship.objects.create(mentorship=mentorship, apprentice=b, is_direct=True)
    Apprenticeship.objects.create(mentorship=mentorship, apprentice=c, is_direct=False)  # radiated: no hours
    ended = Mentorship.objects.create(mentor=leader, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 6, 30))
    Apprenticeship.objects.create(mentorship=ended, apprentice=c, is_direct=True)  # over before the semester

    scale = ObservationScale.objects.create(name="测试量表")
    ScalePoint.objects.create(scale=scale, dimension="学生学习", label="参与度", max_score=5, position=1)
    ScalePoint.objects.create(scale=scale, dimension="教师教学", label="提问", max_score=5, position=2)
    observed = [
        observation(b, a, scale, [4, 5]),  # 90%
        observation(c, a, scale, [3, 3], lesson="秋天"),  # 60%
    ]
    observation(b, a, scale, [1, 1], submitted=False)  # a draft
    observation(outsider, a, scale, [5, 5])  # an observer of another school
    observation(b, a, scale, [5, 5], on=datetime.date(2026, 3, 5))  # the next semester

    resource(city, at(2025, 10, 1, 9, 0))
    resource(city, at(2025, 12, 1, 9, 0))
    resource(village, at(2025, 11, 1, 9, 0))
    resource(village, at(2026, 3, 1, 9, 0))  # the next semester

    return SimpleNamespace(**locals())


EXPECTED_AUTUMN = {
    "leader": 42,  # week 1 (2) + two direct apprentices (2 × 20); the radiated one and the ended mentorship earn nothing
    "a": 8,  # weeks 1 and 2 (2 + 2, the moved week once) + the demonstration presented (4); week 3 was cancelled
    "b": 16,  # weeks 1, 2 and 4 (3 × 2) + the talk of two half-days (2 × 5); watching the demonstration earns nothing
    "c": 13,  # joint research of two half-days (2 × 5) + collective preparation (3); week 3 cancelled, demo watched
}


# --- Counting ------------------------------------------------------------------------------------------


def test_hours_per_teacher_follow_the_rules(world):
    table = hours_table(pairing=world.pairing, semester=AUTUMN)
    assert {row.username: row.total for row in table.rows} == EXPECTED_AUTUMN
    assert [row.school_id for row in table.rows] == [world.city.pk] * 2 + [world.village.pk] * 2, "supporting first"
    b = table.row_for(world.b)
    assert (b.attended_sessions, b.attended_hours, b.presented_sessions, b.presented_hours) == (3, 6, 1, 10)
    leader = table.row_for(world.leader)
    assert (leader.apprentices, leader.mentoring_hours, leader.attended_hours) == (2, 40, 2)
    assert table.row_for(world.admin_city) is None, "a school admin with no hours is not a teacher"
    assert table.row_for(world.outsider) is None

    # The supporting school's teachers gave 42 + 8 = 50 hours: 50/120 of a full-time supporting teacher.
    assert table.supporting_hours == 50
    assert table.fte == pytest.approx(50 / 120)

    # The same numbers line by line.
    for user in (world.leader, world.a, world.b, world.c):
        assert hours_for_teacher(user=user, semester=AUTUMN).total == EXPECTED_AUTUMN[user.username]
    lines = hours_for_teacher(user=world.b, semester=AUTUMN).lines
    assert [(line.date, line.role, line.hours) for line in lines] == [
        (datetime.date(2025, 9, 3), "attended", 2),
        (datetime.date(2025, 9, 12), "attended", 2),  # moved from 10 September: counted once, on its new date
        (datetime.date(2025, 9, 24), "attended", 2),
        (datetime.date(2025, 11, 5), "presented", 10),
    ]
    assert lines[1].moved and lines[3].units == 2 and lines[3].rule.per == "half_day"
    mentoring = [line for line in hours_for_teacher(user=world.leader, semester=AUTUMN).lines if line.role == "mentored"]
    assert len(mentoring) == 1 and mentoring[0].hours == 40 and mentoring[0].apprentices == ("安老师", "白老师")


def test_a_cancelled_activity_earns_nobody_hours_even_with_sign_ins(world):
    assert world.week3.sign_ins.count() == 2, "the sign-ins are kept as a record"
    for user in (world.a, world.c):
        assert world.week3.pk not in {line.activity_id for line in hours_for_teacher(user=user, semester=AUTUMN).lines}
    assert world.week3.pk not in {activity.pk for activity in ledger_for_pairing(pairing=world.pairing, semester=AUTUMN).activities}


def test_only_activities_already_held_count(world):
    # On 1 October 2025 the demonstration, the talk and the joint research had not happened yet.
    october = at(2025, 10, 1, 0, 0)
    table = hours_table(pairing=world.pairing, semester=AUTUMN, now=october)
    assert {row.username: row.total for row in table.rows} == {"leader": 42, "a": 4, "b": 6, "c": 0}
    # A demonstration scheduled for next week earns its presenter nothing yet.
    soon = timezone.now() + datetime.timedelta(days=7)
    activity_create(group=world.group, user=world.leader, title="下周示范课", kind=ActivityKind.DEMONSTRATION,
                    starts_at=soon, ends_at=soon + datetime.timedelta(minutes=40), presenters=[world.a])
    from reports.semesters import semester_of

    assert hours_for_teacher(user=world.a, semester=semester_of(timezone.localdate(soon))).total == 0


def test_each_semester_counts_its_own_activities_and_mentoring(world):
    table = hours_table(pairing=world.pairing, semester=SPRING)
    # A signed in to the spring session (2); the mentorship has not ended, so it earns again (2 × 20).
    assert {row.username: row.total for row in table.rows} == {"leader": 40, "a": 2, "b": 0, "c": 0}
    earlier = hours_table(users=[world.leader, world.c], semester=Semester(2025, "spring"))
    assert earlier.row_for(world.leader).total == 20, "the ended mentorship's one direct apprentice, last spring"


def test_the_ledger_lists_what_was_held_observed_demonstrated_and_shared(world):
    ledger = ledger_for_pairing(pairing=world.pairing, semester=AUTUMN)
    assert [a.pk for a in ledger.activities] == [
        world.week1.pk, world.week2.pk, world.week4.pk, world.demo.pk, world.prep.pk, world.talk.pk, world.joint.pk,
    ]
    assert [a.attendee_count for a in ledger.activities] == [3, 2, 1, 2, 1, 0, 1]
    assert ledger.attendances == 10
    assert [a.pk for a in ledger.demonstrations] == [world.demo.pk]
    assert ledger.demonstrations[0].presenter_names == ["安老师"]
    assert [r.pk for r in ledger.observations] == [r.pk for r in world.observed]
    assert [round(r.percent) for r in ledger.observations] == [90, 60]
    assert ledger.observation_average == pytest.approx(75)
    assert [line.total for line in ledger.resources] == [2, 1, 3]
    assert ledger.hours.total == sum(EXPECTED_AUTUMN.values())
    assert ledger.hours.fte == pytest.approx(50 / 120)


def test_the_xlsx_has_five_sheets_whose_hours_match(world, client):
    client.force_login(world.admin_city)
    response = client.get(EXPORT, {"pairing": world.pairing.pk, "semester": AUTUMN.code})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="kexiang-ledger-pairing-{world.pairing.pk}-2025-autumn.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["汇总", "活动", "听课", "示范课", "课时"]

    hours = workbook["课时"]
    header = [cell.value for cell in hours[1]]
    assert header[:3] == ["学校", "教师", "用户名"] and header[-1] == "合计课时"
    totals = {row[2]: row[-1] for row in hours.iter_rows(min_row=2, values_only=True) if row and row[2]}
    assert totals == EXPECTED_AUTUMN
    fte_row = next(row for row in hours.iter_rows(values_only=True) if row[0] and str(row[0]).startswith("兼职支教折算"))
    assert fte_row[-1] == pytest.approx(50 / 120)

    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(values_only=True) if row and row[0]}
    assert summary["开展教研活动（次）"] == 7
    assert summary["听课（节）"] == 2
    assert summary["听课平均得分率"] == pytest.approx(0.75)
    assert summary["示范课（节）"] == 1
    assert summary["新增资源·合计"] == 3
    assert summary["兼职支教折算（人）"] == pytest.approx(50 / 120)

    activities = workbook["活动"]
    assert activities.max_row == 1 + 7
    talk = next(row for row in activities.iter_rows(min_row=2) if row[4].value.endswith("整本书阅读"))
    assert talk[4].value == "=1+1 专题报告：整本书阅读" and talk[4].data_type == "s" and talk[4].quotePrefix, \
        "a title that looks like a formula stays text"
    assert [row[3] for row in activities.iter_rows(min_row=2, values_only=True)] == [
        "学科组教研", "学科组教研", "学科组教研", "示范课", "集体备课", "专题报告", "联合教研"], "kinds in Chinese"
    assert [row[5] for row in activities.iter_rows(min_row=2, max_row=3, values_only=True)] == ["如期", "已调整时间"]
    assert [row[3] for row in workbook["示范课"].iter_rows(min_row=2, values_only=True)] == ["安老师"]
    assert [row[7] for row in workbook["听课"].iter_rows(min_row=2, max_row=3, values_only=True)] == [
        pytest.approx(0.9), pytest.approx(0.6)]


# --- Pages ---------------------------------------------------------------------------------------------


def test_a_teacher_sees_their_own_hours_line_by_line(world, client):
    client.force_login(world.b)
    response = client.get(HOURS, {"semester": AUTUMN.code})
    assert response.status_code == 200
    detail = response.context["detail"]
    assert detail.user == world.b and detail.total == 16
    html = response.content.decode()
    assert "语文周教研" in html and "整本书阅读" in html and 'class="hours-scroll"' in html
    assert "秋天" not in html, "watching a demonstration is not a line"

    client.force_login(world.leader)
    response = client.get(HOURS, {"semester": AUTUMN.code})
    assert response.context["detail"].total == 42
    html = response.content.decode()
    assert "安老师、白老师" in html and "陈老师" not in html, "the two direct apprentices; the radiated one earns nothing"


def test_teachers_cannot_see_a_school_or_the_ledger(world, client, english):
    client.force_login(world.a)
    response = client.get(HOURS, {"school": world.city.pk, "semester": AUTUMN.code})
    assert response.status_code == 403
    assert "for school admins, research-group leaders and district researchers" in response.content.decode()
    response = client.get(HOURS, {"teacher": world.b.pk, "semester": AUTUMN.code})
    assert response.status_code == 403
    for url in (LEDGER, EXPORT):
        response = client.get(url, {"pairing": world.pairing.pk, "semester": AUTUMN.code})
        assert response.status_code == 403
        assert "Pairing ledgers are for the school admins of the two schools, the leaders of the pairing's research " \
            "groups and district researchers" in response.content.decode().replace("&#x27;", "'")


def test_another_schools_admin_cannot_read_this_pairing(world, client, english):
    client.force_login(world.admin_elsewhere)
    for url in (LEDGER, EXPORT):
        response = client.get(url, {"pairing": world.pairing.pk, "semester": AUTUMN.code})
        assert response.status_code in (403, 404)
        assert "ledgers of your school&#x27;s pairings" in response.content.decode()
    assert client.get(HOURS, {"pairing": world.pairing.pk, "semester": AUTUMN.code}).status_code == 403
    assert client.get(HOURS, {"teacher": world.a.pk, "semester": AUTUMN.code}).status_code == 403
    assert client.get(LEDGER, {"pairing": 987654, "semester": AUTUMN.code}).status_code == 404


def test_the_ledger_page_for_a_school_admin_and_a_researcher(world, client):
    for reader in (world.admin_city, world.admin_village, world.researcher):
        client.force_login(reader)
        response = client.get(LEDGER, {"pairing": world.pairing.pk, "semester": AUTUMN.code})
        assert response.status_code == 200, reader
        ledger = response.context["ledger"]
        assert len(ledger.activities) == 7 and len(ledger.observations) == 2
        html = response.content.decode()
        assert f'href="/research/ledger/export.xlsx?pairing={world.pairing.pk}&amp;semester=2025-autumn"' in html
        assert "data-print" in html and "js/print-button.js" in html and "research-hours.css" in html
        assert "别处的教研" not in html
    # Without a pairing: the only one there is, without asking (a researcher reads every pairing: the list).
    response = client.get(LEDGER)
    assert response.status_code == 200 and world.pairing in list(response.context["pairings"])
    client.force_login(world.admin_city)
    assert client.get(LEDGER, {"semester": AUTUMN.code}).context["ledger"] is not None


def test_the_leader_of_a_group_in_the_pairing_reads_its_ledger(world, client):
    client.force_login(world.leader)
    response = client.get(LEDGER, {"semester": AUTUMN.code})  # one pairing: shown without asking
    assert response.status_code == 200 and response.context["pairing"] == world.pairing
    assert len(response.context["ledger"].activities) == 7
    assert client.get(EXPORT, {"pairing": world.pairing.pk, "semester": AUTUMN.code}).status_code == 200
    assert client.get(HOURS, {"pairing": world.pairing.pk, "semester": AUTUMN.code}).context["can_read_ledger"]

    # a teacher who leads a group of the pairing but is no 教研组长 by account reads neither its hours nor its ledger
    teacher_leading = UserFactory(username="teacher-leading", school=world.city, role=User.Role.TEACHER)
    GroupMembership.objects.create(group=world.leader.research_groups.first(), user=teacher_leading,
                                   role=GroupMembership.Role.LEADER)
    client.force_login(teacher_leading)
    assert client.get(LEDGER, {"pairing": world.pairing.pk, "semester": AUTUMN.code}).status_code == 403


def test_a_school_admin_sees_the_pairing_table_and_a_teachers_lines(world, client):
    client.force_login(world.admin_city)
    response = client.get(HOURS, {"pairing": world.pairing.pk, "semester": AUTUMN.code})
    assert response.status_code == 200
    table = response.context["table"]
    assert {row.username: row.total for row in table.rows} == EXPECTED_AUTUMN
    assert [block.total for block in table.by_school] == [50, 29]
    assert response.context["can_read_ledger"]
    assert "0.42" in response.content.decode(), "the full-time equivalent, 50 / 120"
    # A teacher of the partner school, line by line.
    response = client.get(HOURS, {"teacher": world.c.pk, "semester": AUTUMN.code})
    assert response.status_code == 200 and response.context["detail"].total == 13
    # The select sends scope=…; the answer is the canonical address.
    response = client.get(HOURS, {"scope": f"school-{world.city.pk}", "semester": AUTUMN.code})
    assert response.status_code == 302 and response["Location"] == f"{HOURS}?school={world.city.pk}&semester=2025-autumn"
    table = client.get(response["Location"]).context["table"]
    assert {row.username: row.total for row in table.rows} == {"leader": 42, "a": 8}


def test_bad_choices_are_400_with_a_sentence(world, client, english):
    client.force_login(world.admin_city)
    response = client.get(HOURS, {"semester": "2025-winter"})
    assert response.status_code == 400 and "“2025-winter”" in response.content.decode()
    assert client.get(HOURS, {"school": "abc"}).status_code == 400
    assert client.get(LEDGER, {"pairing": "1; drop"}).status_code == 400
    client.force_login(world.researcher)  # (two pairings to read: one must be chosen; with one only, it is that one)
    SchoolPairingFactory(supporting=world.city, supported=SchoolFactory(), starts_on=datetime.date(2025, 9, 1))
    response = client.get(EXPORT, {"semester": AUTUMN.code})
    assert response.status_code == 400 and "Choose a pairing" in response.content.decode()
    assert client.get(HOURS, {"school": world.city.pk, "pairing": world.pairing.pk}).status_code == 400


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (HOURS, LEDGER, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- Queries -------------------------------------------------------------------------------------------


def _add_teachers(school, group, leader, activity, demo, count):
    """`count` more teachers of `school`, each signed in, presenting and mentoring."""
    for _ in range(count):
        teacher = UserFactory(school=school)
        group_member_add(group=group, user=teacher)
        sign_in(activity, teacher)
        demo.presenters.add(teacher)
        mentorship = Mentorship.objects.create(mentor=teacher, group=group, starts_on=datetime.date(2025, 9, 1))
        Apprenticeship.objects.create(mentorship=mentorship, apprentice=leader, is_direct=True)


def test_the_hours_table_does_not_query_per_teacher(client):
    school = SchoolFactory()
    admin = UserFactory(school=school, role=User.Role.SCHOOL_ADMIN)
    leader = UserFactory(school=school, role=User.Role.GROUP_LEADER)
    group = group_create(name="数学组", leader=leader, school=school)
    activity = activity_create(group=group, user=leader, title="集体备课", kind=ActivityKind.COLLECTIVE_PREP,
                               starts_at=at(2025, 10, 9, 15, 0), ends_at=at(2025, 10, 9, 16, 0))
    demo = activity_create(group=group, user=leader, title="示范课", kind=ActivityKind.DEMONSTRATION,
                           starts_at=at(2025, 10, 10, 9, 0), ends_at=at(2025, 10, 10, 9, 40))
    _add_teachers(school, group, leader, activity, demo, 2)
    client.force_login(admin)

    def count_queries(call):
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries.captured_queries)

    client.get(HOURS, {"school": school.pk, "semester": AUTUMN.code})  # warm caches (session, site, locale)
    service = count_queries(lambda: hours_table(school=school, semester=AUTUMN))
    page = count_queries(lambda: client.get(HOURS, {"school": school.pk, "semester": AUTUMN.code}))
    assert service == 4, "the teachers, then sign-ins, presentations and apprentices, each grouped in one query"

    _add_teachers(school, group, leader, activity, demo, 8)
    table = hours_table(school=school, semester=AUTUMN)
    assert len(table.rows) == 11
    assert {row.total for row in table.rows if row.user_id != leader.pk} == {3 + 4 + 20}
    assert count_queries(lambda: hours_table(school=school, semester=AUTUMN)) == service
    assert count_queries(lambda: client.get(HOURS, {"school": school.pk, "semester": AUTUMN.code})) == page


# --- In a phone's browser, and on paper ----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ledger_fits_a_phone_and_prints_on_a4(world, client, live_server, settings):
    from tests.browser import ARTIFACTS, PHONE, phone_page, screenshot

    client.force_login(world.admin_city)
    with phone_page() as page:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                   "url": live_server.url}])
        for path, name in ((f"{LEDGER}?pairing={world.pairing.pk}&semester={AUTUMN.code}", "ledger-360x640"),
                           (f"{HOURS}?pairing={world.pairing.pk}&semester={AUTUMN.code}", "hours-table-360x640")):
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{path} scrolls sideways"
            # The wide tables scroll inside their own box instead.
            assert page.evaluate("Math.max(...[...document.querySelectorAll('.hours-scroll')].map(e => e.scrollWidth))") > 0
            screenshot(page, name)
        page.goto(live_server.url + f"{LEDGER}?pairing={world.pairing.pk}&semester={AUTUMN.code}")
        page.set_viewport_size({"width": 703, "height": 1000})  # A4 less the 12 mm margins, at 96 dpi
        page.emulate_media(media="print")
        assert not page.locator(".topbar").is_visible() and not page.locator(".ledger-actions").is_visible()
        assert page.locator(".ledger-signatures").is_visible()
        # Printed on A4, no table is cut at the right edge: each fits the page's width.
        widths = page.evaluate("[...document.querySelectorAll('.hours-table')].map(t => t.scrollWidth <= t.parentElement.clientWidth + 1)")
        assert widths and all(widths)
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
        (ARTIFACTS / "ledger-a4.pdf").write_bytes(pdf)

    client.force_login(world.b)
    with phone_page() as page:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                   "url": live_server.url}])
        page.goto(live_server.url + f"{HOURS}?semester={AUTUMN.code}")
        assert page.locator(".hours-total strong").inner_text() == "16"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "hours-mine-360x640")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_group_leader_reaches_the_pairing_ledger_from_his_hours_on_a_phone(world, client, live_server, settings):
    from tests.browser import PHONE, phone_page, screenshot

    client.force_login(world.leader)
    with phone_page() as page:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        page.goto(f"{live_server.url}{HOURS}?pairing={world.pairing.pk}&semester={AUTUMN.code}")
        page.click(f"a[href*='/research/ledger/?pairing={world.pairing.pk}']")
        page.wait_for_url("**/research/ledger/**")
        assert "语文周教研" in page.inner_text("main")  # the ledger itself, not a refusal
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "ledger-group-leader-360x640")
        page.goto(f"{live_server.url}{LEDGER}")  # his one pairing (this semester's ledger), without asking
        assert page.locator(".ledger-signatures").count() == 1
