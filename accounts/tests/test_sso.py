"""Signing in through the district's education cloud: a real OpenID Connect provider and a real CAS server on
loopback (scripts/services/oidc.sh: django-oauth-toolkit and django-cas-server in their own process), a phone-sized
Chromium, Kexiang's real sign-in pages. The cloud's claims name one imported account, or the sign-in is refused with
a message."""
import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password

from accounts.models import User
from tests.browser import PHONE, phone_page, screenshot
from tests.factories import SchoolFactory, UserFactory

pytestmark = [pytest.mark.sso, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district_sso(settings):
    settings.KEXIANG_SSO_ENABLED = True
    for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT",
                 "OIDC_OP_JWKS_ENDPOINT", "OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET"):
        setattr(settings, name, os.environ[name])
    settings.KEXIANG_SSO_NAME = "区教育云"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.sso.DistrictSignOnBackend"]


def idp_person(login, *, name="", phone="", staff=""):
    """A person of the education cloud (its own database, through its own manage.py)."""
    subprocess.run([sys.executable, os.environ["KEXIANG_TEST_IDP"], "idp", "person", login, "cloud pass 42",
                    "--name", name, "--phone", phone, "--staff", staff], check=True, capture_output=True,
                   env={**os.environ, "IDP_STATE_DIR": os.environ["KEXIANG_TEST_IDP_STATE"]})


@pytest.fixture
def district_cas(settings):
    settings.KEXIANG_CAS_ENABLED = True
    settings.CAS_SERVER_URL = os.environ["CAS_SERVER_URL"]
    settings.KEXIANG_SSO_NAME = "区教育云"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.sso.DistrictCasBackend"]


def sign_on(page, base_url, login, *, button="#sso-sign-in", next_page="/research/"):
    page.goto(f"{base_url}/accounts/login/?next={next_page}")
    page.click(button)
    page.wait_for_url(lambda url: urlsplit(url).path in ("/login/", "/cas/login"))  # the education cloud's own page
    page.fill("#idp-username", login)
    page.fill("#idp-password", "cloud pass 42")
    page.click("#idp-submit")
    page.wait_for_url(lambda url: urlsplit(url).netloc == urlsplit(base_url).netloc
                      and urlsplit(url).path not in ("/oidc/callback/", "/cas/login/"), timeout=30_000)


def test_an_imported_teacher_signs_in_with_the_district_account_and_no_second_account_is_made(live_server,
                                                                                                district_sso):
    school = SchoolFactory(name="城关第一小学")
    teacher = User.objects.create(username="T001", full_name="李伟", phone="13800138001", school=school,
                                  password=make_password(None))  # imported: no password of ours yet
    idp_person("liwei@cloud", name="李伟", phone="+86 138 0013 8001", staff="")
    accounts = User.objects.count()
    with phone_page() as page:
        page.goto(f"{live_server.url}/accounts/login/")
        assert "使用区教育云登录" in page.inner_text("#sso-sign-in")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "sso-sign-in")
        sign_on(page, live_server.url, "liwei@cloud")
        assert urlsplit(page.url).path == "/research/", "back where the sign-in was asked for"
        assert page.locator("header form[action='/accounts/logout/']").count() == 1, "signed in"
        screenshot(page, "sso-signed-in")
    assert User.objects.count() == accounts
    teacher.refresh_from_db()
    assert teacher.last_login is not None


def test_the_staff_number_finds_the_account_when_the_cloud_has_no_phone(live_server, district_sso):
    UserFactory(username="T002", full_name="张芳", phone=None)
    idp_person("zhangfang@cloud", name="张芳", staff="T002")
    with phone_page() as page:
        sign_on(page, live_server.url, "zhangfang@cloud")
        assert urlsplit(page.url).path == "/research/"
        assert page.locator("header form[action='/accounts/logout/']").count() == 1
    assert User.objects.get(username="T002").last_login is not None


def test_claims_that_match_two_accounts_are_refused_with_a_message_for_the_admin(live_server, district_sso):
    UserFactory(username="T003", full_name="王老师", phone="13800138003")
    UserFactory(username="T004", full_name="王老师（旧账号）", phone="13800138004")
    idp_person("wang@cloud", name="王老师", phone="13800138004", staff="T003")
    with phone_page() as page:
        sign_on(page, live_server.url, "wang@cloud")
        assert urlsplit(page.url).path == "/accounts/login/"
        message = page.inner_text(".messages")
        assert "不止一个" in message and "T003" in message and "T004" in message
        screenshot(page, "sso-two-accounts")
        assert page.locator("header form[action='/accounts/logout/']").count() == 0


def test_someone_the_district_has_not_listed_is_refused_and_nothing_is_made(live_server, district_sso):
    idp_person("stranger@cloud", name="陌生人", phone="13900139999", staff="X999")
    accounts = User.objects.count()
    with phone_page() as page:
        sign_on(page, live_server.url, "stranger@cloud")
        assert urlsplit(page.url).path == "/accounts/login/"
        assert "请学校管理员" in page.inner_text(".messages")
    assert User.objects.count() == accounts



# CAS (3.0): the same cloud, the same people, its attributes read as the claims.

def test_cas_an_imported_teacher_signs_in_by_phone_and_no_second_account_is_made(live_server, district_cas):
    school = SchoolFactory(name="城关第二小学")
    teacher = User.objects.create(username="C001", full_name="赵敏", phone="13800138011", school=school,
                                  password=make_password(None))
    idp_person("zhaomin@cloud", name="赵敏", phone="13800138011")
    accounts = User.objects.count()
    with phone_page() as page:
        page.goto(f"{live_server.url}/accounts/login/")
        assert "使用区教育云登录" in page.inner_text("#cas-sign-in")
        assert page.locator("#sso-sign-in").count() == 0, "only the protocol the district configured"
        sign_on(page, live_server.url, "zhaomin@cloud", button="#cas-sign-in")
        assert urlsplit(page.url).path == "/research/", "back where the sign-in was asked for"
        assert page.locator("header form[action='/accounts/logout/']").count() == 1, "signed in"
        screenshot(page, "cas-signed-in")
        # signing out on a shared computer signs out of the cloud too: the next "sign in" asks again
        page.click("label[for=topnav-toggle]")  # the phone's menu
        page.click("header form[action='/accounts/logout/'] button")
        page.wait_for_url(lambda url: urlsplit(url).netloc == urlsplit(live_server.url).netloc
                          and urlsplit(url).path == "/")  # home, through the cloud's sign-out
        assert page.locator("header form[action='/accounts/logout/']").count() == 0
        page.goto(f"{live_server.url}/accounts/login/")
        page.click("#cas-sign-in")
        page.wait_for_url(lambda url: urlsplit(url).path == "/cas/login")
        assert page.locator("#idp-password").count() == 1, "the cloud asks for the password again"
    assert User.objects.count() == accounts
    teacher.refresh_from_db()
    assert teacher.last_login is not None


def test_cas_login_as_the_staff_number_and_a_foreign_next_page_is_not_followed(live_server, district_cas, settings):
    settings.KEXIANG_SSO_STAFF_CLAIM = "cas:user"  # this cloud's login is the staff number
    UserFactory(username="C002", full_name="钱进", phone=None)
    idp_person("C002", name="钱进")
    with phone_page() as page:
        sign_on(page, live_server.url, "C002", button="#cas-sign-in", next_page="https://evil.example/")
        assert urlsplit(page.url).netloc == urlsplit(live_server.url).netloc
        assert urlsplit(page.url).path == "/"
        assert page.locator("header form[action='/accounts/logout/']").count() == 1
    assert User.objects.get(username="C002").last_login is not None


def test_cas_two_accounts_or_none_are_refused_with_the_reason_on_our_sign_in_page(live_server, district_cas):
    UserFactory(username="C003", full_name="孙老师", phone="13800138013")
    UserFactory(username="C004", full_name="孙老师（旧账号）", phone=None)
    idp_person("sun@cloud", name="孙老师", phone="13800138013", staff="C004")
    idp_person("nobody@cloud", name="陌生人", phone="13900139998")
    accounts = User.objects.count()
    with phone_page() as page:
        sign_on(page, live_server.url, "sun@cloud", button="#cas-sign-in")
        assert urlsplit(page.url).path == "/accounts/login/"
        message = page.inner_text(".messages")
        assert "不止一个" in message and "C003" in message and "C004" in message
        screenshot(page, "cas-two-accounts")
        assert page.locator("header form[action='/accounts/logout/']").count() == 0
    with phone_page() as page:
        sign_on(page, live_server.url, "nobody@cloud", button="#cas-sign-in")
        assert urlsplit(page.url).path == "/accounts/login/"
        assert "请学校管理员" in page.inner_text(".messages")
        assert page.locator("#id_username").count() == 1
        assert page.locator("header form[action='/accounts/logout/']").count() == 0
    assert User.objects.count() == accounts


def test_cas_pages_are_not_there_while_cas_is_not_configured(client):
    assert client.get("/cas/login/?ticket=ST-forged").status_code == 404
    assert 'id="cas-sign-in"' not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("cloud", ["closed port", "stalls", "not a CAS server"])
def test_cas_a_cloud_that_is_down_or_answers_nonsense_is_said_and_nobody_is_signed_in(client, settings, live_server,
                                                                                        district_cas, cloud):
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    if cloud == "closed port":
        settings.CAS_SERVER_URL = f"http://127.0.0.1:{stalled.getsockname()[1]}/cas/"
    elif cloud == "stalls":  # the kernel takes the connection; nobody ever answers
        stalled.listen(4)
        settings.CAS_SERVER_URL = f"http://127.0.0.1:{stalled.getsockname()[1]}/cas/"
        settings.KEXIANG_SSO_TIMEOUT = 1
    else:
        settings.CAS_SERVER_URL = f"{live_server.url}/"  # our own pages: HTML, not CAS's XML
    with stalled:
        response = client.get("/cas/login/?ticket=ST-anything&next=/research/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fresearch%2F"
    assert "区教育云登录没有正常应答" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists(), "a refused sign-on is not a guessed password"
