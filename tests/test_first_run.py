"""A first run, as a new visitor meets it: `load_demo_data` on a fresh database makes real lessons through the
real pipeline, and an anonymous visitor on a 360x640 phone reaches a playing lesson and the public teaching
research (page and calendar feed) from the home page in a few taps, without seeing anything private.
Screenshots in test-artifacts/first-run-*.png."""
from io import StringIO

import pytest
from django.core.management import call_command
from icalendar import Calendar

from media_pipeline.models import MediaAsset
from research.models import LessonReview, ResearchGroup
from resources.models import Resource
from tests.browser import PHONE, phone_page, screenshot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.ffmpeg, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# What the demo keeps inside its group: a thread, its members' names beyond the presenter, review comments,
# observation notes, a mentorship's goals, and the minutes of an activity that was not published.
PRIVATE = ("第二次试讲安排", "张芳", "王静", "停顿的斜线标得清楚", "朗读指导细致", "区级公开课", "与期中考试冲突")


def _no_private(text, where):
    for words in PRIVATE:
        assert words not in text, f"{words!r} is private but shows on {where}"


def test_a_visitor_reaches_a_playing_lesson_and_the_public_research_from_the_home_page(served, tmp_path):
    out = StringIO()
    call_command("load_demo_data", shared_dir=str(tmp_path / "absent"), allow_without_debug=True, stdout=out)
    assert "示例课程" in out.getvalue()
    lessons = Resource.objects.filter(external_id__startswith="demo-lesson:")
    assert lessons.count() == 3
    # (tasks run eagerly in the tests: the worker of `make run` does the same in the background)
    for lesson in lessons:
        assert lesson.live and lesson.chapter_id and lesson.media_asset.state == MediaAsset.State.READY, lesson.title
        assert "240p" in {v["name"] for v in lesson.media_asset.variants}
    made = lessons.get(external_id="demo-lesson:autumn-rain")
    assert made.captions and made.lesson_title.endswith("秋天的雨") and made.media_asset.has_video
    assert {v["name"] for v in made.media_asset.variants} == {"audio", "240p", "360p"}
    review = LessonReview.objects.get(resource=made)
    assert review.comments.count() == 3 and review.activity.is_published
    group = ResearchGroup.objects.get(name="三年级语文联合教研组")
    assert group.is_private

    url = served()
    with phone_page() as page:
        page.goto(url + "/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "first-run-home")
        _no_private(page.inner_text("body"), "the home page")

        # two taps: a lesson card, then play
        page.click(f".lesson-cards a[href='/lessons/{made.pk}/']")
        page.wait_for_url(f"**/lessons/{made.pk}/")
        _no_private(page.inner_text("body"), "the lesson page")
        page.evaluate("document.getElementById('lesson-video').muted = true")
        page.click("#lesson-play")
        wait_for(lambda: page.evaluate("document.getElementById('lesson-video').currentTime > 2"), 60, page)
        assert page.locator("track[kind=captions]").count() == 1
        screenshot(page, "first-run-lesson-playing")

        # two taps: the group's public page, then its calendar feed
        page.goto(url + "/")
        page.click(f".showcase .public-groups a[href='/research/groups/{group.pk}/public/']")
        page.wait_for_url(f"**/research/groups/{group.pk}/public/")
        text = page.inner_text("main")
        assert "城乡联合示范课：《古诗三首》" in text and "乡村中心小学 多媒体教室" in text  # to come: place, agenda
        assert "两校 26 位教师参加" in text  # held: minutes
        assert page.locator(f".recordings a[href='/lessons/{made.pk}/']").count() == 1  # and its recording
        assert "李伟" in text  # the presenter
        _no_private(text, "the public page")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "first-run-public-research")
        feed = page.request.get(url + page.get_attribute("a.calendar-feed", "href"))
        assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = [e for e in Calendar.from_ical(feed.body()).walk("VEVENT")]
        assert {str(e["summary"]).split(" · ")[0] for e in events} == {
            "城乡联合示范课：《秋天的雨》朗读指导", "城乡联合示范课：《古诗三首》", "三年级语文集体备课"}
        _no_private(feed.text(), "the calendar feed")
        assert all(f"/research/groups/{group.pk}/public/#activity-" in str(e["url"]) for e in events)

        # the list of every public activity, one tap from the home page too
        page.goto(url + "/research/public/")
        _no_private(page.inner_text("main"), "/research/public/")
        screenshot(page, "first-run-showcase")
        # the group itself stays closed: a visitor is shown its public page instead
        page.goto(url + f"/research/groups/{group.pk}/")
        assert page.url.endswith(f"/research/groups/{group.pk}/public/")
