"""A school admin imports her school's list on a phone (360x640): bad rows named, then a good file previewed and
applied. Screenshots in test-artifacts/roster-import-*.png."""
import pytest

from accounts.models import User
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER = "学校,学段,姓名,手机号,工号,角色,学科,教研组\n"


def test_a_school_admin_imports_her_list_on_a_phone(live_server, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    school = SchoolFactory(name="城关第一小学")
    UserFactory(username="zhaoxiao", role=User.Role.SCHOOL_ADMIN, school=school)
    bad, good = tmp_path / "有错.csv", tmp_path / "名单.csv"
    bad.write_bytes(("\ufeff" + HEADER + "城关第一小学,小学,李伟,13800138001,T001,教研组长,语文,三年级语文组\n"
                     "城关第1小学,小学,张芳,138001380,T002,老师,语文,三年级语文组\n").encode())
    good.write_bytes(("\ufeff" + HEADER + "城关第一小学,小学,李伟,13800138001,T001,教研组长,语文,三年级语文组\n"
                      "城关第一小学,小学,张芳,13800138002,T002,教师,语文,三年级语文组\n").encode())
    with phone_page() as page:
        sign_in(page, live_server.url, "zhaoxiao", "/accounts/people/")
        page.click("a[href='/people/import/']")
        page.set_input_files("#roster-file", str(bad))
        page.click(".roster-upload button[type=submit]")
        errors = page.locator(".roster-errors")
        assert "没有做任何修改" in errors.inner_text() and "第 3 行" in errors.inner_text()
        assert "城关第1小学" in errors.inner_text() and "138001380" in errors.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "roster-import-errors")
        page.set_input_files("#roster-file", str(good))
        page.click(".roster-upload button[type=submit]")
        assert "新增 2 人" in page.inner_text(".roster-preview")
        screenshot(page, "roster-import-preview")
        page.click("#apply")
        page.wait_for_selector(".roster-done")
        assert "已导入：新增 2 人" in page.inner_text(".roster-done")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert set(User.objects.filter(school=school).values_list("username", flat=True)) == {"zhaoxiao", "T001", "T002"}
