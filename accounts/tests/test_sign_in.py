"""Teachers sign in with a username or a mobile number, on the site and in the Wagtail admin."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import school_pairing_create, user_create
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

PASSWORD = "lesson-plan-2025"


@pytest.fixture
def teacher():
    return user_create(
        username="ouyang", password=PASSWORD, full_name="欧阳晓燕", phone="+86 139-0013-9000", school=SchoolFactory()
    )


def test_phone_is_stored_normalised_and_the_chinese_name_is_shown(teacher):
    teacher.refresh_from_db()
    assert teacher.phone == "13900139000"
    assert str(teacher) == "欧阳晓燕"
    assert teacher.get_full_name() == "欧阳晓燕"


@pytest.mark.parametrize("login", ["ouyang", "13900139000", "139 0013 9000", "+8613900139000"])
def test_site_sign_in_with_username_or_phone(client, teacher, login):
    response = client.post("/accounts/login/", {"username": login, "password": PASSWORD, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(teacher.pk)


def test_wrong_password_says_what_to_do_in_chinese(client, teacher):
    response = client.post("/accounts/login/", {"username": "13900139000", "password": "nope"})
    assert response.status_code == 200
    assert "用户名/手机号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_username_cannot_be_a_mobile_number():
    with pytest.raises(ValidationError) as error:
        user_create(username="13900139000", password="another-password-1", full_name="张三")
    assert "username" in error.value.message_dict


def test_a_username_equal_to_a_phone_number_does_not_lock_the_phone_owner_out(client, teacher):
    # Accounts made before the rule above (or by a script): each still signs in as themselves.
    other = User(username="13900139000", full_name="张三")
    other.set_password("another-password-1")
    other.save()
    client.post("/accounts/login/", {"username": "13900139000", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(teacher.pk)
    client.logout()
    client.post("/accounts/login/", {"username": "13900139000", "password": "another-password-1"})
    assert client.session["_auth_user_id"] == str(other.pk)


def test_wagtail_admin_creates_a_user_with_only_a_chinese_full_name(client):
    admin = user_create(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/users/new/", {
        "username": "ouyangxy", "full_name": "欧阳晓燕", "phone": "13600136000", "role": "teacher",
        "email": "", "password1": "Lesson-plan-2025!", "password2": "Lesson-plan-2025!",
    })
    assert response.status_code == 302, response.context["form"].errors
    created = User.objects.get(username="ouyangxy")
    assert (created.full_name, created.phone, created.first_name) == ("欧阳晓燕", "13600136000", "")


def test_wagtail_admin_sign_in_with_phone(client):
    user_create(username="admin2", password=PASSWORD, phone="13700137000", is_staff=True, is_superuser=True)
    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()  # the admin is in Chinese by default
    assert "用户名或手机号" in page.content.decode()
    response = client.post("/admin/login/", {"username": "13700137000", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_phone_must_be_a_mobile_number():
    with pytest.raises(ValidationError) as error:
        user_create(username="x", password=PASSWORD, phone="12345")
    assert "phone" in error.value.message_dict


def test_phone_numbers_are_unique(teacher):
    with pytest.raises(ValidationError):
        user_create(username="copy", password=PASSWORD, phone="13900139000")


def test_roles_cover_the_programme():
    assert set(User.Role.values) == {"teacher", "group_leader", "school_admin", "district_researcher", "viewer"}


def test_a_pairing_needs_two_schools_and_an_end_after_its_start():
    city, village = SchoolFactory(name="城区实验小学"), SchoolFactory(name="乡村中心小学")
    pairing = school_pairing_create(supporting=city, supported=village, starts_on=datetime.date(2025, 9, 1))
    assert str(pairing) == "城区实验小学 ↔ 乡村中心小学"
    assert pairing.is_active_on(datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        school_pairing_create(supporting=city, supported=city, starts_on=datetime.date(2025, 9, 1))
    with pytest.raises(ValidationError):
        school_pairing_create(
            supporting=village, supported=city, starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2025, 1, 1)
        )


def test_without_a_provider_the_page_offers_passwords_only(client):
    assert "sso-sign-in" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
