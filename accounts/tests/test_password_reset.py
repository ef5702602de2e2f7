"""A teacher who forgot their password gets a temporary one from their school admin or a district researcher, with
an audit line, and chooses their own at the next sign-in; nobody else can reset it; no e-mail link fails silently."""
import logging

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import School, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse 42"


def sign_in(client, username, password, next_url="/resources/mine/"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, "next": next_url})


@pytest.fixture
def school():
    home = School.objects.create(name="乡村中心小学")
    return {
        "teacher": UserFactory(username="zhangfang", full_name="张芳", school=home),
        "admin": UserFactory(username="xiaozhang", role=User.Role.SCHOOL_ADMIN, school=home),
        "other_teacher": UserFactory(username="stranger", school=School.objects.create(name="远方小学")),
        "researcher": UserFactory(username="wangjing", role=User.Role.DISTRICT_RESEARCHER, school=None),
    }


def test_a_forgetful_teacher_is_told_whom_to_ask_and_the_admin_sign_in_offers_no_dead_email_link(client):
    login = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_forgot") in login and "忘记密码" in login
    page = client.get(reverse("accounts:password_forgot")).content.decode()
    assert "学校管理员" in page and "临时密码" in page
    assert "password_reset" not in client.get("/admin/login/").content.decode()


def test_the_school_admin_gives_a_temporary_password_and_the_teacher_chooses_their_own(client, school, caplog):
    teacher, admin = school["teacher"], school["admin"]
    client.force_login(admin)
    listing = client.get(reverse("accounts:people") + "?q=张").content.decode()
    assert "张芳" in listing and "stranger" not in listing
    with caplog.at_level(logging.WARNING, logger="accounts.password_reset"):
        done = client.post(reverse("accounts:password_reset", args=[teacher.pk]))
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    temporary = done.context["password"]
    assert temporary in done.content.decode() and len(temporary) == 14
    entry = ModelLogEntry.objects.get(action="kexiang.password_reset")
    assert entry.user_id == admin.pk and entry.object_id == str(teacher.pk)
    assert any("password of zhangfang" in r.getMessage() and "xiaozhang" in r.getMessage() for r in caplog.records)

    client.logout()
    assert sign_in(client, "zhangfang", PASSWORD).status_code == 200  # the old password no longer works
    assert sign_in(client, "zhangfang", temporary).status_code == 302
    forced = client.get("/resources/")
    assert forced.status_code == 302 and forced["Location"].startswith(reverse("accounts:password_change"))
    changed = client.post(reverse("accounts:password_change"), {
        "old_password": temporary, "new_password1": "qiutian-de-yu-2026", "new_password2": "qiutian-de-yu-2026"})
    assert changed.status_code == 302
    assert client.get("/resources/").status_code == 200
    client.logout()
    assert sign_in(client, "zhangfang", "qiutian-de-yu-2026").status_code == 302
    teacher.refresh_from_db()
    assert not teacher.must_change_password


def test_only_the_schools_admin_or_a_researcher_may_reset_and_never_a_superusers(client, school):
    teacher, admin, researcher = school["teacher"], school["admin"], school["researcher"]
    superuser = User.objects.create_superuser("root", password=PASSWORD)
    reset = reverse("accounts:password_reset", args=[teacher.pk])
    client.force_login(teacher)
    assert client.get(reverse("accounts:people")).status_code == 403
    assert client.post(reset).status_code == 403
    client.force_login(admin)
    for person in (school["other_teacher"], researcher, superuser, admin):
        assert client.post(reverse("accounts:password_reset", args=[person.pk])).status_code == 403
    client.force_login(researcher)
    assert client.post(reverse("accounts:password_reset", args=[school["other_teacher"].pk])).status_code == 200
    assert client.post(reverse("accounts:password_reset", args=[superuser.pk])).status_code == 403
    assert ModelLogEntry.objects.filter(action="kexiang.password_reset").count() == 1


def test_a_reset_lifts_the_sign_in_lock(client, school):
    teacher = school["teacher"]
    for n in range(10):
        sign_in(client, "zhangfang", f"wrong{n}")
    assert sign_in(client, "zhangfang", PASSWORD).status_code == 429
    client.force_login(school["admin"])
    temporary = client.post(reverse("accounts:password_reset", args=[teacher.pk])).context["password"]
    client.logout()
    assert not AccessAttempt.objects.filter(username="zhangfang").exists()
    assert sign_in(client, "zhangfang", temporary).status_code == 302


def test_peers_and_people_with_admin_rights_cannot_be_reset_and_the_temporary_password_must_go(client, school):
    admin = school["admin"]
    peer = UserFactory(username="peer-admin", role=User.Role.SCHOOL_ADMIN, school=admin.school)
    staff = UserFactory(username="staff-teacher", school=admin.school, is_staff=True)
    client.force_login(admin)
    for person in (peer, staff):
        assert client.post(reverse("accounts:password_reset", args=[person.pk])).status_code == 403
    client.force_login(school["researcher"])
    assert client.post(reverse("accounts:password_reset", args=[peer.pk])).status_code == 200  # a school admin
    assert client.post(reverse("accounts:password_reset", args=[staff.pk])).status_code == 403

    client.force_login(admin)
    temporary = client.post(reverse("accounts:password_reset", args=[school["teacher"].pk])).context["password"]
    client.logout()
    sign_in(client, "zhangfang", temporary)
    # a script or a tus client gets JSON, a page gets the change page and comes back after
    api = client.get("/api/v1/search?q=x", HTTP_ACCEPT="application/json")
    assert api.status_code == 403 and "临时密码" in api.json()["error"]
    page = client.get("/resources/mine/")
    assert page["Location"] == reverse("accounts:password_change") + "?next=%2Fresources%2Fmine%2F"
    same = client.post(page["Location"], {"old_password": temporary, "new_password1": temporary,
                                          "new_password2": temporary, "next": "/resources/mine/"})
    assert same.status_code == 200 and "临时密码" in same.content.decode()
    changed = client.post(page["Location"], {"old_password": temporary, "new_password1": "qiutian-de-yu-2026",
                                             "new_password2": "qiutian-de-yu-2026", "next": "/resources/mine/"})
    assert changed.status_code == 302 and changed["Location"] == "/resources/mine/"
