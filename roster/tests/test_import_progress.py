"""A district's list from the browser goes to a Celery worker, and the page follows it: a real worker on the
embedded default's filesystem transport, the page on a 360x640 phone. The bar moves while 30,000 rows are checked,
the preview comes when they are, and applying shows its progress again, then the summary. Screenshots in
test-artifacts/roster-import-progress*.png."""
import pytest

from accounts.models import User
from tests.browser import PHONE, phone_page, screenshot, sign_in, wait_for
from tests.celery_helpers import real_worker
from tests.factories import SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROWS = 30_000


@pytest.fixture
def worker(tmp_path):
    folders = {name: tmp_path / "celery" / name for name in ("queue", "processed", "results", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    with real_worker(broker_url="filesystem://", result_backend=f"file://{folders['results']}",
                     broker_transport_options={"data_folder_in": str(folders["queue"]),
                                               "data_folder_out": str(folders["queue"]),
                                               "processed_folder": str(folders["processed"]),
                                               "control_folder": str(folders["control"]), "store_processed": False}):
        yield


def test_a_districts_list_is_checked_and_applied_by_a_worker_while_the_page_shows_progress(live_server, worker,
                                                                                           tmp_path):
    SchoolFactory(name="城关第一小学")
    UserFactory(username="jiaoyanyuan", role=User.Role.DISTRICT_RESEARCHER)
    people = tmp_path / "全区教师.csv"
    people.write_text("学校,学段,姓名,手机号,工号,角色,学科\n" + "".join(
        f"城关第一小学,小学,教师{i},139{i:08d},T{i:05d},教师,语文\n" for i in range(ROWS)), encoding="utf-8-sig")
    seen = []  # the status the page follows, as the test saw it
    with phone_page() as page:
        sign_in(page, live_server.url, "jiaoyanyuan", "/people/import/")
        page.set_input_files("#roster-file", str(people))
        page.click(".roster-upload button[type=submit]")
        page.wait_for_selector(".roster-preview", timeout=120_000)  # (the check is quick: the preview may come first)
        assert "新增 30000 人" in page.inner_text(".roster-preview")
        screenshot(page, "roster-import-progress-preview")

        page.click("#apply")
        page.wait_for_url("**/people/import/*/")
        status_url = live_server.url + page.get_attribute("#roster-job", "data-status-url")

        def done():
            seen.append(page.request.get(status_url).json())
            label = page.locator("#roster-progress-label")
            if not shot and label.count() and "全部 30000 行都没有问题" in label.inner_text():  # (it polls each second)
                assert page.get_attribute("#roster-progress", "value") is None, "a busy bar, not a made-up figure"
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                screenshot(page, "roster-import-progress")
                shot.append("roster-import-progress")
            return page.locator(".roster-done").count()

        shot = []
        wait_for(done, 180, page)
        assert "已导入：新增 30000 人" in page.inner_text(".roster-done")
    assert any(status["writing"] and status["running"] for status in seen), "the page was told the rows were being written"
    assert shot, "the page showed the writing while it went on"
    assert User.objects.filter(username__startswith="T", school__name="城关第一小学").count() == ROWS
