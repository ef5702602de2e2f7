"""Observation records (听课记录) from a phone: drafts, submitting, nothing typed is lost on an error,
totals per teacher, and who may see what — through the services and over HTTP."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from research.exceptions import NotAMemberError, ResearchError
from research.models import ObservationRecord, ScalePoint
from research.selectors.observations import observation_totals_per_teacher
from research.services.observations import record_save, scale_default
from research.services.reviews import review_create
from research.tests.test_reviews import ready_asset
from resources.models import Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services_speak_english")]


@pytest.fixture
def points():
    return list(ScalePoint.objects.filter(scale=scale_default()).order_by("position"))


def form(points, *, score=None, scores=None, **fields):
    data = {"teacher": "", "teacher_name": "", "lesson_title": "《秋天的雨》第一课时", "subject": "",
            "observed_on": "2026-10-14", "notes": "", "action": "draft"}
    data.update(fields)
    if score is not None:
        data.update({f"score_{p.pk}": str(score) for p in points})
    data.update(scores or {})
    return data


def record(observer, group, *, teacher=None, teacher_name="", score=3, points, submit=True, **kwargs):
    kwargs.setdefault("lesson_title", "观察课")
    kwargs.setdefault("observed_on", datetime.date(2026, 10, 14))
    return record_save(observer=observer, group=group, teacher=teacher, teacher_name=teacher_name,
                       scores={p.pk: score for p in points}, submit=submit, **kwargs)


def test_the_phone_form_has_every_point_grouped_by_dimension(client, people, points):
    client.force_login(people.member)
    response = client.get(reverse("research:observation_new", args=[people.group.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="score-point"') == 20 and html.count("<legend>学生学习</legend>") == 1
    for p in points:
        assert f'name="score_{p.pk}" value="5"' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html  # today, ready to go
    assert "张芳" in html and "王静" in html  # members to choose from


def test_a_draft_is_saved_and_submitted_later(client, people, points):
    client.force_login(people.member)
    new = reverse("research:observation_new", args=[people.group.pk])
    half = {f"score_{p.pk}": "4" for p in points[:10]}
    saved = client.post(new, form(points, scores=half, teacher=str(people.leader.pk), notes="前半节课"))
    draft = ObservationRecord.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("research:observation_edit", args=[draft.pk])
    assert draft.submitted_at is None and draft.scores.count() == 10 and draft.teacher == people.leader

    # the draft is the observer's alone
    listing = client.get(reverse("research:observations", args=[people.group.pk])).content.decode()
    assert "My drafts" in listing or "草稿" in listing
    client.force_login(people.guest)
    assert "《秋天的雨》第一课时" not in client.get(reverse("research:observations", args=[people.group.pk])).content.decode()
    assert client.get(reverse("research:observation", args=[draft.pk])).status_code == 404
    assert client.get(reverse("research:observation_edit", args=[draft.pk])).status_code == 404

    # back to it: the form shows what was saved, then everything is scored and submitted
    client.force_login(people.member)
    edit = client.get(reverse("research:observation_edit", args=[draft.pk])).content.decode()
    assert f'name="score_{points[0].pk}" value="4" checked' in edit and "前半节课" in edit
    done = client.post(reverse("research:observation_edit", args=[draft.pk]),
                       form(points, score=4, teacher=str(people.leader.pk), notes="整节课", action="submit"))
    assert done.status_code == 302 and done["Location"] == reverse("research:observation", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.submitted_at is not None and draft.scores.count() == 20 and draft.notes == "整节课"
    detail = client.get(done["Location"]).content.decode()
    assert "80 / 100" in detail.replace('<span class="big-figure">', "").replace("</span>", "")
    # submitted: no more changes
    assert client.post(reverse("research:observation_edit", args=[draft.pk]), form(points, score=1)).status_code == 302
    assert set(draft.scores.values_list("score", flat=True)) == {4}


def test_a_wrong_field_loses_nothing_that_was_typed(english, people, points):
    client = english
    client.force_login(people.member)
    new = reverse("research:observation_new", args=[people.group.pk])
    typed = form(points, score=3, lesson_title="", teacher_name="外校 陈老师", notes="板书清楚，提问有层次",
                 scores={f"note_{points[2].pk}": "小组互动热烈"}, action="submit")
    response = client.post(new, typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the lesson's title" in html or "Give the lesson&#x27;s title" in html
    assert 'value="外校 陈老师"' in html and "板书清楚，提问有层次</textarea>" in html
    assert 'value="小组互动热烈"' in html
    assert html.count('value="3" checked') == 20
    assert not ObservationRecord.objects.exists()

    bad_date = client.post(new, form(points, score=3, teacher_name="陈老师", observed_on="2026-13-45"))
    assert bad_date.status_code == 400 and "Give the date of the lesson" in bad_date.content.decode()
    assert 'value="2026-13-45"' in bad_date.content.decode()

    out_of_range = client.post(new, form(points, score=3, teacher_name="陈老师", scores={f"score_{points[0].pk}": "9"}))
    assert out_of_range.status_code == 400
    assert "The score for 学生学习 · 准备 must be between 0 and 5; 9 is out of range." in out_of_range.content.decode()
    not_a_number = client.post(new, form(points, teacher_name="陈老师", scores={f"score_{points[0].pk}": "高"}))
    assert not_a_number.status_code == 400 and "must be a whole number from 0 to 5" in not_a_number.content.decode()

    nobody = client.post(new, form(points, score=3))
    assert nobody.status_code == 400 and "Say whom you observed" in nobody.content.decode()
    assert not ObservationRecord.objects.exists()


def test_submitting_an_incomplete_record_keeps_it_as_a_draft(english, people, points):
    client = english
    client.force_login(people.member)
    response = client.post(reverse("research:observation_new", args=[people.group.pk]),
                           form(points, scores={f"score_{points[0].pk}": "5"}, teacher_name="陈老师", action="submit"),
                           follow=True)
    draft = ObservationRecord.objects.get()
    assert draft.submitted_at is None and draft.scores.get().score == 5
    assert "Give every point a score before you submit: 19 of 20" in response.content.decode()


def test_totals_per_teacher(client, people, points):
    subject = Subject.objects.get(name="语文")
    record(people.member, people.group, teacher=people.leader, score=4, points=points, subject=subject)  # 80%
    record(people.guest, people.group, teacher=people.leader, score=3, points=points)  # 60%
    record(people.leader, people.group, teacher_name="陈老师", score=5, points=points)  # 100%
    record(people.member, people.group, teacher_name="陈老师", score=0, points=points, submit=False)  # a draft: not counted
    totals = observation_totals_per_teacher(group=people.group, user=people.guest)
    assert [(t.name, t.count, t.average_percent) for t in totals] == [("李伟", 2, 70.0), ("陈老师", 1, 100.0)]

    client.force_login(people.guest)
    html = client.get(reverse("research:observations", args=[people.group.pk])).content.decode()
    table = html[html.index('id="totals"'):html.index("</table>")]
    assert "李伟" in table and "70.0%" in table and "陈老师" in table and "100.0%" in table
    assert html.count('class="record-item"') == 3  # the three submitted records; the member's draft is not shown


def test_records_of_a_reviewed_lesson_stay_blind_in_the_list(client, people, points):
    review = review_create(group=people.group, user=people.leader, title="示范课评课",
                           asset=ready_asset(people.leader), teacher=people.leader)
    scored = record_save(observer=people.member, review=review, scores={p.pk: 5 for p in points}, submit=True)
    client.force_login(people.guest)
    html = client.get(reverse("research:observations", args=[people.group.pk])).content.decode()
    assert "示范课评课" not in html
    assert client.get(reverse("research:observation", args=[scored.pk])).status_code == 404
    assert observation_totals_per_teacher(group=people.group, user=people.guest) == []
    record_save(observer=people.guest, review=review, scores={p.pk: 1 for p in points}, submit=True)
    html = client.get(reverse("research:observations", args=[people.group.pk])).content.decode()
    assert html.count("示范课评课") == 2
    assert client.get(reverse("research:observation", args=[scored.pk])).status_code == 200
    [total] = observation_totals_per_teacher(group=people.group, user=people.guest)
    assert (total.name, total.count, total.average_percent) == ("李伟", 2, 60.0)


def test_the_teacher_observed_is_a_member_or_a_typed_name(people, points):
    with pytest.raises(ResearchError, match="member of the group"):
        record(people.member, people.group, teacher=people.outsider, points=points)
    typed = record(people.member, people.group, teacher_name="  陈老师 ", points=points)
    assert typed.teacher is None and typed.teacher_name == "陈老师"
    with pytest.raises(NotAMemberError):
        record(people.outsider, people.group, teacher_name="陈老师", points=points)
    draft = record(people.member, people.group, teacher_name="陈老师", points=points, submit=False)
    with pytest.raises(NotAMemberError):  # nobody changes another's draft
        record_save(observer=people.guest, record=draft, teacher_name="陈老师", lesson_title="x",
                    observed_on=datetime.date(2026, 10, 1), scores={})


def test_non_members_get_404(client, people, points):
    mine = record(people.member, people.group, teacher_name="陈老师", points=points)
    client.force_login(people.outsider)
    for url in (reverse("research:observations", args=[people.group.pk]),
                reverse("research:observation_new", args=[people.group.pk]),
                reverse("research:observation", args=[mine.pk]),
                reverse("research:observation_edit", args=[mine.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("research:observation_new", args=[people.group.pk]),
                       form(points, score=3, teacher_name="x")).status_code == 404
    assert ObservationRecord.objects.count() == 1
