"""Cross-school review (issue 20): a video a teacher of the supported school shared with her school only (本校) and
brought into her pairing group's 评课 is watched by the group's leader in the supporting school, on the lesson page
with every file; nobody else gets more than our 404, and once the review is gone neither does the leader. 360x640,
screenshots test-artifacts/walkthrough-review-*.png. Through the real app server (gunicorn)."""
import pytest

from research.models import GroupMembership, LessonReview
from research.services.reviews import review_create
from resources.models import Resource
from tests.browser import phone_page, screenshot, sign_in, wait_for
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, SchoolPairingFactory, UserFactory
from tests.test_browser_player import NO_NATIVE_HLS, transcoded_lesson

pytestmark = [pytest.mark.ffmpeg, pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
VIDEO = "document.getElementById('lesson-video')"


def test_the_supporting_schools_leader_watches_a_本校_video_brought_into_the_groups_review(served, media_root, tmp_path):
    pairing = SchoolPairingFactory()
    lesson, asset, rungs = transcoded_lesson(tmp_path, seconds=8)
    leader = lesson.uploaded_by  # liwei, moved to the supporting school
    leader.school = pairing.supporting
    leader.save()
    teacher = UserFactory(username="zhangfang", full_name="张芳", school=pairing.supported)
    asset.owner = teacher
    asset.save(update_fields=["owner"])
    Resource.objects.filter(pk=lesson.pk).update(uploaded_by=teacher, school=pairing.supported,
                                                 visibility=Resource.Visibility.SCHOOL)
    group = ResearchGroupFactory(name="三年级语文联合教研组", pairing=pairing)
    GroupMembershipFactory(group=group, user=leader, role=GroupMembership.Role.LEADER)
    GroupMembershipFactory(group=group, user=teacher)
    UserFactory(username="colleague", school=pairing.supporting)  # the leader's colleague, not in the group
    lesson.refresh_from_db()
    review = review_create(group=group, user=teacher, title="《秋天的雨》评课", resource=lesson, teacher=teacher)
    base = served()  # the real app server: Django's test server would hand out /media/ files to anyone
    files = [asset.master_url, f"/media/hls/{asset.uid}/{rungs[0]['name']}/index.m3u8", asset.poster_url]

    with phone_page() as page:
        page.add_init_script(NO_NATIVE_HLS)
        sign_in(page, base, "liwei", f"/research/reviews/{review.pk}/")
        page.click(f".review-links a[href$='/lessons/{lesson.pk}/']")
        page.wait_for_url(f"**/lessons/{lesson.pk}/")
        assert page.request.get(base + asset.poster_url).status == 200
        page.evaluate(f"{VIDEO}.muted = true")
        page.click("#lesson-play")
        wait_for(lambda: page.evaluate(f"{VIDEO}.currentTime") > 1, 60, page)
        screenshot(page, "walkthrough-review-leader-plays")
        assert page.goto(f"{base}/resources/{lesson.pk}/").status == 200

    with phone_page() as page:
        sign_in(page, base, "colleague", "/")
        response = page.goto(f"{base}/lessons/{lesson.pk}/")
        assert response.status == 404 and "秋天的雨" not in page.content()
        assert "找不到" in page.inner_text("main") or "不存在" in page.inner_text("main"), "our 404, in Chinese"
        screenshot(page, "walkthrough-review-outsider-404")
        for url in files:
            answer = page.request.get(base + url)
            assert answer.status == 404, (url, answer.headers, answer.text()[:300])

    LessonReview.objects.filter(pk=review.pk).delete()
    with phone_page() as page:
        sign_in(page, base, "liwei", "/")
        assert page.goto(f"{base}/lessons/{lesson.pk}/").status == 404
        assert page.request.get(base + asset.poster_url).status == 404
