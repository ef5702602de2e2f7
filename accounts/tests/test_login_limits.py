"""Sign-ins resist guessing: wrong passwords lock the account and then the address, the right password is refused
while locked, the page says so in Chinese, and the lock ends when it expires or an admin lifts it. Through the
real app server, and per rule through Django's own client (other addresses, the admin sign-ins)."""
import datetime

import pytest
import requests
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "correct horse 42"
LOCKED = "登录失败次数过多"


def sign_in(session, base, username, password, path="/accounts/login/"):
    page = session.get(base + path, timeout=30)
    assert page.status_code == 200
    return session.post(base + path, data={
        "csrfmiddlewaretoken": session.cookies["csrftoken"], "username": username, "password": password,
        "next": "/resources/mine/"}, headers={"Referer": base + path}, allow_redirects=False, timeout=30)


def signed_in_ok(response):
    return response.status_code == 302 and response.headers["Location"].endswith("/resources/mine/")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("via", ["django", pytest.param("nginx", marks=pytest.mark.nginx)])
def test_thirty_wrong_passwords_lock_the_account_and_the_address_until_it_expires_or_an_admin_unlocks(served, via):
    UserFactory(username="zhangfang", phone="13900139000")
    UserFactory(username="liwei")
    admin = User.objects.create_superuser("admin", password=PASSWORD)
    base = served(via=via)
    guesser = requests.Session()

    answers = [sign_in(guesser, base, "zhangfang", f"guess-{n}") for n in range(30)]
    assert all(a.status_code == 200 for a in answers[:9])  # the form again: wrong password
    assert all(a.status_code == 429 and LOCKED in a.text for a in answers[9:]), [a.status_code for a in answers]
    assert "15 分钟" in answers[-1].text and "学校管理员" in answers[-1].text

    # the right password is refused now, under the username and under the phone number
    for login in ("zhangfang", "13900139000"):
        refused = sign_in(requests.Session(), base, login, PASSWORD)
        assert refused.status_code == 429 and LOCKED in refused.text and "sessionid" not in refused.cookies
    # and the address is locked too: another teacher's right password from it does not sign in
    assert sign_in(requests.Session(), base, "liwei", PASSWORD).status_code == 429

    # the lock expires: 16 minutes later the right password signs in again
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    assert signed_in_ok(sign_in(requests.Session(), base, "zhangfang", PASSWORD))

    # locked again; an admin lifts it in the admin (deletes the attempts), and the right password works at once
    for n in range(12):
        sign_in(guesser, base, "zhangfang", f"again-{n}")
    assert sign_in(requests.Session(), base, "zhangfang", PASSWORD).status_code == 429
    from tests.serving import signed_in

    operator = signed_in(admin)
    listing = operator.get(base + "/django-admin/axes/accessattempt/", timeout=30)
    assert listing.status_code == 200 and "zhangfang" in listing.text
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    confirm = operator.post(base + "/django-admin/axes/accessattempt/", data={
        "csrfmiddlewaretoken": operator.cookies["csrftoken"], "action": "delete_selected", "_selected_action": ids,
        "post": "yes"}, headers={"Referer": base + "/django-admin/axes/accessattempt/"}, allow_redirects=False, timeout=30)
    assert confirm.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert signed_in_ok(sign_in(requests.Session(), base, "zhangfang", PASSWORD))


@pytest.mark.django_db
def test_the_account_locks_from_any_address_and_its_phone_number_counts_as_the_same_account(client):
    UserFactory(username="zhangfang", phone="13900139000")
    for n in range(10):  # ten guesses from ten addresses, alternating username and phone
        login = "zhangfang" if n % 2 else "13900139000"
        client.post(reverse("accounts:login"), {"username": login, "password": "x"}, REMOTE_ADDR=f"10.0.0.{n}")
    refused = client.post(reverse("accounts:login"), {"username": "zhangfang", "password": PASSWORD},
                          REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_address_locks_after_thirty_failures_for_any_accounts_and_a_forged_forwarded_for_does_not_help(client):
    UserFactory(username="liwei")
    for n in range(30):
        client.post(reverse("accounts:login"), {"username": f"nobody{n}", "password": "x"}, REMOTE_ADDR="10.1.1.1",
                    HTTP_X_FORWARDED_FOR=f"192.168.0.{n}")
    refused = client.post(reverse("accounts:login"), {"username": "liwei", "password": PASSWORD},
                          REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="192.168.77.77")
    assert refused.status_code == 429
    elsewhere = client.post(reverse("accounts:login"), {"username": "liwei", "password": PASSWORD, "next": "/"},
                            REMOTE_ADDR="10.2.2.2")
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_behind_nginx_the_address_is_the_one_nginx_saw(client, settings):
    settings.KEXIANG_PROXY_COUNT = 1
    UserFactory(username="liwei")
    for n in range(30):  # all from 10.1.1.1 as nginx saw it, whatever the visitor wrote before it
        client.post(reverse("accounts:login"), {"username": f"nobody{n}", "password": "x"}, REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"192.168.0.{n}, 10.1.1.1")
    assert client.post(reverse("accounts:login"), {"username": "liwei", "password": PASSWORD},
                       REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 429
    assert client.post(reverse("accounts:login"), {"username": "liwei", "password": PASSWORD, "next": "/"},
                       REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.3.3.3").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_the_admin_sign_ins_lock_too(client, path):
    User.objects.create_superuser("admin", password=PASSWORD)
    for n in range(10):
        client.post(path, {"username": "admin", "password": f"x{n}"}, REMOTE_ADDR="10.4.4.4")
    refused = client.post(path, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.4.4.4")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signing_in_to_ones_own_account_between_guesses_does_not_reset_the_count_for_another(client):
    UserFactory(username="victim")
    UserFactory(username="guesser")
    for round_ in range(3):
        for n in range(4):
            client.post(reverse("accounts:login"), {"username": "victim", "password": f"x{round_}{n}"},
                        REMOTE_ADDR="10.5.5.5")
        ok = client.post(reverse("accounts:login"), {"username": "guesser", "password": PASSWORD, "next": "/"},
                         REMOTE_ADDR="10.5.5.5")
        assert ok.status_code == 302
        client.logout()
    refused = client.post(reverse("accounts:login"), {"username": "victim", "password": PASSWORD},
                          REMOTE_ADDR="10.6.6.6")
    assert refused.status_code == 429, "twelve wrong passwords for one account must lock it"


@pytest.mark.django_db
def test_a_right_password_forgets_that_accounts_own_mistakes(client):
    UserFactory(username="liwei")
    for n in range(9):
        client.post(reverse("accounts:login"), {"username": "liwei", "password": f"typo{n}"}, REMOTE_ADDR="10.7.7.7")
    assert client.post(reverse("accounts:login"), {"username": "liwei", "password": PASSWORD, "next": "/"},
                       REMOTE_ADDR="10.7.7.7").status_code == 302
    client.logout()
    for n in range(9):  # nine more typos later: still not locked, the earlier nine were forgotten
        client.post(reverse("accounts:login"), {"username": "liwei", "password": f"again{n}"}, REMOTE_ADDR="10.7.7.7")
    assert client.post(reverse("accounts:login"), {"username": "liwei", "password": PASSWORD, "next": "/"},
                       REMOTE_ADDR="10.7.7.7").status_code == 302
