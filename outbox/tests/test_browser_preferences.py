"""The e-mail choices on a phone (360x640): from the notifications page, an address and a choice per kind."""
import pytest

from outbox.models import DeliveryPreference
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_adds_her_address_and_turns_a_kind_off_on_a_phone(live_server):
    teacher = UserFactory(username="zhangfang", full_name="张芳", email="")
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/research/notifications/")
        page.click("a[href='/notifications/email/']")
        assert "还没有填写邮箱" in page.inner_text("main")
        page.fill("#id_email", "zhangfang@school.cn")
        page.check("input[name=kind_mention][value=off]")
        page.check("input[name=kind_reminder][value=digest]")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "walkthrough-mail-preferences")
        page.click("form.mail-preferences button[type=submit]")
        page.wait_for_url("**/notifications/email/")
        assert "zhangfang@school.cn" in page.inner_text(".messages")
    teacher.refresh_from_db()
    assert teacher.email == "zhangfang@school.cn"
    assert dict(DeliveryPreference.objects.filter(user=teacher).values_list("kind", "mode"))["mention"] == "off"
    assert DeliveryPreference.objects.get(user=teacher, kind="reminder").mode == "digest"
