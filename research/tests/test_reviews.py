"""Time-coded lesson review (评课): the default LICC scale, comments anchored to a moment of the video,
who may see them, hostile text, and blind scoring — through the services and over HTTP."""
import re

import pytest
from django.urls import reverse

from media_pipeline.models import MediaAsset
from research.exceptions import NotAMemberError, ResearchError
from research.models import LessonReview, ObservationRecord, ObservationScale, ReviewComment, ScalePoint
from research.moments import moment_label, moment_parse
from research.selectors.observations import scale_dimensions
from research.services.observations import LICC_SCALE_NAME, record_save, scale_default, scale_default_ensure
from research.services.reviews import comment_add, review_create
from resources.models import Resource, ResourceType
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services_speak_english")]


def ready_asset(owner, *, duration=120.0, title="《秋天的雨》课堂实录"):
    """A processed recording (no FFmpeg needed: the page only needs its ladder's URLs and duration)."""
    return MediaAsset.objects.create(
        owner=owner, title=title, source_path="/nowhere/lesson.mp4", state=MediaAsset.State.READY,
        duration=duration, width=640, height=360, has_video=True, has_audio=True,
        variants=[{"name": "240p", "playlist": "240p/index.m3u8", "bandwidth": 180000}],
    )


@pytest.fixture
def review(people):
    asset = ready_asset(people.leader)
    return review_create(group=people.group, user=people.leader, title="《秋天的雨》第一课时", asset=asset,
                         teacher=people.leader)


def page(review):
    return reverse("research:review", args=[review.pk])


def comments_url(review):
    return reverse("research:review_comments", args=[review.pk])


def all_scores(review, value):
    return {f"score_{p.pk}": str(value) for p in ScalePoint.objects.filter(scale=review.scale)}


# -- the default scale ---------------------------------------------------------------------------

def test_the_licc_scale_is_there_by_default_with_its_20_points():
    scale = ObservationScale.objects.get(is_default=True)
    assert scale.name == LICC_SCALE_NAME
    points = list(ScalePoint.objects.filter(scale=scale).order_by("position"))
    assert len(points) == 20
    assert [d.name for d in scale_dimensions(scale)] == ["学生学习", "教师教学", "课程性质", "课堂文化"]
    assert [p.label for p in points[:5]] == ["准备", "倾听", "互动", "自主", "达成"]
    assert [p.label for p in points[15:]] == ["思考", "民主", "创新", "关爱", "特质"]
    assert {p.max_score for p in points} == {5}
    # running it again changes nothing, and it comes back when deleted
    scale_default_ensure()
    assert ScalePoint.objects.filter(scale=scale).count() == 20
    ScalePoint.objects.filter(scale=scale).delete()
    scale.delete()
    again = scale_default()
    assert again.is_default and again.points.count() == 20


def test_a_scale_is_configured_in_the_admin(client, people):
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    licc = ObservationScale.objects.get(is_default=True)
    change = client.get(f"/django-admin/research/observationscale/{licc.pk}/change/")
    assert change.status_code == 200 and "倾听" in change.content.decode()
    added = client.post("/django-admin/research/observationscale/add/", {
        "name": "简易听课表", "description": "", "points-TOTAL_FORMS": "2", "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0", "points-MAX_NUM_FORMS": "1000",
        "points-0-position": "1", "points-0-dimension": "教学", "points-0-label": "目标明确", "points-0-max_score": "10",
        "points-1-position": "2", "points-1-dimension": "学生", "points-1-label": "参与面广", "points-1-max_score": "10",
    })
    assert added.status_code == 302, added.content.decode()[:2000]
    scale = ObservationScale.objects.get(name="简易听课表")
    assert [(p.label, p.max_score) for p in scale.points.order_by("position")] == [("目标明确", 10), ("参与面广", 10)]


# -- moments -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("01:30", 90), ("1:30", 90), ("0:00", 0), ("1:02:03", 3723), ("90", 90), ("12.5", 12.5), ("01：30", 90),
    (" 2:05 ", 125),
])
def test_moments_are_read_as_minutes_and_seconds(text, seconds):
    assert moment_parse(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:75", "1:60:00", "nan", "1:2:3:4"])
def test_a_moment_that_is_not_one_is_refused_with_a_sentence(text):
    with pytest.raises(ResearchError):
        moment_parse(text)


def test_moment_labels():
    assert moment_label(90) == "01:30"
    assert moment_label(90.7) == "01:30"
    assert moment_label(3723) == "1:02:03"


# -- making a review -----------------------------------------------------------------------------

def test_a_member_starts_a_review_of_their_own_video(client, people):
    asset = ready_asset(people.member, title="我的示范课")
    other = ready_asset(people.outsider, title="别人的视频")
    client.force_login(people.member)
    new = reverse("research:review_new", args=[people.group.pk])
    form = client.get(new)
    assert form.status_code == 200
    text = form.content.decode()
    assert "我的示范课" in text and "别人的视频" not in text
    refused = client.post(new, {"video": f"asset-{other.pk}", "title": "", "teacher": "", "scale": ""})
    assert refused.status_code == 400 and not LessonReview.objects.exists()
    made = client.post(new, {"video": f"asset-{asset.pk}", "title": "", "teacher": str(people.member.pk),
                             "scale": str(scale_default().pk)})
    review = LessonReview.objects.get()
    assert made.status_code == 302 and made["Location"] == page(review)
    assert review.title == "我的示范课" and review.teacher == people.member and review.created_by == people.member
    assert review.scale.is_default and review.asset == asset


def test_a_review_of_a_video_resource_the_member_can_see(people):
    asset = ready_asset(people.outsider, title="公开课实录")
    resource = ResourceFactory(title="《秋天的雨》公开课", resource_type=ResourceType.RECORDING, media_asset=asset,
                               visibility=Resource.Visibility.PUBLIC, live=True)
    review = review_create(group=people.group, user=people.guest, title="", resource=resource)
    assert review.asset == asset and review.title == "《秋天的雨》公开课"
    hidden = ResourceFactory(title="私有实录", resource_type=ResourceType.RECORDING, media_asset=ready_asset(people.outsider),
                             visibility=Resource.Visibility.PRIVATE, uploaded_by=people.outsider)
    with pytest.raises(ResearchError):
        review_create(group=people.group, user=people.guest, title="", resource=hidden)


def test_a_video_still_processing_cannot_be_reviewed(people):
    asset = ready_asset(people.leader)
    MediaAsset.objects.filter(pk=asset.pk).update(state=MediaAsset.State.PROCESSING)
    asset.refresh_from_db()
    with pytest.raises(ResearchError, match="still being processed"):
        review_create(group=people.group, user=people.leader, title="x", asset=asset)


def test_only_members_make_reviews(people):
    with pytest.raises(NotAMemberError):
        review_create(group=people.group, user=people.outsider, title="x", asset=ready_asset(people.outsider))


# -- time-coded comments -------------------------------------------------------------------------

def test_a_guest_expert_reviews_a_lesson_with_time_coded_comments(client, people, review):
    client.force_login(people.guest)
    listed = client.get(reverse("research:reviews", args=[people.group.pk]))
    assert listed.status_code == 200 and "《秋天的雨》第一课时" in listed.content.decode()
    shown = client.get(page(review))
    assert shown.status_code == 200
    assert 'id="review-video"' in shown.content.decode() and review.asset.master_url in shown.content.decode()

    # without a script: a form post, sent back to the page
    posted = client.post(comments_url(review), {"at": "01:30", "body": "学生小组讨论时，教师巡视指导到位。", "point": ""})
    first = ReviewComment.objects.get()
    assert posted.status_code == 302 and posted["Location"] == page(review) + f"#comment-{first.pk}"
    assert first.at_seconds == 90 and first.author == people.guest

    # with the page's script: JSON in and out, tagged with an observation point
    listen = ScalePoint.objects.get(scale=review.scale, label="倾听")
    made = client.post(comments_url(review), {"at": "00:45", "body": "导入环节学生倾听专注。", "point": str(listen.pk)},
                       HTTP_ACCEPT="application/json")
    assert made.status_code == 201
    assert made.json()["comment"]["at_label"] == "00:45" and made.json()["comment"]["point"]["id"] == listen.pk

    data = client.get(comments_url(review)).json()
    assert data["duration"] == 120
    assert [(c["at_seconds"], c["author"]) for c in data["comments"]] == [(45, "王静"), (90, "王静")]
    assert "score" not in str(data).lower()

    html = client.get(page(review)).content.decode()
    markers = re.findall(r'<button type="button" class="marker" style="left: ([0-9.]+)%" data-seek="([0-9.]+)"'
                         r' data-comment="\d+" aria-label="([^"]+)"', html)
    assert [(float(left), float(at)) for left, at, _label in markers] == [(37.5, 45), (75, 90)]
    assert markers[1][2].startswith("01:30 王静: 学生小组讨论时")
    assert html.index("导入环节学生倾听专注") < html.index("学生小组讨论时")  # the list is in video order
    assert 'data-seek="90.000000"' in html


def test_a_comment_at_a_moment_beyond_the_video_is_refused(english, people, review):
    client = english
    client.force_login(people.member)
    refused = client.post(comments_url(review), {"at": "02:01", "body": "这里有一个提问。", "point": ""})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "The video is only 02:00 long, so there is no moment 02:01" in text
    assert "这里有一个提问。</textarea>" in text and 'value="02:01"' in text  # what was typed is still there
    as_json = client.post(comments_url(review), {"at": "5:00", "body": "x"}, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 400 and "02:00" in as_json.json()["error"]
    with pytest.raises(ResearchError):
        comment_add(review=review, user=people.member, at=-1, body="x")
    assert not ReviewComment.objects.exists()
    # the very end is a moment of the video
    comment_add(review=review, user=people.member, at="02:00", body="总结到位。")


def test_empty_and_oversized_comments_are_refused(people, review):
    with pytest.raises(ResearchError, match="Write a comment"):
        comment_add(review=review, user=people.member, at="00:10", body="   ")
    with pytest.raises(ResearchError, match="at most 2000"):
        comment_add(review=review, user=people.member, at="00:10", body="很" * 2001)
    comment_add(review=review, user=people.member, at="00:10", body="很" * 2000)


def test_a_point_of_another_scale_is_refused(people, review):
    other = ObservationScale.objects.create(name="另一张表")
    point = ScalePoint.objects.create(scale=other, dimension="d", label="l")
    with pytest.raises(ResearchError, match="not on this review"):
        comment_add(review=review, user=people.member, at="00:10", body="x", point=point)


def test_a_non_member_gets_404_and_sees_no_comment(client, people, review):
    comment_add(review=review, user=people.guest, at="01:30", body="秘密的评语")
    record = record_save(observer=people.member, review=review, scores={}, submit=False)
    client.force_login(people.outsider)
    urls = [
        reverse("research:reviews", args=[people.group.pk]),
        reverse("research:review_new", args=[people.group.pk]),
        page(review),
        comments_url(review),
        reverse("research:review_scores", args=[review.pk]),
        reverse("research:observations", args=[people.group.pk]),
        reverse("research:observation_new", args=[people.group.pk]),
        reverse("research:observation", args=[record.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "秘密的评语" not in response.content.decode()
    posted = client.post(comments_url(review), {"at": "00:10", "body": "我也来评"}, HTTP_ACCEPT="application/json")
    assert posted.status_code == 404 and ReviewComment.objects.count() == 1
    assert client.post(reverse("research:review_score", args=[review.pk]), all_scores(review, 3)).status_code == 404
    # and someone signed out is sent to sign in
    client.logout()
    assert client.get(page(review)).status_code == 302


def test_hostile_comment_text_comes_out_escaped(client, people, review):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> <a href="javascript:alert(2)">看</a>'
    client.force_login(people.guest)
    assert client.post(comments_url(review), {"at": "00:30", "body": hostile}).status_code == 302
    assert ReviewComment.objects.get().body == hostile  # kept as typed: it is plain text
    html = client.get(page(review)).content.decode()
    assert '<script>alert("x")' not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    # the JSON carries the text, which the page's script puts in with textContent
    assert client.get(comments_url(review)).json()["comments"][0]["body"] == hostile


# -- blind scoring -------------------------------------------------------------------------------

def test_observers_see_the_others_scores_only_after_submitting_their_own(english, people, review):
    client = english
    scores_json = reverse("research:review_scores", args=[review.pk])
    score_url = reverse("research:review_score", args=[review.pk])

    # the member scores everything 4, with a note, and submits
    client.force_login(people.member)
    done = client.post(score_url, {**all_scores(review, 4), "notes": "张芳的总体意见", "action": "submit"})
    assert done.status_code == 302
    assert ObservationRecord.objects.get(observer=people.member).submitted_at is not None

    # the guest expert has not scored: the count only, never the scores
    client.force_login(people.guest)
    html = client.get(page(review)).content.decode()
    assert "1 other observer has submitted their scores" in html
    assert 'id="score-summary"' not in html and "张芳的总体意见" not in html and "张芳" not in html
    data = client.get(scores_json).json()
    assert data == {"others_submitted": 1, "can_see_all": False, "own": None, "records": [], "averages": []}

    # a draft is theirs alone and still shows nothing of the others
    assert client.post(score_url, {**all_scores(review, 2), "notes": "王静草稿", "action": "draft"}).status_code == 302
    data = client.get(scores_json).json()
    assert data["records"] == [] and data["own"]["submitted"] is False and set(data["own"]["scores"].values()) == {2}
    assert 'id="score-summary"' not in client.get(page(review)).content.decode()

    # out of range: a sentence, nothing saved, the typed values still on the form
    point = ScalePoint.objects.filter(scale=review.scale).order_by("position").first()
    bad = client.post(score_url, {**all_scores(review, 2), f"score_{point.pk}": "7", "action": "submit"})
    assert bad.status_code == 400
    assert "The score for 学生学习 · 准备 must be between 0 and 5; 7 is out of range." in bad.content.decode()
    assert 'value="7" checked' in bad.content.decode()
    assert ObservationRecord.objects.get(observer=people.guest).submitted_at is None
    with pytest.raises(ResearchError):
        record_save(observer=people.guest, review=review, scores={point.pk: 6})

    # the member, already submitted, does not see the guest's draft
    client.force_login(people.member)
    data = client.get(scores_json).json()
    assert data["can_see_all"] and [r["observer"] for r in data["records"]] == ["张芳"]

    # the guest submits: now everyone's scores and the averages
    client.force_login(people.guest)
    assert client.post(score_url, {**all_scores(review, 2), "notes": "王静意见", "action": "submit"}).status_code == 302
    html = client.get(page(review)).content.decode()
    assert 'id="score-summary"' in html and "张芳的总体意见" in html and "2 observers submitted scores." in html
    data = client.get(scores_json).json()
    assert sorted((r["observer"], r["total"], r["percent"]) for r in data["records"]) == [("张芳", 80, 80.0), ("王静", 40, 40.0)]
    assert {a["average"] for a in data["averages"]} == {3.0} and len(data["averages"]) == 20

    # a submitted record is final
    again = client.post(score_url, {**all_scores(review, 5), "action": "submit"})
    assert again.status_code == 400 and "can no longer be changed" in again.content.decode()
    assert ObservationRecord.objects.get(observer=people.guest).scores.filter(score=5).count() == 0


def test_the_reviewed_teacher_who_does_not_score_sees_the_summary(client, people, review):
    record_save(observer=people.member, review=review, scores={p.pk: 3 for p in review.scale.points.all()},
                submit=True)
    client.force_login(people.leader)  # the teacher of the lesson
    html = client.get(page(review)).content.decode()
    assert 'id="score-summary"' in html and 'id="score-form"' not in html
    assert client.get(reverse("research:review_scores", args=[review.pk])).json()["records"][0]["total"] == 60


def test_submitting_with_points_left_keeps_a_draft(english, people, review):
    client = english
    client.force_login(people.member)
    points = list(review.scale.points.order_by("position"))
    sent = {f"score_{points[0].pk}": "5", f"note_{points[0].pk}": "准备充分", f"note_{points[1].pk}": "还没看到",
            "notes": "第一遍", "action": "submit"}
    response = client.post(reverse("research:review_score", args=[review.pk]), sent, follow=True)
    assert "Give every point a score before you submit: 19 of 20 have none yet" in response.content.decode()
    record = ObservationRecord.objects.get(observer=people.member)
    assert record.submitted_at is None and record.scores.get().score == 5 and record.scores.get().note == "准备充分"
    assert "还没看到" in record.notes  # a note without a score is not lost
    # the page comes back with the draft on the form
    assert 'value="5" checked' in response.content.decode() and "准备充分" in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_video_made_into_a_resource_is_offered_once_by_its_title(client, people, live_server, settings):
    from tests.browser import PHONE, phone_page, screenshot

    uploaded = ready_asset(people.member, title="VID_20261204_0931.mp4")
    ResourceFactory(title="《秋天的雨》第二次试讲", resource_type=ResourceType.RECORDING, media_asset=uploaded,
                    visibility=Resource.Visibility.SCHOOL, school=people.school, uploaded_by=people.member, live=True)
    ready_asset(people.member, title="只是上传的录像.mp4")  # not made into a resource: offered as it is
    client.force_login(people.member)
    with phone_page() as page:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        page.goto(f"{live_server.url}/research/groups/{people.group.pk}/reviews/new/?asset={uploaded.pk}")
        text = page.inner_text("main")
        assert text.count("《秋天的雨》第二次试讲") == 1 and "VID_20261204_0931" not in text
        assert "只是上传的录像" in text
        assert page.locator("input[name=video]:checked").get_attribute("value").startswith("resource-")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "review-new-one-entry-per-video-360x640")
