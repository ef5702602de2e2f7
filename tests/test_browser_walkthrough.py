"""What a teacher tripped over on a first walk through (issue 20), each at 360x640 in headless Chromium through
the real pages. Screenshots in test-artifacts/walkthrough-*.png. (Items with a page of their own are tested
beside it: the ledger in research/tests/test_hours.py, the review's video list in research/tests/test_reviews.py.)"""
import pytest

from research.models import GroupMembership
from research.services.threads import post_create, thread_create
from tests.browser import PHONE, phone_page, screenshot, sign_in
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_header_counts_unread_notifications_on_every_page(live_server):
    group, leader, _member = _group_with_people()
    thread = thread_create(group=group, author=leader, title="试讲安排", body="@张芳 准备课件")
    post_create(thread=thread, author=leader, body="@张芳 周一前上传")
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/resources/browse/")
        badge = page.locator(".topbar .count-badge")
        assert badge.inner_text() == "2"  # two mentions, on a page that is not /research/
        assert page.locator(".topbar").bounding_box()["height"] <= 60
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "walkthrough-header-count")
        page.click(".topnav-research")
        page.click("a[href='/research/notifications/']")
        page.wait_for_url("**/research/notifications/")
        assert "周一前上传" in page.inner_text("main")
        page.click("main form button[type=submit]")  # 全部标为已读
        page.wait_for_load_state()
        page.goto(live_server.url + "/resources/browse/")
        assert page.locator(".topbar .count-badge").count() == 0  # read


def _group_with_people():
    school = SchoolFactory()
    group = ResearchGroupFactory(name="三年级语文联合教研组", school=school)
    leader = UserFactory(username="liwei", full_name="李伟", school=school)
    member = UserFactory(username="zhangfang", full_name="张芳", school=school)
    GroupMembershipFactory(group=group, user=leader, role=GroupMembership.Role.LEADER)
    GroupMembershipFactory(group=group, user=member)
    return group, leader, member


def test_the_group_tabs_say_there_are_more_and_show_the_current_one(live_server):
    group, _leader, _member = _group_with_people()
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", f"/research/groups/{group.pk}/")
        nav = page.locator(".group-nav")
        assert page.evaluate("(n => n.scrollWidth > n.clientWidth)(document.querySelector('.group-nav'))")
        assert "more-right" in nav.get_attribute("class")  # the last tabs are off screen: that edge fades
        screenshot(page, "walkthrough-group-tabs")
        page.goto(f"{live_server.url}/research/groups/{group.pk}/mentoring/")
        current, row = page.locator(".group-nav [aria-current]").bounding_box(), nav.bounding_box()
        assert row["x"] <= current["x"] and current["x"] + current["width"] <= row["x"] + row["width"] + 1
        assert "more-left" in nav.get_attribute("class")
        screenshot(page, "walkthrough-group-tabs-mentoring")


def test_the_thread_composer_has_our_own_file_button_and_no_emoji(live_server, tmp_path):
    group, leader, _member = _group_with_people()
    thread = thread_create(group=group, author=leader, title="试讲安排", body="课件请大家看看")
    plan = tmp_path / "秋天的雨 教学设计（第二稿）.txt"
    plan.write_text("教学目标……")
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", f"/research/threads/{thread.pk}/")
        button = page.locator(".composer .file-button")
        assert button.is_visible() and button.inner_text().strip() == "添加文件"
        native = page.locator(".composer input[type=file]").bounding_box()  # not the browser's "Choose Files"
        assert native["width"] <= 1 and native["height"] <= 1
        box = button.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 44
        page.set_input_files(".composer input[type=file]", str(plan))
        assert "秋天的雨 教学设计（第二稿）.txt" in page.inner_text("#composer-files")  # the names chosen
        page.fill("#post-body", "第二稿在附件里")
        page.click("#composer button[type=submit]")
        page.wait_for_selector(".files a")
        assert "📎" not in page.content() and page.locator(".files a svg.icon").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "walkthrough-thread-files")


def test_a_lesson_waiting_to_go_public_is_seen_by_the_paired_school_meanwhile(live_server):
    from media_pipeline.models import MediaAsset
    from resources.models import Resource
    from resources.services import resource_create_from_video
    from tests.factories import SchoolPairingFactory

    city, village, elsewhere = SchoolFactory(name="城区实验小学"), SchoolFactory(name="乡村中心小学"), SchoolFactory()
    SchoolPairingFactory(supporting=city, supported=village)
    liwei = UserFactory(username="liwei", full_name="李伟", school=city)
    UserFactory(username="zhangfang", full_name="张芳", school=village)
    UserFactory(username="stranger", school=elsewhere)
    asset = MediaAsset.objects.create(owner=liwei, title="VID_0931.mp4", source_path="/nowhere.mp4", duration=60.0,
                                      state=MediaAsset.State.READY, has_video=True, width=640, height=360,
                                      variants=[{"name": "240p", "height": 240, "bandwidth": 180000}])
    resource = resource_create_from_video(user=liwei, asset=asset, title="《秋天的雨》示范课", visibility="public")
    assert resource.visibility == Resource.Visibility.PAIRING and resource.workflow_in_progress
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", f"/resources/{resource.pk}/")  # the partner school's teacher
        assert page.locator("h1", has_text="《秋天的雨》示范课").is_visible()
        screenshot(page, "walkthrough-waiting-seen-by-partner")
    with phone_page() as page:
        sign_in(page, live_server.url, "liwei", f"/resources/{resource.pk}/")
        assert "结对学校" in page.inner_text(".moderation-waiting")  # who sees it meanwhile, said to the uploader
        screenshot(page, "walkthrough-waiting-uploader")
    with phone_page() as page:
        sign_in(page, live_server.url, "stranger", "/resources/")
        page.goto(f"{live_server.url}/resources/{resource.pk}/")
        assert page.locator("h1", has_text="《秋天的雨》示范课").count() == 0  # not everyone, not yet


@pytest.mark.shared_data
@pytest.mark.ffmpeg
def test_a_video_without_picture_or_sound_is_refused_on_the_form_before_save(live_server, media_root, settings,
                                                                            tmp_path):
    from media_pipeline.models import MediaAsset
    from resources.models import Resource
    from tests.shared import SAMPLES

    settings.KEXIANG_UPLOAD_DIR = tmp_path / "uploads"
    UserFactory(username="zhangfang", full_name="张芳", school=SchoolFactory())
    broken = tmp_path / "秋天的雨 课堂实录.mp4"
    broken.write_bytes((SAMPLES / "broken" / "opencast_nostreams.mp4").read_bytes())
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/resources/upload/")
        assert page.locator(".file-button").inner_text().strip() == "选择文件"  # ours, not the browser's English
        page.set_input_files("#file", str(broken))
        page.wait_for_selector("#upload-error:not([hidden])", timeout=30_000)
        assert "没有画面" in page.inner_text("#upload-error") and page.locator("#file-done").is_hidden()
        assert page.input_value("#upload_id") == ""  # Save has no file to keep
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "walkthrough-broken-video-refused")
    assert MediaAsset.objects.get().state == MediaAsset.State.FAILED  # probed, never queued
    assert not Resource.objects.exists()


@pytest.mark.shared_data
def test_the_chapter_picker_names_each_books_version_and_offers_the_current_one_first(live_server):
    from resources.catalogue import read_catalogue
    from resources.services import textbooks_import
    from tests.shared import SHARED_DATA

    textbooks_import(catalogue=read_catalogue(SHARED_DATA))
    UserFactory(username="zhangfang", full_name="张芳", school=SchoolFactory())
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/resources/upload/")
        page.fill("#chapter-search", "古诗三首")
        options = page.locator("#chapter-search-options [role=option]")
        options.first.wait_for()
        paths = [options.nth(i).locator(".option-path").inner_text() for i in range(options.count())]
        third_grade = [p for p in paths if "三年级 上册" in p and "第二单元" in p]
        assert len(third_grade) >= 2, paths  # the same lesson in more than one print of the book ...
        assert len(set(third_grade)) == len(third_grade), "... each says which print it is"
        assert "新教材" in third_grade[0] and "旧教材" not in third_grade[0]  # the current one first
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "walkthrough-chapter-picker-versions")


def test_a_teacher_hears_of_new_dates_review_results_and_mentions_in_a_review(live_server, django_user_model):
    import datetime

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from wagtail.models import TaskState

    from accounts.models import User
    from research.services.activities import series_create
    from research.services.reviews import comment_add, review_create
    from resources.services import resource_submit_for_moderation
    from tests.factories import ResourceFactory

    group, leader, member = _group_with_people()
    soon = timezone.localtime() + datetime.timedelta(days=2)
    series_create(group=group, user=leader, title="三年级语文集体备课", kind="collective_prep", frequency="weekly",
                  starts_on=soon.date(), until=soon.date() + datetime.timedelta(weeks=3),
                  start_time=datetime.time(14, 30))
    # her two resources asked to be public: one approved, one sent back with a comment, in the Wagtail admin
    moderator = Client()
    moderator.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=member.school))
    for title, action, comment in (("秋天的雨 课件", "approve", ""), ("古诗三首 教案", "reject", "请补充教学目标")):
        resource = ResourceFactory(title=title, visibility="school", school=member.school, uploaded_by=member)
        resource_submit_for_moderation(resource=resource, user=member)
        task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
        url = reverse("wagtailsnippets_resources_resource:workflow_action", args=[resource.pk, action, task_state.pk])
        assert moderator.post(url, {"comment": comment}).status_code == 302
    # and an @mention inside a review comment
    from research.tests.test_reviews import ready_asset
    review = review_create(group=group, user=leader, title="评课：秋天的雨", asset=ready_asset(leader))
    comment_add(review=review, user=leader, at=30, body="这里的提问很好，@张芳 可以借鉴")
    first = group.activities.order_by("starts_at").first()

    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/research/notifications/")
        text = page.inner_text("main")
        assert "三年级语文集体备课" in text and "4" in text  # the new series, its dates
        assert "“秋天的雨 课件”已通过审核" in text
        assert "“古诗三首 教案”被退回修改" in text and "请补充教学目标" in text
        assert "评课：秋天的雨" in text and "00:30" in text
        assert page.locator(".topbar .count-badge").inner_text() == "4"
        screenshot(page, "walkthrough-notifications")
        page.goto(f"{live_server.url}/research/activities/{first.pk}/")
        assert "签到" in page.inner_text(".sign-in-opens") and "13:30" in page.inner_text(".sign-in-opens")
        screenshot(page, "walkthrough-sign-in-opens")


def test_a_mention_of_someone_not_in_the_group_is_said_where_the_page_lands(live_server):
    group, leader, _member = _group_with_people()
    thread = thread_create(group=group, author=leader, title="试讲安排", body="\n".join(["课件请大家看看"] * 30))
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", f"/research/threads/{thread.pk}/")
        page.fill("#post-body", "@赵老师 也来看看")
        page.click("#composer button[type=submit]")
        page.wait_for_url("**#composer")
        warning = page.locator("#composer .notice")
        assert "赵老师" in warning.inner_text()
        box = warning.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], "in view where the page lands"
        screenshot(page, "walkthrough-mention-warning")


def test_the_admin_dashboard_asks_no_other_site(live_server):
    from urllib.parse import urlsplit

    UserFactory(username="admin2", is_staff=True, is_superuser=True)
    with phone_page() as page:
        asked = []
        page.on("request", lambda request: asked.append(request.url))
        sign_in(page, live_server.url, "admin2", "/admin/")
        page.wait_for_load_state("networkidle")
        here = urlsplit(live_server.url).netloc
        elsewhere = [url for url in asked if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != here]
        assert not elsewhere, elsewhere  # no update check (releases.wagtail.org), no avatar service: closed networks
        assert "releases.wagtail.org" not in page.content()
        screenshot(page, "walkthrough-admin-dashboard")
