"""Semester figures for a school and a pairing (/resources/figures/) and their CSV and XLSX exports."""
import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from accounts.models import User
from resources.models import Resource, ResourceType
from tests.factories import SchoolFactory, SchoolPairingFactory, UserFactory
from tests.helpers import at, resource

pytestmark = pytest.mark.django_db

PAGE = "/resources/figures/"
AUTUMN_2026 = "2026-autumn"  # 2026-09-01 .. 2027-01-31


def admin_of(school, **kwargs):
    return UserFactory(school=school, role=User.Role.SCHOOL_ADMIN, **kwargs)


def figures_of(response):
    assert response.status_code == 200, response.content.decode()[:500]
    return response.context["figures"]


def csv_rows(response):
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so Excel on Windows reads the Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def summary_row(rows, first_cell):
    return next(row for row in rows if row and row[0] == first_cell)


# --- Semesters -----------------------------------------------------------------------------------------


def test_a_bad_semester_code_is_a_400_that_says_what_to_use(client, english):
    school = SchoolFactory()
    client.force_login(admin_of(school))
    for url in (PAGE, PAGE + "export.csv", PAGE + "export.xlsx"):
        response = client.get(url, {"school": school.pk, "semester": "2026-winter"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "“2026-winter”" in html and "-autumn" in html and "-spring" in html


# --- Counting ------------------------------------------------------------------------------------------


def test_new_resources_are_counted_by_local_date_at_the_semester_boundaries(client):
    school, other = SchoolFactory(), SchoolFactory()
    resource(school, at(2026, 8, 31, 23, 59, 59))  # spring 2026
    resource(school, at(2026, 9, 1, 0, 0))  # autumn: first minute
    resource(school, at(2027, 1, 31, 23, 59), resource_type=ResourceType.MICRO_LESSON)  # autumn: last minute
    resource(school, at(2027, 2, 1, 0, 0))  # spring 2027: first minute
    # 2027-01-31 16:30 UTC is already 1 February in Beijing.
    resource(school, datetime.datetime(2027, 1, 31, 16, 30, tzinfo=datetime.UTC))
    resource(school, at(2026, 10, 1, 9, 0), live=False)  # a draft never published
    resource(other, at(2026, 10, 1, 9, 0))  # another school's
    resource(school, at(2026, 10, 2, 9, 0), visibility=Resource.Visibility.PRIVATE)  # counted: counts only
    client.force_login(admin_of(school))

    autumn = figures_of(client.get(PAGE, {"school": school.pk, "semester": AUTUMN_2026})).schools[0]
    assert autumn.new_resources == 3
    assert autumn.type_counts == {ResourceType.COURSEWARE: 2, ResourceType.MICRO_LESSON: 1}
    assert autumn.resource_goal == 200
    spring = figures_of(client.get(PAGE, {"school": school.pk, "semester": "2027-spring"})).schools[0]
    assert spring.new_resources == 2
    assert figures_of(client.get(PAGE, {"school": school.pk, "semester": "2026-spring"})).schools[0].new_resources == 1

    rows = csv_rows(client.get(PAGE + "export.csv", {"school": school.pk, "semester": AUTUMN_2026}))
    assert summary_row(rows, str(school))[1:3] == ["3", "200"]
    assert summary_row(rows, "微课")[1] == "1"


def test_the_goals_come_from_settings(client, settings):
    settings.KEXIANG_GOAL_RESOURCES_PER_SEMESTER = 3
    settings.KEXIANG_GOAL_MICRO_LESSON_SHARE = 0.25
    school = SchoolFactory()
    for day in (1, 2, 3):
        resource(school, at(2026, 10, day, 9, 0))
    client.force_login(admin_of(school))
    figures = figures_of(client.get(PAGE, {"school": school.pk, "semester": AUTUMN_2026})).schools[0]
    assert (figures.resource_goal, figures.share_goal) == (3, 0.25)
    assert figures.resource_goal_met and figures.resource_progress == 100


def test_micro_lesson_share_counts_teachers_with_a_micro_lesson_this_semester(client, english):
    school = SchoolFactory()
    made_one = UserFactory(school=school, full_name="张老师")
    leader = UserFactory(school=school, role=User.Role.GROUP_LEADER, full_name="李组长")
    only_last_year = UserFactory(school=school, full_name="王老师")
    UserFactory(school=school, is_active=False)  # left the school: not counted
    admin = admin_of(school)  # not a teacher, even with a micro-lesson
    UserFactory(school=school, role=User.Role.VIEWER)
    mine = dict(school=school, resource_type=ResourceType.MICRO_LESSON)
    resource(uploaded_by=made_one, when=at(2026, 9, 10, 10, 0), **mine)
    resource(uploaded_by=made_one, when=at(2026, 11, 10, 10, 0), **mine)
    resource(uploaded_by=leader, when=at(2027, 1, 31, 23, 59), **mine)
    resource(uploaded_by=leader, when=at(2026, 9, 11, 10, 0), school=school)  # courseware
    resource(uploaded_by=only_last_year, when=at(2026, 5, 10, 10, 0), **mine)  # spring 2026
    resource(uploaded_by=only_last_year, when=at(2026, 10, 10, 10, 0), school=school)  # courseware this semester
    resource(uploaded_by=admin, when=at(2026, 10, 10, 10, 0), **mine)
    client.force_login(admin)

    response = client.get(PAGE, {"school": school.pk, "semester": AUTUMN_2026})
    figures = figures_of(response).schools[0]
    assert figures.teacher_count == 3
    assert figures.micro_lesson_teacher_count == 2
    assert round(figures.micro_lesson_percent, 1) == 66.7
    assert figures.share_goal_met  # 66.7 % ≥ 50 %
    assert "66.7%" in response.content.decode()
    rows = {row.name: (row.resources, row.micro_lessons) for row in figures.teachers}
    assert rows == {"张老师": (2, 2), "李组长": (2, 1), "王老师": (1, 0)}

    table = csv_rows(client.get(PAGE + "export.csv", {"school": school.pk, "semester": AUTUMN_2026}))
    assert summary_row(table, str(school))[4:8] == ["3", "2", "66.7%", "50.0%"]
    teachers = table[table.index(["学校", "教师", "用户名", "本学期资源", "本学期微课"]) + 1:]
    assert sorted((row[1], row[3], row[4]) for row in teachers) == [("张老师", "2", "2"), ("李组长", "2", "1"), ("王老师", "1", "0")]


def test_a_school_with_no_teachers_shows_no_share(client):
    school = SchoolFactory()
    client.force_login(admin_of(school))
    response = client.get(PAGE, {"school": school.pk, "semester": AUTUMN_2026})
    assert figures_of(response).schools[0].micro_lesson_share is None
    table = csv_rows(client.get(PAGE + "export.csv", {"school": school.pk, "semester": AUTUMN_2026}))
    assert summary_row(table, str(school))[4:7] == ["0", "0", "—"]


def test_a_pairing_shows_both_schools_and_their_totals(client, django_assert_max_num_queries):
    pairing = SchoolPairingFactory()
    city, village = pairing.supporting, pairing.supported
    for _ in range(3):
        resource(city, at(2026, 10, 1, 9, 0))
    resource(village, at(2026, 10, 1, 9, 0))
    resource(village, at(2026, 12, 1, 9, 0), resource_type=ResourceType.MICRO_LESSON,
             uploaded_by=UserFactory(school=village))
    UserFactory(school=village)
    UserFactory(school=city)
    client.force_login(UserFactory(school=None, role=User.Role.DISTRICT_RESEARCHER))

    # A fixed number of queries however many teachers: session, user, pairing, counts, teachers,
    # most used ×2, the two lists for the select.
    with django_assert_max_num_queries(10):  # (one is the header's unread-notification count)
        response = client.get(PAGE, {"pairing": pairing.pk, "semester": AUTUMN_2026})
    figures = figures_of(response)
    assert [s.school for s in figures.schools] == [city, village]
    assert [s.new_resources for s in figures.schools] == [3, 2]
    assert [s.micro_lesson_teacher_count for s in figures.schools] == [0, 1]
    totals = figures.totals
    assert (totals.new_resources, totals.teacher_count, totals.micro_lesson_teacher_count) == (5, 3, 1)
    assert totals.resource_goal == 400

    table = csv_rows(client.get(PAGE + "export.csv", {"pairing": pairing.pk, "semester": AUTUMN_2026}))
    assert summary_row(table, "合计")[1:3] == ["5", "400"]
    assert summary_row(table, "合计")[4:7] == ["3", "1", "33.3%"]
    assert summary_row(table, "结对")[1] == str(pairing)


# --- Who may see what ----------------------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_sign_in(client):
    school = SchoolFactory()
    for url in (PAGE, PAGE + "export.csv"):
        response = client.get(url, {"school": school.pk})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [User.Role.TEACHER, User.Role.VIEWER])
def test_teachers_and_viewers_get_a_clear_403(client, english, role):
    school = SchoolFactory()
    client.force_login(UserFactory(school=school, role=role))
    for url in (PAGE, PAGE + "export.csv", PAGE + "export.xlsx"):
        response = client.get(url, {"school": school.pk})
        assert response.status_code == 403
        assert "school admins, research-group leaders and district researchers" in response.content.decode()


def test_school_admins_and_group_leaders_see_their_school_and_its_pairings_only(client, english):
    pairing = SchoolPairingFactory()
    mine, partner = pairing.supporting, pairing.supported
    elsewhere = SchoolPairingFactory()
    for reader in (admin_of(mine), UserFactory(school=mine, role=User.Role.GROUP_LEADER)):
        client.force_login(reader)
        assert client.get(PAGE, {"school": mine.pk}).status_code == 200
        default = client.get(PAGE)  # no school asked: their own
        assert figures_of(default).school == mine
        assert client.get(PAGE, {"pairing": pairing.pk}).status_code == 200
        assert client.get(PAGE + "export.xlsx", {"pairing": pairing.pk}).status_code == 200
        for query in ({"school": partner.pk}, {"school": elsewhere.supported.pk}, {"pairing": elsewhere.pk}):
            for url in (PAGE, PAGE + "export.csv"):
                response = client.get(url, query)
                assert response.status_code == 403, (reader.role, query, url)
                assert "your own school" in response.content.decode()
        assert client.get(PAGE, {"school": 999999}).status_code == 404
        assert client.get(PAGE, {"school": "abc"}).status_code == 400
        # The select offers only what they may read.
        html = default.content.decode()
        assert f'value="school-{mine.pk}"' in html and f'value="pairing-{pairing.pk}"' in html
        assert f'value="school-{partner.pk}"' not in html and f'value="pairing-{elsewhere.pk}"' not in html


def test_district_researchers_and_superusers_see_every_school_and_pairing(client):
    pairing = SchoolPairingFactory()
    researcher = UserFactory(school=None, role=User.Role.DISTRICT_RESEARCHER)
    superuser = UserFactory(school=None, role=User.Role.TEACHER, is_superuser=True, is_staff=True)
    for reader in (researcher, superuser):
        client.force_login(reader)
        chooser = client.get(PAGE)
        assert chooser.status_code == 200 and chooser.context["figures"] is None
        html = chooser.content.decode()
        assert f'value="school-{pairing.supported.pk}"' in html and f'value="pairing-{pairing.pk}"' in html
        assert client.get(PAGE, {"school": pairing.supported.pk}).status_code == 200
        assert client.get(PAGE, {"pairing": pairing.pk}).status_code == 200
        assert client.get(PAGE + "export.csv").status_code == 400  # nothing chosen


def test_the_select_sends_the_reader_to_the_canonical_address(client):
    pairing = SchoolPairingFactory()
    client.force_login(admin_of(pairing.supported))
    response = client.get(PAGE, {"scope": f"pairing-{pairing.pk}", "semester": AUTUMN_2026})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?pairing={pairing.pk}&semester={AUTUMN_2026}"
    assert client.get(PAGE, {"scope": "nonsense"}).status_code == 400


def test_a_private_resource_never_shows_its_title_to_the_partner_school(client):
    pairing = SchoolPairingFactory()
    city, village = pairing.supporting, pairing.supported
    author = UserFactory(school=city)
    when = at(2026, 10, 1, 9, 0)
    secret = resource(city, when, title="绝密 期中试卷 讲评", visibility=Resource.Visibility.PRIVATE,
                      uploaded_by=author, use_count=500)
    school_only = resource(city, when, title="本校 集体备课 记录", visibility=Resource.Visibility.SCHOOL, use_count=300)
    shared = resource(city, when, title="秋天的雨 示范课", visibility=Resource.Visibility.PAIRING, use_count=40)
    public = resource(city, when, title="古诗三首 课件 公开", use_count=20)
    resource(city, when, title="从未使用", use_count=0)
    client.force_login(admin_of(village))

    response = client.get(PAGE, {"pairing": pairing.pk, "semester": AUTUMN_2026})
    html = response.content.decode()
    assert [r.title for r in figures_of(response).schools[0].most_used] == ["秋天的雨 示范课", "古诗三首 课件 公开"]
    assert f'href="/resources/{shared.pk}/"' in html and f'href="/resources/{public.pk}/"' in html
    assert figures_of(response).schools[0].new_resources == 5  # the counts still include them
    for url in (PAGE + "export.csv", PAGE + "export.xlsx"):
        body = client.get(url, {"pairing": pairing.pk, "semester": AUTUMN_2026}).content
        assert "绝密".encode() not in body and "本校 集体备课".encode() not in body
    for hidden in (secret, school_only):
        assert hidden.title not in html and f"/resources/{hidden.pk}/" not in html
        assert client.get(f"/resources/{hidden.pk}/").status_code == 404


# --- Exports -------------------------------------------------------------------------------------------


def test_csv_export_has_a_bom_a_summary_then_teachers_and_a_safe_filename(client):
    school = SchoolFactory(name="示例第一小学")
    teacher = UserFactory(school=school, full_name="赵老师", username="zhao")
    resource(school, at(2026, 10, 1, 9, 0), uploaded_by=teacher, resource_type=ResourceType.MICRO_LESSON)
    client.force_login(admin_of(school))
    response = client.get(PAGE + "export.csv", {"school": school.pk, "semester": AUTUMN_2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="kexiang-figures-school-{school.pk}-2026-autumn.csv"; ')
    assert "filename*=UTF-8''" in disposition and disposition.isascii()
    assert "%E7%A4%BA%E4%BE%8B%E7%AC%AC%E4%B8%80%E5%B0%8F%E5%AD%A6" in disposition  # 示例第一小学
    rows = csv_rows(response)
    assert rows[0] == ["课享 学期数据"]
    assert summary_row(rows, "学校")[1] == "示例第一小学"
    assert summary_row(rows, "学期")[1] == "2026–2027学年 第一学期"
    assert summary_row(rows, "起止日期")[1] == "2026-09-01 至 2027-01-31"
    assert rows[-1] == ["示例第一小学", "赵老师", "zhao", "1", "1"]


def test_xlsx_export_has_a_summary_and_a_teacher_sheet_with_the_numbers(client):
    school = SchoolFactory(name="示例第二小学")
    teacher = UserFactory(school=school, full_name="钱老师", username="qian")
    UserFactory(school=school, full_name="孙老师", username="sun")
    for day in (1, 2):
        resource(school, at(2026, 10, day, 9, 0), uploaded_by=teacher, resource_type=ResourceType.MICRO_LESSON)
    client.force_login(admin_of(school))
    response = client.get(PAGE + "export.xlsx", {"school": school.pk, "semester": AUTUMN_2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="kexiang-figures-school-{school.pk}-2026-autumn.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["汇总", "教师"]
    summary = workbook["汇总"]
    row = next(r for r in summary.iter_rows(values_only=True) if r[0] == "示例第二小学")
    assert row[1:7] == (2, 200, 0.01, 2, 1, 0.5)
    header = next(r for r in summary.iter_rows() if r[0].value == "学校" and r[1].value == "本学期新增资源")
    assert all(cell.font.b for cell in header)
    teachers = workbook["教师"]
    assert [c.value for c in teachers[1]] == ["学校", "教师", "用户名", "本学期资源", "本学期微课"]
    assert all(cell.font.b for cell in teachers[1])
    assert sorted(r[1:] for r in teachers.iter_rows(min_row=2, values_only=True)) == [
        ("孙老师", "sun", 0, 0), ("钱老师", "qian", 2, 2),
    ]
    assert teachers.column_dimensions["A"].width >= 10


def test_formula_like_cells_are_escaped_in_both_exports(client):
    school = SchoolFactory(name="+示例小学")
    UserFactory(school=school, full_name='=HYPERLINK("http://evil.example","点我")', username="evil")
    UserFactory(school=school, full_name="@SUM(A1)", username="at")
    UserFactory(school=school, full_name="-2+3", username="minus")
    client.force_login(admin_of(school))
    query = {"school": school.pk, "semester": AUTUMN_2026}

    rows = csv_rows(client.get(PAGE + "export.csv", query))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in cells
    assert "'@SUM(A1)" in cells and "'-2+3" in cells and "'+示例小学" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)

    response = client.get(PAGE + "export.xlsx", query)
    assert 'filename="kexiang-figures-school-' in response["Content-Disposition"]
    teachers = load_workbook(io.BytesIO(response.content))["教师"]
    names = {row[1].value: row[1] for row in teachers.iter_rows(min_row=2)}
    evil = names['=HYPERLINK("http://evil.example","点我")']
    assert evil.data_type == "s" and evil.quotePrefix  # text, never a formula
    assert names["@SUM(A1)"].quotePrefix and names["-2+3"].quotePrefix


def test_an_unknown_export_format_is_404(client):
    school = SchoolFactory()
    client.force_login(admin_of(school))
    assert client.get(PAGE + "export.pdf", {"school": school.pk}).status_code == 404


def test_the_page_has_big_numbers_progress_bars_and_download_links(client, english):
    school = SchoolFactory()
    resource(school, at(2026, 10, 1, 9, 0), use_count=7, title="秋天的雨 课件")
    client.force_login(admin_of(school))
    response = client.get(PAGE, {"school": school.pk, "semester": AUTUMN_2026})
    html = response.content.decode()
    assert '<strong>1</strong> / 200' in html
    assert 'role="progressbar"' in html and 'aria-valuenow="1"' in html
    assert f'/resources/figures/export.csv?school={school.pk}&amp;semester=2026-autumn' in html
    assert f'/resources/figures/export.xlsx?school={school.pk}&amp;semester=2026-autumn' in html
    assert 'value="2026-autumn" selected' in html
    # An older semester than the select lists is added to it, in date order.
    older = client.get(PAGE, {"school": school.pk, "semester": "2019-spring"}).context["semesters"]
    assert older[-1].code == "2019-spring"
    assert [s.start for s in older] == sorted((s.start for s in older), reverse=True)
    assert "秋天的雨 课件" in html
    assert response["Cache-Control"].startswith("max-age=0")
