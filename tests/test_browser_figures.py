"""The semester figures page on a 360x640 phone, in headless Chromium. Screenshots land in test-artifacts/."""
import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from reports.semesters import semester_current
from resources.models import Resource, ResourceType
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import ResourceFactory, SchoolPairingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth"


def a_pairing_with_figures():
    pairing = SchoolPairingFactory(
        supporting__name="杭州市示范实验小学教育集团", supported__name="淳安县千岛湖镇第二中心小学", programme="组团式帮扶"
    )
    city, village = pairing.supporting, pairing.supported
    when = timezone.make_aware(datetime.datetime.combine(semester_current().start, datetime.time(9)))
    teachers = [UserFactory(school=village, full_name=f"乡村老师{n}") for n in range(5)]
    for n in range(137):
        made = ResourceFactory(
            school=village, uploaded_by=teachers[n % 2],
            resource_type=ResourceType.MICRO_LESSON if n < 3 else ResourceType.COURSEWARE,
            title=f"秋天的雨 第{n}课时 课件与教学设计（含课后练习和拓展阅读材料）", use_count=n,
        )
        Resource.objects.filter(pk=made.pk).update(created_at=when)
    for n in range(230):
        made = ResourceFactory(school=city, title=f"古诗三首 示范课 {n}", use_count=n)
        Resource.objects.filter(pk=made.pk).update(created_at=when)
    UserFactory.create_batch(4, school=city)
    reader = UserFactory(school=village, role=User.Role.SCHOOL_ADMIN, username="admin-village")
    return pairing, reader


def test_a_school_admin_reads_the_figures_on_a_small_phone(live_server):
    pairing, reader = a_pairing_with_figures()
    with phone_page() as page:
        sign_in(page, live_server.url, reader.username, "/resources/figures/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        number = page.locator(".figure-number strong").first
        assert number.inner_text() == "137"
        box = number.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "the first big number is on the first screen"
        screenshot(page, "figures-school-360x640")

        page.select_option("select[name=scope]", f"pairing-{pairing.pk}")
        page.click(".figures-choose button[type=submit]")
        page.wait_for_url(f"**/resources/figures/?pairing={pairing.pk}*")
        assert page.locator(".figures-card").count() == 3
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= PHONE["width"]
        screenshot(page, "figures-pairing-360x640")

        with page.expect_download() as download:
            page.click(".figures-downloads a[href*='export.xlsx']")
        assert download.value.suggested_filename.endswith(".xlsx")
        assert "淳安县" in download.value.suggested_filename or "pairing" in download.value.suggested_filename
