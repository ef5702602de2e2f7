"""A lesson review on a phone (360×640): a real recording goes through the pipeline, a comment is added
at 01:30, its marker appears on the timeline, and a tap on the marker puts the player at 01:30."""
import pytest

from media_pipeline.models import MediaAsset
from media_pipeline.services import media_asset_create
from media_pipeline.tests.conftest import lavfi_clip
from research.models import GroupMembership, ReviewComment
from research.services.observations import scale_default
from research.services.reviews import review_create
from tests.browser import PHONE, phone_page, screenshot
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, UserFactory


@pytest.mark.ffmpeg
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_comment_at_01_30_gets_a_marker_that_jumps_there(live_server, media_root, tmp_path):
    teacher = UserFactory(username="liwei", full_name="李伟")
    expert = UserFactory(username="wangjing", full_name="王静")
    group = ResearchGroupFactory(name="三年级语文教研组")
    GroupMembershipFactory(group=group, user=teacher, role=GroupMembership.Role.LEADER)
    GroupMembershipFactory(group=group, user=expert, role=GroupMembership.Role.GUEST_EXPERT)

    # a 105-second lesson, tiny so the ladder is quick, through the real pipeline (Celery runs eagerly)
    source = lavfi_clip(tmp_path / "lesson.mp4", seconds=105, size="192x108", rate=10)
    asset = media_asset_create(owner=teacher, source_path=source, title="《秋天的雨》课堂实录")
    asset.refresh_from_db()
    assert asset.state == MediaAsset.State.READY, asset.error_detail
    assert 104 <= asset.duration <= 106
    review = review_create(group=group, user=teacher, title="《秋天的雨》第一课时", asset=asset, teacher=teacher)

    with phone_page() as page:
        page.goto(f"{live_server.url}/accounts/login/?next=/research/reviews/{review.pk}/")
        page.fill("input[name=username]", "wangjing")
        page.fill("input[name=password]", "correct horse 42")
        page.click("button[type=submit]")
        page.wait_for_url(f"**/research/reviews/{review.pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.fill("#comment-at", "01:30")
        page.fill("#comment-body", "学生小组讨论，教师巡视并个别指导。")
        page.select_option("#comment-point", label="教师教学 · 指导")
        page.click("#comment-send")
        marker = page.locator(".marker")
        marker.wait_for()
        assert marker.count() == 1
        assert marker.get_attribute("aria-label").startswith("01:30 王静: 学生小组讨论")
        assert page.url.endswith(f"/research/reviews/{review.pk}/")  # no reload: the script posted it
        assert page.locator("#comment-list .comment .moment").inner_text() == "01:30"
        # the marker sits at 90/105 of the timeline
        box, bar = marker.bounding_box(), page.locator("#timeline").bounding_box()
        assert abs((box["x"] + box["width"] / 2 - bar["x"]) / bar["width"] - 90 / asset.duration) < 0.02

        marker.click()
        page.wait_for_function("() => { const v = document.getElementById('review-video');"
                               " return v.readyState >= 2 && !v.seeking && Math.abs(v.currentTime - 90) < 1; }", timeout=30_000)
        assert abs(page.evaluate("document.getElementById('review-video').currentTime") - 90) < 1
        assert page.locator("#comment-list .comment.current").count() == 1
        # and it plays on from there (muted: a page may not start sound by itself)
        page.evaluate("() => { const v = document.getElementById('review-video'); v.muted = true; return v.play(); }")
        page.wait_for_function("() => document.getElementById('review-video').currentTime > 91", timeout=30_000)
        page.evaluate("document.getElementById('review-video').pause()")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "lesson-review-360x640")

        # after a reload the marker is drawn by the page itself, and the list's time link jumps too
        page.reload()
        page.locator(".marker").wait_for()
        page.evaluate("document.getElementById('review-video').currentTime = 0")
        page.locator("#comment-list .moment").click()
        page.wait_for_function("() => Math.abs(document.getElementById('review-video').currentTime - 90) < 1",
                               timeout=30_000)

    # (the database is read outside the browser block: Playwright's loop makes Django refuse queries in it)
    comment = ReviewComment.objects.get()
    assert comment.at_seconds == 90 and comment.author == expert and comment.point.label == "指导"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_observation_record_is_filled_in_on_a_phone(live_server):
    observer = UserFactory(username="zhangfang", full_name="张芳")
    observed = UserFactory(username="liwei", full_name="李伟")
    group = ResearchGroupFactory(name="三年级语文教研组")
    GroupMembershipFactory(group=group, user=observer, role=GroupMembership.Role.MEMBER)
    GroupMembershipFactory(group=group, user=observed, role=GroupMembership.Role.LEADER)
    points = list(scale_default().points.order_by("position"))

    with phone_page() as page:
        page.goto(f"{live_server.url}/accounts/login/?next=/research/groups/{group.pk}/observations/new/")
        page.fill("input[name=username]", "zhangfang")
        page.fill("input[name=password]", "correct horse 42")
        page.click("button[type=submit]")
        page.wait_for_url(f"**/research/groups/{group.pk}/observations/new/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.select_option("#teacher", label="李伟")
        page.fill("#lesson_title", "《秋天的雨》第一课时")
        for point, score in zip(points[:3], ("4", "5", "3")):  # tap the score buttons
            page.locator(f"label:has(input[name=score_{point.pk}][value='{score}'])").tap()
        screenshot(page, "observation-form-360x640")
        page.click("button[value=draft]")
        page.wait_for_url("**/research/observations/*/edit/")
        for point, score in zip(points[:3], ("4", "5", "3")):
            assert page.locator(f"input[name=score_{point.pk}][value='{score}']").is_checked()
        assert page.input_value("#lesson_title") == "《秋天的雨》第一课时"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    from research.models import ObservationRecord

    draft = ObservationRecord.objects.get()
    assert draft.submitted_at is None and draft.teacher == observed
    assert sorted(draft.scores.values_list("score", flat=True)) == [3, 4, 5]
