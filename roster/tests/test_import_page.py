"""The people list from a school admin's browser: preview, apply, only her own school; then a new teacher's first
sign-in with the first password she gives."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from research.models import GroupMembership
from tests.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
HEADER = "学校,学段,姓名,手机号,工号,角色,学科,教研组\n"


@pytest.fixture
def admin(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    school = SchoolFactory(name="城关第一小学")
    user = UserFactory(role=User.Role.SCHOOL_ADMIN, school=school)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def upload(client, text, name="people.csv", **extra):
    return client.post(reverse("roster:import"), {"file": SimpleUploadedFile(name, ("\ufeff" + text).encode()), **extra})


def test_a_school_admin_previews_then_applies_her_schools_list(client, admin):
    text = HEADER + ("城关第一小学,小学,李伟,13800138001,T001,教研组长,语文,三年级语文组\n"
                     "城关第一小学,小学,张芳,13800138002,T002,教师,语文,三年级语文组\n")
    preview = upload(client, text)
    html = preview.content.decode()
    assert preview.status_code == 200 and "2 new people" in html and "1 new research groups" in html
    assert "李伟" in html and 'name="token"' in html
    assert not User.objects.filter(username__in=["T001", "T002"]).exists(), "a preview changes nothing"

    token = html.split('name="token" value="')[1].split('"')[0]
    applied = client.post(reverse("roster:import"), {"action": "apply", "token": token})
    assert applied.status_code == 302
    assert "Imported: 2 new people" in client.get(reverse("roster:import")).content.decode()
    liwei = User.objects.get(username="T001")
    assert liwei.school == admin.school and liwei.role == User.Role.GROUP_LEADER
    assert GroupMembership.objects.get(user=liwei).role == GroupMembership.Role.LEADER
    # the same token twice: expired, nothing more
    again = client.post(reverse("roster:import"), {"action": "apply", "token": token})
    assert again.status_code == 302 and User.objects.filter(username__in=["T001", "T002"]).count() == 2
    # the same file again: nothing to change
    assert "Nothing to change" in upload(client, text).content.decode()


def test_rows_of_another_school_or_a_researcher_role_are_refused_with_their_lines(client, admin):
    SchoolFactory(name="县实验小学")
    text = HEADER + ("城关第一小学,小学,李伟,13800138001,T001,教师,语文,\n"
                     "县实验小学,小学,王老师,13800138003,S001,教师,数学,\n"
                     "城关第一小学,小学,钱老师,13800138004,T004,教研员,语文,\n")
    html = upload(client, text).content.decode()
    assert "2 of 3 rows have a problem, so nothing was changed" in html
    assert "Line 3" in html and "is not your school" in html and "Line 4" in html and "district researcher" in html
    assert 'name="token"' not in html and not User.objects.filter(username="T001").exists()


def test_a_broken_file_says_what_to_do(client, admin):
    html = upload(client, "not a spreadsheet", name="people.xlsx").content.decode()
    assert "cannot be read" in html or "no column" in html
    assert "Choose the people list" in client.post(reverse("roster:import"), {}).content.decode()


def test_teachers_may_not_import_or_export(client, admin):
    client.force_login(UserFactory(school=admin.school))
    assert client.get(reverse("roster:import")).status_code == 403
    assert client.get(reverse("roster:export", args=["xlsx"])).status_code == 403


def test_the_export_is_her_schools_people_only(client, admin):
    UserFactory(username="other1", full_name="别校老师")
    UserFactory(username="mine1", full_name="本校老师", school=admin.school)
    sheet = load_workbook(io.BytesIO(client.get(reverse("roster:export", args=["xlsx"])).content)).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "本校老师" in names and "别校老师" not in names


def test_a_new_teacher_signs_in_first_with_the_password_her_admin_gives(client, admin):
    upload_text = HEADER + "城关第一小学,小学,李伟,13800138001,T001,教师,语文,\n"
    token = upload(client, upload_text).content.decode().split('name="token" value="')[1].split('"')[0]
    client.post(reverse("roster:import"), {"action": "apply", "token": token})
    teacher = User.objects.get(username="T001")
    people = client.get(reverse("accounts:people"), {"q": "李伟"}).content.decode()
    assert "Has not signed in yet" in people and "Give a first password" in people
    done = client.post(reverse("accounts:password_reset", args=[teacher.pk])).content.decode()
    password = done.split('class="temporary-password"><strong>')[1].split("<")[0].strip()
    client.logout()
    signed_in = client.post(reverse("accounts:login"), {"username": "13800138001", "password": password})
    assert signed_in.status_code == 302
    assert client.get("/resources/").status_code == 302, "a first password must be replaced before anything else"
