"""The people list from a school admin's browser: preview, apply, only her own school; then a new teacher's first
sign-in with the first password she gives."""
import io
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from research.models import GroupMembership
from roster.models import ImportJob
from roster.tasks import expire_import_lists
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
    """Upload a list; the answer is its job's page (a small list is checked within the request)."""
    return client.post(reverse("roster:import"), {"file": SimpleUploadedFile(name, ("\ufeff" + text).encode()), **extra},
                       follow=True)


def apply_url(html):
    found = re.search(r'action="(/people/import/[0-9a-f-]+/apply/)"', html)
    return found and found.group(1)


def test_a_school_admin_previews_then_applies_her_schools_list(client, admin):
    text = HEADER + ("城关第一小学,小学,李伟,13800138001,T001,教研组长,语文,三年级语文组\n"
                     "城关第一小学,小学,张芳,13800138002,T002,教师,语文,三年级语文组\n")
    preview = upload(client, text)
    html = preview.content.decode()
    assert preview.status_code == 200 and "2 new people" in html and "1 new research groups" in html
    assert "李伟" in html and apply_url(html)
    assert not User.objects.filter(username__in=["T001", "T002"]).exists(), "a preview changes nothing"
    assert ImportJob.objects.get().file, "the list is kept until it is applied"

    applied = client.post(apply_url(html), follow=True)
    assert "Imported: 2 new people" in applied.content.decode()
    liwei = User.objects.get(username="T001")
    assert liwei.school == admin.school and liwei.role == User.Role.GROUP_LEADER
    assert GroupMembership.objects.get(user=liwei).role == GroupMembership.Role.LEADER
    assert not ImportJob.objects.get().file, "and deleted once applied"
    # the same preview applied twice: refused, nothing more
    again = client.post(apply_url(html), follow=True)
    assert "can no longer be applied" in again.content.decode()
    assert User.objects.filter(username__in=["T001", "T002"]).count() == 2
    # the same file again: nothing to change; the import page lists both imports
    assert "Nothing to change" in upload(client, text).content.decode()
    assert client.get(reverse("roster:import")).content.decode().count("people.csv") == 2


def test_a_changed_person_is_shown_by_column_names_and_another_admin_cannot_see_the_job(client, admin):
    UserFactory(username="T001", full_name="李伟", phone="13800138001", school=admin.school)
    html = upload(client, HEADER + "城关第一小学,小学,李卫,13800138001,T001,教研组长,语文,\n").content.decode()
    assert "姓名: 李卫" in html and "角色: Research-group leader" in html
    job = ImportJob.objects.get()
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=admin.school))
    assert client.get(reverse("roster:job", args=[job.uid])).status_code == 404
    assert client.get(reverse("roster:job_status", args=[job.uid])).status_code == 404
    assert client.post(reverse("roster:job_apply", args=[job.uid])).status_code == 404
    assert User.objects.get(username="T001").full_name == "李伟"


def test_rows_of_another_school_or_a_researcher_role_are_refused_with_their_lines(client, admin):
    SchoolFactory(name="县实验小学")
    text = HEADER + ("城关第一小学,小学,李伟,13800138001,T001,教师,语文,\n"
                     "县实验小学,小学,王老师,13800138003,S001,教师,数学,\n"
                     "城关第一小学,小学,钱老师,13800138004,T004,教研员,语文,\n")
    html = upload(client, text).content.decode()
    assert "2 of 3 rows have a problem, so nothing was changed" in html
    assert "Line 3" in html and "is not your school" in html and "Line 4" in html and "district researcher" in html
    assert not apply_url(html) and not User.objects.filter(username="T001").exists()
    assert not ImportJob.objects.get().file, "a list with bad rows is not kept"


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
    client.post(apply_url(upload(client, upload_text).content.decode()))
    teacher = User.objects.get(username="T001")
    people = client.get(reverse("accounts:people"), {"q": "李伟"}).content.decode()
    assert "Has not signed in yet" in people and "Give a first password" in people
    done = client.post(reverse("accounts:password_reset", args=[teacher.pk])).content.decode()
    password = done.split('class="temporary-password"><strong>')[1].split("<")[0].strip()
    client.logout()
    signed_in = client.post(reverse("accounts:login"), {"username": "13800138001", "password": password})
    assert signed_in.status_code == 302
    assert client.get("/resources/").status_code == 302, "a first password must be replaced before anything else"


def test_a_job_waiting_behind_other_work_says_so_and_one_whose_worker_died_says_to_upload_again(client, admin):
    job = ImportJob.objects.create(by=admin, school=admin.school, file_name="people.csv", rows_total=40000,
                                   language="en")
    status = reverse("roster:job_status", args=[job.uid])
    waiting = client.get(status).json()
    assert waiting["running"] and waiting["queued"] and "Waiting for the server" in waiting["label"]
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now(), rows_done=10000)
    checking = client.get(status).json()
    assert checking["percent"] == 25 and "Checked 10000 of about 40000 rows" in checking["label"]
    long_ago = timezone.now() - timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.APPLYING, started_at=long_ago,
                                               updated_at=long_ago)
    stopped = client.get(status).json()
    assert stopped["stalled"] and not stopped["running"] and "upload the file again" in stopped["label"]
    page = client.get(reverse("roster:job", args=[job.uid])).content.decode()
    assert "stopped before it finished" in page and 'id="roster-progress"' not in page
    assert "stopped" in client.get(reverse("roster:import")).content.decode()


def test_a_preview_not_applied_in_two_days_and_a_dead_job_give_up_their_stored_lists(client, admin):
    text = HEADER + "城关第一小学,小学,李伟,13800138001,T001,教师,语文,\n"
    preview = upload(client, text).content.decode()
    job = ImportJob.objects.get()
    stored = job.file.name
    assert job.file.storage.exists(stored)
    dead = ImportJob.objects.create(by=admin, school=admin.school, file_name="dead.csv", language="en",
                                    state=ImportJob.State.APPLYING)
    dead.file.save("list.bin", ContentFile(text.encode()))
    assert expire_import_lists() == 0, "nothing is old yet"
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=3))
    ImportJob.objects.filter(pk=dead.pk).update(started_at=timezone.now() - timedelta(minutes=30),
                                                updated_at=timezone.now() - timedelta(minutes=30))
    assert expire_import_lists() == 2
    job.refresh_from_db()
    dead.refresh_from_db()
    assert job.state == ImportJob.State.EXPIRED and not job.file and not job.file.storage.exists(stored)
    assert dead.state == ImportJob.State.FAILED and "stopped before it finished" in dead.error and not dead.file
    assert "can no longer be applied" in client.post(apply_url(preview), follow=True).content.decode()
    assert not User.objects.filter(username="T001").exists()
