"""Polishing rounds (磨课) and parallel lessons (同课异构), through the services and over HTTP: three trials
with the lesson-plan diff, open points carried until resolved, hostile plan text escaped, who may add
rounds, two designs side by side with one the reader may not see, and 404 for non-members everywhere."""
import datetime

import pytest
from django.urls import reverse

from research.exceptions import NotAllowedError, NotAMemberError, PolishingError
from research.models import OpenPoint, ParallelLessons, PolishingRecord, PolishingRound
from research.selectors.polishing import plan_diff, round_points
from research.services.polishing import (
    parallel_create,
    point_raise,
    point_resolve,
    polishing_record_create,
    polishing_round_add,
    resource_id_from_text,
)
from resources.models import Resource
from tests.factories import ResourceFactory, UserFactory

# the sentences are checked in English (the zh-hans translations come later)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "services_speak_english")]

PLAN_1 = "一、导入：出示荷花图片\n二、初读课文\n三、学习生字\n四、朗读第二段\n五、小结\n六、作业：抄写生字"
PLAN_2 = "一、导入：播放荷花视频\n二、初读课文\n三、学习生字\n四、朗读第二段\n五、小结\n六、作业：抄写生字"
PLAN_3 = "一、导入：播放荷花视频\n二、初读课文\n三、学习生字\n四、朗读第二段\n四之二、想象写话：我就是一朵荷花\n五、小结"


@pytest.fixture
def record(people):
    return polishing_record_create(group=people.group, user=people.leader, title="《荷花》第二课时",
                                   teacher=people.member)


def test_three_trials_show_the_lines_added_and_removed_between_plans(client, people, record):
    first = polishing_round_add(record=record, user=people.member, taught_on=datetime.date(2026, 3, 2),
                                lesson_plan=PLAN_1)
    client.force_login(people.member)
    # Adding trial 2 starts from trial 1's plan, to edit.
    form = client.get(reverse("research:polishing_round_new", args=[record.pk]))
    assert form.status_code == 200
    assert "一、导入：出示荷花图片\n二、初读课文" in form.content.decode()
    response = client.post(reverse("research:polishing_round_new", args=[record.pk]), {
        "taught_on": "2026-03-09", "lesson_plan": PLAN_2, "summary": "导入改用视频", "asset": "", "review": "", "points": "",
    })
    second = record.rounds.get(number=2)
    assert response.status_code == 302 and response["Location"] == reverse("research:polishing_round", args=[record.pk, 2])
    third = polishing_round_add(record=record, user=people.leader, lesson_plan=PLAN_3, summary="加入想象写话")
    assert [first.number, second.number, third.number] == [1, 2, 3]

    html = client.get(reverse("research:polishing_round", args=[record.pk, 2])).content.decode()
    assert '<li class="diff-removed"><del><span class="visually-hidden">Removed: </span>一、导入：出示荷花图片</del></li>' in html
    assert "一、导入：播放荷花视频</ins>" in html
    assert "导入改用视频" in html

    html = client.get(reverse("research:polishing", args=[record.pk])).content.decode()  # the latest trial
    assert "四之二、想象写话：我就是一朵荷花</ins>" in html
    assert "六、作业：抄写生字</del>" in html
    assert "一、导入：播放荷花视频</ins>" not in html and "一、导入：播放荷花视频</del>" not in html
    assert '<li class="diff-same">四、朗读第二段</li>' in html  # context around the change

    lines = plan_diff(PLAN_2, PLAN_3)
    assert [(line.kind, line.text) for line in lines if line.kind in ("added", "removed")] == [
        ("added", "四之二、想象写话：我就是一朵荷花"), ("removed", "六、作业：抄写生字"),
    ]
    assert lines[0].kind == "skipped" and lines[0].count == 2  # 一、二 left out; 三、四 kept as context


def test_a_long_unchanged_plan_is_folded_and_an_identical_one_says_so(client, people, record):
    long_plan = "\n".join(f"第{n}步" for n in range(1, 21))
    changed = long_plan.replace("第10步", "第10步：小组讨论")
    lines = plan_diff(long_plan, changed)
    assert [line.kind for line in lines] == ["skipped", "same", "same", "removed", "added", "same", "same", "skipped"]
    assert lines[0].count == 7 and lines[-1].count == 8
    polishing_round_add(record=record, user=people.member, lesson_plan=long_plan)
    polishing_round_add(record=record, user=people.member, lesson_plan=long_plan)
    client.force_login(people.guest)
    html = client.get(reverse("research:polishing", args=[record.pk])).content.decode()
    assert 'class="diff"' not in html
    assert "+0" in html and "−0" in html


def test_a_point_is_carried_from_trial_to_trial_until_a_trial_resolves_it(client, people, record):
    one = polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_1,
                              points=["提问太多，学生没有思考时间", ""])
    point = OpenPoint.objects.get(record=record)
    client.force_login(people.guest)  # any member raises points
    response = client.post(reverse("research:point_new", args=[one.pk]), {"text": "板书不清楚"})
    assert response.status_code == 302
    board = OpenPoint.objects.get(text="板书不清楚")
    # Resolved in the trial it was raised in: never carried.
    client.post(reverse("research:point_resolve", args=[board.pk]), {"round": one.pk})
    two = polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_2)
    three = polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_3)

    for trial in (two, three):
        points = round_points(polishing_round=trial)
        assert [p.pk for p in points.carried] == [point.pk]
        assert points.raised == [] and points.resolved == []
        html = client.get(reverse("research:polishing_round", args=[record.pk, trial.number])).content.decode()
        carried = html.split('class="point-list carried"')[1].split("</ul>")[0]
        assert "提问太多，学生没有思考时间" in carried and "still open" in carried
        assert "板书不清楚" not in carried

    response = client.post(reverse("research:point_resolve", args=[point.pk]), {"round": three.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("research:polishing_round", args=[record.pk, 3]) + f"#point-{point.pk}")
    point.refresh_from_db()
    assert point.resolved_in == three
    assert [p.pk for p in round_points(polishing_round=two).carried] == [point.pk]  # still open in trial 2
    at_three = round_points(polishing_round=three)
    assert [p.pk for p in at_three.carried] == [point.pk] and [p.pk for p in at_three.resolved] == [point.pk]
    four = polishing_round_add(record=record, user=people.leader, lesson_plan=PLAN_3)
    assert round_points(polishing_round=four).carried == []  # resolved before trial 4 began
    html = client.get(reverse("research:polishing_round", args=[record.pk, 3])).content.decode()
    resolved = html.split('class="point-list resolved-here"')[1].split("</ul>")[0]
    assert "提问太多，学生没有思考时间" in resolved

    # Resolving twice, or before the trial it was raised in, is refused with a sentence.
    with pytest.raises(PolishingError, match="already resolved in trial 3"):
        point_resolve(point=point, polishing_round=four, user=people.member)
    late = point_raise(polishing_round=three, user=people.member, text="结尾仓促")
    with pytest.raises(PolishingError, match="before the one it was raised in"):
        point_resolve(point=late, polishing_round=two, user=people.member)
    # Undo: open again, carried again.
    client.post(reverse("research:point_reopen", args=[point.pk]))
    assert [p.pk for p in round_points(polishing_round=four).carried] == [point.pk, late.pk]


def test_an_empty_or_too_long_point_is_refused_and_the_text_is_kept(client, people, record):
    one = polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_1)
    client.force_login(people.member)
    response = client.post(reverse("research:point_new", args=[one.pk]), {"text": "太长" * 300})
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 500 characters" in html
    assert "太长太长太长" in html  # what was typed comes back
    assert not OpenPoint.objects.exists()
    with pytest.raises(PolishingError):
        point_raise(polishing_round=one, user=people.member, text="   ")


def test_hostile_plan_text_is_escaped_in_the_diff_and_the_plan(client, people, record):
    polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_1)
    hostile = PLAN_1 + '\n<script>alert("x")</script>\n<img src=x onerror=alert(1)>'
    polishing_round_add(record=record, user=people.member, lesson_plan=hostile,
                        summary="<b onmouseover=alert(2)>bold</b>", points=["<script>alert(3)</script>"])
    client.force_login(people.leader)
    html = client.get(reverse("research:polishing_round", args=[record.pk, 2])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</ins>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;</ins>" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html


def test_only_the_teacher_or_the_leader_add_and_change_rounds(client, people, record):
    with pytest.raises(NotAllowedError):
        polishing_round_add(record=record, user=people.guest, lesson_plan="x")
    with pytest.raises(NotAMemberError):
        polishing_round_add(record=record, user=people.outsider, lesson_plan="x")
    client.force_login(people.guest)
    response = client.post(reverse("research:polishing_round_new", args=[record.pk]), {"lesson_plan": "x"})
    assert response.status_code == 403 and "teacher of this lesson" in response.content.decode()
    assert not record.rounds.exists()
    html = client.get(reverse("research:polishing", args=[record.pk])).content.decode()
    assert reverse("research:polishing_round_new", args=[record.pk]) not in html

    one = polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_1)
    client.force_login(people.leader)
    response = client.post(reverse("research:polishing_round_edit", args=[one.pk]), {
        "taught_on": "not a date", "lesson_plan": PLAN_2, "summary": "改", "asset": "", "review": "",
    })
    assert response.status_code == 400 and PLAN_2.splitlines()[0] in response.content.decode()  # kept
    one.refresh_from_db()
    assert one.lesson_plan == PLAN_1
    response = client.post(reverse("research:polishing_round_edit", args=[one.pk]), {
        "taught_on": "2026-03-02", "lesson_plan": PLAN_2, "summary": "改", "asset": "", "review": "",
    })
    assert response.status_code == 302
    one.refresh_from_db()
    assert one.lesson_plan == PLAN_2 and one.taught_on == datetime.date(2026, 3, 2)


def test_a_round_links_its_review_and_shows_its_video(client, people, record, media_root):
    from media_pipeline.models import MediaAsset
    from research.models import LessonReview, ObservationScale

    asset = MediaAsset.objects.create(owner=people.member, title="荷花试讲一", source_path="x.mp4",
                                      state=MediaAsset.State.READY, variants=[{"height": 360}], duration=2400)
    scale = ObservationScale.objects.create(name="测试量表")
    review = LessonReview.objects.create(group=people.group, title="《荷花》试讲一评课", teacher=people.member,
                                         asset=asset, scale=scale, created_by=people.leader)
    one = polishing_round_add(record=record, user=people.leader, lesson_plan=PLAN_1, review=review)
    assert one.asset == asset  # the review's video
    client.force_login(people.guest)
    html = client.get(reverse("research:polishing", args=[record.pk])).content.decode()
    assert f'href="{reverse("research:review", args=[review.pk])}"' in html
    assert asset.poster_url in html and asset.master_url in html
    # Someone else's video is refused; a review of another group too.
    stranger_asset = MediaAsset.objects.create(owner=people.outsider, source_path="y.mp4")
    with pytest.raises(PolishingError, match="you or the teacher"):
        polishing_round_add(record=record, user=people.leader, asset=stranger_asset)


def test_the_group_list_creates_records_and_keeps_the_title_on_an_error(client, people):
    client.force_login(people.guest)
    url = reverse("research:polishing_list", args=[people.group.pk])
    html = client.get(url).content.decode()
    assert reverse("research:polishing_new", args=[people.group.pk]) in html
    response = client.post(reverse("research:polishing_new", args=[people.group.pk]), {"title": "  ", "teacher": people.member.pk})
    assert response.status_code == 400 and not PolishingRecord.objects.exists()
    response = client.post(reverse("research:polishing_new", args=[people.group.pk]),
                           {"title": "《荷花》", "teacher": people.outsider.pk})
    created = PolishingRecord.objects.get()
    assert response.status_code == 302 and created.teacher == people.guest  # an outsider is not offered: the creator teaches
    assert "《荷花》" in client.get(url).content.decode()


# -- parallel lessons --------------------------------------------------------------------------

def design(title, *, by, visibility=Resource.Visibility.PUBLIC, **kwargs):
    return ResourceFactory(title=title, uploaded_by=by, visibility=visibility, school=by.school, lesson_title="荷花",
                           description=f"{title}的设计说明", **kwargs)


def test_parallel_lessons_show_both_designs_and_hide_one_the_reader_may_not_see(client, people):
    a = design("荷花 情境教学设计", by=people.member)
    b = design("荷花 任务群设计", by=people.guest, visibility=Resource.Visibility.SCHOOL)  # 市实验小学 only
    client.force_login(people.guest)
    response = client.post(reverse("research:parallel_new", args=[people.group.pk]), {
        "title": "", "design_a": f"https://kexiang.example/resources/{a.pk}/", "design_b": str(b.pk), "notes": "对比导入",
    })
    parallel = ParallelLessons.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("research:parallel", args=[parallel.pk])
    assert parallel.title == "荷花"

    html = client.get(reverse("research:parallel", args=[parallel.pk])).content.decode()
    for resource in (a, b):
        assert resource.title in html and resource.description in html
        assert f'href="{reverse("resources:detail", args=[resource.pk])}"' in html
    assert 'class="designs"' in html and 'href="#design-a"' in html and 'href="#design-b"' in html
    assert "not shared with you" not in html

    client.force_login(people.member)  # another school: design B is not shared with them
    html = client.get(reverse("research:parallel", args=[parallel.pk])).content.decode()
    assert a.title in html and a.description in html
    assert b.description not in html and reverse("resources:detail", args=[b.pk]) not in html
    assert html.count("not shared with you") == 1


def test_a_parallel_design_must_be_visible_to_its_creator_and_different(client, people):
    a = design("荷花 A", by=people.member)
    private = design("荷花 私人", by=people.guest, visibility=Resource.Visibility.PRIVATE)
    with pytest.raises(PolishingError, match="resources you can see"):
        parallel_create(group=people.group, user=people.member, title="", design_a=a, design_b=private)
    with pytest.raises(PolishingError, match="the same resource"):
        parallel_create(group=people.group, user=people.member, title="", design_a=a, design_b=a)
    client.force_login(people.member)
    response = client.post(reverse("research:parallel_new", args=[people.group.pk]),
                           {"title": "对比", "design_a": str(a.pk), "design_b": "not a link", "notes": "保留的备注"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "保留的备注" in html and 'value="not a link"' in html
    assert not ParallelLessons.objects.exists()
    assert resource_id_from_text(" 42 ") == 42 and resource_id_from_text("/resources/7/") == 7


# -- non-members -------------------------------------------------------------------------------

def test_a_non_member_gets_404_on_every_polishing_page(client, people, record):
    one = polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_1, points=["提问太多"])
    point = OpenPoint.objects.get()
    a, b = design("荷花 A", by=people.member), design("荷花 B", by=people.member)
    parallel = parallel_create(group=people.group, user=people.member, title="荷花", design_a=a, design_b=b)
    client.force_login(people.outsider)
    gets = [
        reverse("research:polishing_list", args=[people.group.pk]),
        reverse("research:polishing", args=[record.pk]),
        reverse("research:polishing_round", args=[record.pk, 1]),
        reverse("research:polishing_round_new", args=[record.pk]),
        reverse("research:polishing_round_edit", args=[one.pk]),
        reverse("research:parallel", args=[parallel.pk]),
    ]
    posts = [
        (reverse("research:polishing_new", args=[people.group.pk]), {"title": "x"}),
        (reverse("research:parallel_new", args=[people.group.pk]), {"design_a": a.pk, "design_b": b.pk}),
        (reverse("research:polishing_round_new", args=[record.pk]), {"lesson_plan": "x"}),
        (reverse("research:polishing_round_edit", args=[one.pk]), {"lesson_plan": "x"}),
        (reverse("research:point_new", args=[one.pk]), {"text": "x"}),
        (reverse("research:point_resolve", args=[point.pk]), {"round": one.pk}),
        (reverse("research:point_reopen", args=[point.pk]), {}),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert PolishingRecord.objects.count() == 1 and ParallelLessons.objects.count() == 1
    assert PolishingRound.objects.count() == 1 and OpenPoint.objects.get().resolved_in is None
    client.logout()
    assert client.get(gets[1]).status_code == 302  # to the sign-in page

    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    assert all(client.get(url).status_code == 200 for url in gets[:3] + gets[5:])


# -- on a phone --------------------------------------------------------------------------------

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_trials_and_parallel_lessons_read_on_a_phone_and_side_by_side_on_a_wide_screen(live_server, people):
    from tests.browser import phone_page, screenshot

    record = polishing_record_create(group=people.group, user=people.leader, title="《荷花》第二课时",
                                     teacher=people.member)
    polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_1, points=["提问太多，学生没有思考时间"])
    polishing_round_add(record=record, user=people.member, lesson_plan=PLAN_2 + "\n" + "很长的一行没有空格" * 20
                        + "\nhttps://example.com/" + "a" * 120, summary="导入改用视频")
    a = design("荷花 情境教学设计", by=people.member)
    b = design("荷花 任务群设计", by=people.member)
    parallel = parallel_create(group=people.group, user=people.member, title="《荷花》同课异构", design_a=a, design_b=b)
    with phone_page() as page:
        page.goto(f"{live_server.url}/accounts/login/?next=/research/")
        page.fill("input[name=username]", people.member.username)
        page.fill("input[name=password]", "correct horse 42")
        page.click("form.stacked button[type=submit]")
        page.wait_for_url("**/research/**")
        page.goto(live_server.url + reverse("research:polishing", args=[record.pk]))
        assert page.locator(".diff-added").count() >= 2 and page.locator(".diff-removed").count() == 1
        assert page.locator(".point-list.carried .point").count() == 1
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        screenshot(page, "research-polishing-round")

        page.goto(live_server.url + reverse("research:parallel", args=[parallel.pk]))
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        box_a, box_b = page.locator("#design-a").bounding_box(), page.locator("#design-b").bounding_box()
        assert box_b["y"] >= box_a["y"] + box_a["height"]  # one after the other
        page.click(".design-tabs a[href='#design-b']")
        page.wait_for_function("location.hash === '#design-b'")
        assert page.locator("#design-b").is_visible() and not page.locator("#design-a").is_visible()
        screenshot(page, "research-parallel-phone")

        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(live_server.url + reverse("research:parallel", args=[parallel.pk]))
        box_a, box_b = page.locator("#design-a").bounding_box(), page.locator("#design-b").bounding_box()
        assert abs(box_a["y"] - box_b["y"]) < 1 and box_b["x"] >= box_a["x"] + box_a["width"]  # side by side
        assert not page.locator(".design-tabs").is_visible()
        screenshot(page, "research-parallel-wide")
