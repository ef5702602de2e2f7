"""Mentoring (师徒结对), through the services and over HTTP: at most two direct apprentices (refused with a
sentence), any number radiated, monthly guidance logs, the apprentice's observed lessons with the score
trend in date order, and who may see a mentorship (404 for everyone else)."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from research.exceptions import MentoringError, NotAllowedError
from research.models import (
    Apprenticeship,
    GroupMembership,
    GuidanceLog,
    Mentorship,
    ObservationRecord,
    ObservationScale,
    ObservationScore,
    ResearchGroup,
    ScalePoint,
)
from research.selectors.mentoring import apprentice_records, mentorship_apprentices, score_trend
from research.services.mentoring import apprentice_add, guidance_log_add, mentorship_create, month_parse
from tests.factories import GroupMembershipFactory, UserFactory

# the sentences are checked in English (the zh-hans translations come later)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "services_speak_english")]

TOO_MANY = "A mentor can have at most two direct apprentices; add the others as radiated apprentices."


@pytest.fixture
def young(people):
    """Three young teachers in the group, to be apprentices."""
    teachers = [UserFactory(full_name=name, school=people.school) for name in ("陈晨", "刘洋", "周敏")]
    for teacher in teachers:
        GroupMembershipFactory(group=people.group, user=teacher, role=GroupMembership.Role.MEMBER)
    return teachers


@pytest.fixture
def mentorship(people, young):
    return mentorship_create(group=people.group, user=people.leader, mentor=people.guest,
                             starts_on=datetime.date(2026, 9, 1), goals="一学期内独立上好一节公开课",
                             direct=young[:2], radiated=[people.member])


def test_a_third_direct_apprentice_is_refused_with_a_sentence(client, people, young):
    with pytest.raises(MentoringError) as error:
        mentorship_create(group=people.group, user=people.leader, mentor=people.guest,
                          starts_on=datetime.date(2026, 9, 1), direct=young)
    assert str(error.value) == TOO_MANY
    assert not Mentorship.objects.exists()

    client.force_login(people.leader)
    data = {"mentor": people.guest.pk, "starts_on": "2026-09-01", "ends_on": "", "goals": "上好公开课"}
    data.update({f"apprentice_{t.pk}": "direct" for t in young})
    response = client.post(reverse("research:mentorship_new", args=[people.group.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert TOO_MANY in html
    assert "上好公开课" in html and html.count('value="direct" selected') == 3  # nothing typed is lost
    assert not Mentorship.objects.exists()

    data[f"apprentice_{young[2].pk}"] = "radiated"
    data[f"apprentice_{people.member.pk}"] = "radiated"
    response = client.post(reverse("research:mentorship_new", args=[people.group.pk]), data)
    mentorship = Mentorship.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("research:mentorship", args=[mentorship.pk])
    direct, radiated = mentorship_apprentices(mentorship=mentorship)
    assert {a.apprentice for a in direct} == set(young[:2])
    assert {a.apprentice for a in radiated} == {young[2], people.member}


def test_adding_a_third_direct_apprentice_later_is_refused_but_radiated_ones_are_not(client, people, young, mentorship):
    newcomer = UserFactory(full_name="吴桐", school=people.school)
    GroupMembershipFactory(group=people.group, user=newcomer)
    client.force_login(people.guest)  # the mentor
    url = reverse("research:apprentice_add", args=[mentorship.pk])
    response = client.post(url, {"apprentice": young[2].pk, "kind": "direct"})
    assert response.status_code == 400 and TOO_MANY in response.content.decode()
    assert not mentorship.apprenticeships.filter(apprentice=young[2]).exists()
    for person in (young[2], newcomer):
        assert client.post(url, {"apprentice": person.pk, "kind": "radiated"}).status_code == 302
    assert mentorship.apprenticeships.filter(is_direct=False).count() == 3
    with pytest.raises(MentoringError, match="already an apprentice"):
        apprentice_add(mentorship=mentorship, user=people.leader, apprentice=newcomer, is_direct=False)
    with pytest.raises(MentoringError, match="their own apprentice"):
        apprentice_add(mentorship=mentorship, user=people.leader, apprentice=people.guest)
    with pytest.raises(NotAllowedError):
        apprentice_add(mentorship=mentorship, user=young[0], apprentice=newcomer)


def test_only_the_leader_sets_up_a_mentorship(client, people, young):
    client.force_login(people.member)
    assert client.get(reverse("research:mentorship_new", args=[people.group.pk])).status_code == 403
    html = client.get(reverse("research:mentoring", args=[people.group.pk])).content.decode()
    assert reverse("research:mentorship_new", args=[people.group.pk]) not in html
    with pytest.raises(NotAllowedError):
        mentorship_create(group=people.group, user=people.member, mentor=people.guest,
                          starts_on=datetime.date(2026, 9, 1))
    with pytest.raises(MentoringError, match="members of the group"):
        mentorship_create(group=people.group, user=people.leader, mentor=people.guest,
                          starts_on=datetime.date(2026, 9, 1), direct=[people.outsider])
    with pytest.raises(MentoringError, match="end date is before"):
        mentorship_create(group=people.group, user=people.leader, mentor=people.guest,
                          starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 8, 1))


def test_monthly_guidance_logs_are_written_and_listed(client, people, young, mentorship):
    client.force_login(people.guest)
    url = reverse("research:guidance_new", args=[mentorship.pk])
    response = client.post(url, {"month": "2026-09", "apprentice": young[0].pk, "content": "听陈晨《秋天的雨》，指导提问设计"})
    assert response.status_code == 302
    client.force_login(young[1])  # an apprentice writes one too
    client.post(url, {"month": "2026-10", "apprentice": "", "content": "师傅示范《荷花》，集体评课"})
    response = client.post(url, {"month": "", "apprentice": "", "content": "没写月份的记录"})
    assert response.status_code == 400
    assert "Choose the month" in response.content.decode() and "没写月份的记录" in response.content.decode()

    logs = list(GuidanceLog.objects.order_by("month"))
    assert [(log.month, log.apprentice, log.author) for log in logs] == [
        (datetime.date(2026, 9, 1), young[0], people.guest), (datetime.date(2026, 10, 1), None, young[1]),
    ]
    html = client.get(reverse("research:mentorship", args=[mentorship.pk])).content.decode()
    logs_html = html.split('class="logs"')[1].split("</ol>")[0]
    assert logs_html.index("师傅示范《荷花》") < logs_html.index("听陈晨《秋天的雨》")  # newest month first
    assert '<time datetime="2026-09">2026-09</time>' in logs_html
    assert "一学期内独立上好一节公开课" in html  # the goals
    assert 'type="month"' in html

    client.force_login(people.member)  # a radiated apprentice
    assert client.post(url, {"month": "2026-11", "content": "辐射学习"}).status_code == 302
    other = UserFactory(school=people.school)
    GroupMembershipFactory(group=people.group, user=other)
    client.force_login(other)  # a member of the group reads but does not write logs
    assert client.get(reverse("research:mentorship", args=[mentorship.pk])).status_code == 200
    assert client.post(url, {"month": "2026-11", "content": "x"}).status_code == 403
    assert month_parse("2026-02-17") == datetime.date(2026, 2, 1) and month_parse("2026-13") is None


def scored(*, observer, teacher, group, day, scores, scale, submitted=True):
    record = ObservationRecord.objects.create(
        observer=observer, teacher=teacher, group=group, scale=scale, lesson_title=f"{day} 观察课", observed_on=day,
        submitted_at=timezone.now() if submitted else None,
    )
    for point, score in zip(scale.points.order_by("position"), scores):
        ObservationScore.objects.create(record=record, point=point, score=score)
    return record


@pytest.fixture
def scale():
    scale = ObservationScale.objects.create(name="师徒测试量表")
    for position, label in enumerate(("目标", "提问", "评价", "时间")):
        ScalePoint.objects.create(scale=scale, dimension="教师教学", label=label, max_score=5, position=position)
    return scale


def test_the_score_trend_follows_the_records_percentages_in_date_order(client, people, young, mentorship, scale):
    apprentice = young[0]
    days = [datetime.date(2026, 10, 20), datetime.date(2026, 9, 15), datetime.date(2026, 11, 5)]
    made = [
        scored(observer=people.guest, teacher=apprentice, group=people.group, day=days[0], scores=[3, 3, 4, 4], scale=scale),
        scored(observer=people.leader, teacher=apprentice, group=people.group, day=days[1], scores=[2, 2, 3, 3], scale=scale),
        scored(observer=people.guest, teacher=apprentice, group=people.group, day=days[2], scores=[4, 5, 4, 5], scale=scale),
    ]
    scored(observer=people.guest, teacher=apprentice, group=people.group, day=datetime.date(2026, 11, 6),
           scores=[1, 1, 1, 1], scale=scale, submitted=False)  # a draft: not shown
    scored(observer=people.guest, teacher=young[1], group=people.group, day=days[0], scores=[5, 5, 5, 5], scale=scale)
    # A record of the apprentice in a private group the mentor is not in: not shown to the mentor.
    elsewhere = ResearchGroup.objects.create(name="外校教研组")
    GroupMembershipFactory(group=elsewhere, user=apprentice)
    hidden = scored(observer=apprentice, teacher=apprentice, group=elsewhere, day=datetime.date(2026, 10, 1),
                    scores=[5, 5, 5, 5], scale=scale)

    expected = [50.0, 70.0, 90.0]  # 10/20 on 9-15, 14/20 on 10-20, 18/20 on 11-5
    records = list(apprentice_records(apprentice=apprentice, viewer=people.guest))
    assert [r.pk for r in records] == [made[2].pk, made[0].pk, made[1].pk]  # newest first
    assert [round(r.percent, 1) for r in sorted(records, key=lambda r: r.observed_on)] == expected
    trend = score_trend(records)
    assert trend.values == expected
    assert [p.day for p in trend.points] == sorted(days)
    assert trend.points[0].y > trend.points[1].y > trend.points[2].y  # higher scores are drawn higher
    assert [p.x for p in trend.points] == sorted(p.x for p in trend.points)

    client.force_login(people.guest)
    html = client.get(reverse("research:mentorship", args=[mentorship.pk])).content.decode()
    section = html.split(f'id="apprentice-{apprentice.pk}"')[1].split('class="apprentice-lessons"')[0]
    assert re.findall(r'<span class="percent">([\d.]+)%</span>', section) == ["50.0", "70.0", "90.0"]
    assert "<svg" in section and f'points="{trend.polyline}"' in section and 'role="img"' in section
    assert section.count('class="dot"') == 3
    assert reverse("research:observation", args=[hidden.pk]) not in html
    assert [a.pk for a in apprentice_records(apprentice=apprentice, viewer=apprentice)].count(hidden.pk) == 1


def test_who_sees_a_mentorship_and_404_for_everyone_else(client, people, young, mentorship):
    urls = [reverse("research:mentoring", args=[people.group.pk]), reverse("research:mentorship", args=[mentorship.pk]),
            reverse("research:mentorship_new", args=[people.group.pk])]
    client.force_login(people.outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url, data in [
        (reverse("research:guidance_new", args=[mentorship.pk]), {"month": "2026-09", "content": "x"}),
        (reverse("research:apprentice_add", args=[mentorship.pk]), {"apprentice": people.outsider.pk, "kind": "radiated"}),
        (reverse("research:mentorship_new", args=[people.group.pk]), {"mentor": people.outsider.pk, "starts_on": "2026-09-01"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert not GuidanceLog.objects.exists() and Apprenticeship.objects.count() == 3 and Mentorship.objects.count() == 1

    client.force_login(people.member)
    html = client.get(urls[0]).content.decode()
    assert urls[1] in html and "陈晨" in html and "刘洋" in html

    # The mentor and an apprentice who have left the group still see their mentorship; the group's pages they do not.
    GroupMembership.objects.filter(user__in=[people.guest, young[0]]).delete()
    for person in (people.guest, young[0]):
        client.force_login(person)
        assert client.get(urls[1]).status_code == 200
        assert client.get(urls[0]).status_code == 404
    # A mentorship whose group is gone is still shown to its people, in a frame of its own.
    people.group.delete()
    mentorship.refresh_from_db()
    assert mentorship.group is None
    assert client.get(urls[1]).status_code == 200
    client.force_login(people.outsider)
    assert client.get(urls[1]).status_code == 404
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(urls[1]).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_mentorship_reads_on_a_phone(live_server, people, young, scale):
    from tests.browser import phone_page, screenshot

    mentorship = mentorship_create(group=people.group, user=people.leader, mentor=people.guest,
                                   starts_on=datetime.date(2026, 9, 1), goals="一学期内独立上好一节公开课",
                                   direct=young[:2], radiated=[people.member, young[2]])
    for month, score in ((9, 2), (10, 3), (11, 4)):
        scored(observer=people.guest, teacher=young[0], group=people.group, day=datetime.date(2026, month, 10),
               scores=[score] * 4, scale=scale)
    guidance_log_add(mentorship=mentorship, user=people.guest, month=datetime.date(2026, 10, 1),
                     content="听课并指导提问设计" * 10, apprentice=young[0])
    with phone_page() as page:
        page.goto(f"{live_server.url}/accounts/login/?next=/research/")
        page.fill("input[name=username]", people.guest.username)
        page.fill("input[name=password]", "correct horse 42")
        page.click("form.stacked button[type=submit]")
        page.wait_for_url("**/research/**")
        page.goto(live_server.url + reverse("research:mentorship", args=[mentorship.pk]))
        assert page.locator(".trend svg polyline").count() == 1
        assert page.locator(".trend svg").bounding_box()["width"] <= 360
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        screenshot(page, "research-mentorship")
