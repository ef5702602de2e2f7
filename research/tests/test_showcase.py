"""The public showcase: /research/public/, a group's public page and the public calendar feeds show what the
group published, to anyone, and nothing else."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from research.services.activities import activity_cancel, activity_create, activity_update
from research.services.threads import thread_create
from resources.models import Resource
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def _activity(people, title, *, days, kind, location="", published=True, minutes=None, presenters=()):
    starts = timezone.now() + datetime.timedelta(days=days)
    activity = activity_create(group=people.group, user=people.leader, title=title, kind=kind, starts_at=starts,
                               ends_at=starts + datetime.timedelta(hours=1), location=location,
                               agenda="1. 说课\n2. 评课", presenters=presenters)
    return activity_update(activity=activity, user=people.leader, is_published=published, minutes=minutes)


@pytest.fixture
def showcase(people):
    coming = _activity(people, "城乡联合示范课：《山行》", days=5, kind="demonstration", location="乡村中心小学 多媒体教室",
                       presenters=[people.leader])
    held = _activity(people, "示范课：《秋天的雨》", days=-5, kind="demonstration", location="录播教室",
                     minutes="<p>两校教师参加。</p>", presenters=[people.leader])
    session = _activity(people, "集体备课", days=2, kind="collective_prep", location="腾讯会议 987-654")
    _activity(people, "机密：期末命题研讨", days=3, kind="subject_group", published=False)
    cancelled = _activity(people, "取消的公开课", days=4, kind="demonstration")
    activity_cancel(activity=cancelled, user=people.leader)
    recording = ResourceFactory(title="《秋天的雨》课堂实录", visibility=Resource.Visibility.PUBLIC)
    school_only = ResourceFactory(title="校内评课记录表", visibility=Resource.Visibility.SCHOOL, school=people.school)
    held.resources.add(recording, school_only)
    thread_create(group=people.group, author=people.leader, title="试讲安排（组内）", body="@张芳 准备课件")
    return {"coming": coming, "held": held, "session": session}


def test_anyone_sees_what_the_group_published_and_nothing_else(client, people, showcase):
    for url in (reverse("research:showcase"), reverse("research:group_public", args=[people.group.pk])):
        page = client.get(url).content.decode()
        assert "城乡联合示范课：《山行》" in page and "乡村中心小学 多媒体教室" in page  # to come, with its place
        assert "两校教师参加" in page and "《秋天的雨》课堂实录" in page  # held: minutes and recording
        assert "集体备课" in page and "987-654" not in page  # a group's own session: no meeting number
        assert "李伟" in page  # the presenter
        for private in ("机密", "取消的公开课", "校内评课记录表", "试讲安排", "张芳", "王静"):
            assert private not in page, (url, private)
    home = client.get("/").content.decode()
    assert "城乡联合示范课：《山行》" in home and reverse("research:group_public", args=[people.group.pk]) in home


def test_the_public_feeds_hold_the_published_activities_and_link_to_the_public_page(client, people, showcase):
    for url in (reverse("research:showcase_calendar"), reverse("research:group_public_calendar", args=[people.group.pk])):
        response = client.get(url)
        assert response["Content-Type"].startswith("text/calendar")
        events = {str(e["summary"]).split(" · ")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")}
        assert set(events) == {"城乡联合示范课：《山行》", "示范课：《秋天的雨》", "集体备课"}
        assert str(events["城乡联合示范课：《山行》"]["location"]) == "乡村中心小学 多媒体教室"
        assert "location" not in events["集体备课"]
        assert str(events["集体备课"]["url"]).endswith(
            f"/research/groups/{people.group.pk}/public/#activity-{showcase['session'].pk}")


def test_a_private_group_that_published_nothing_has_no_public_feed(client, people):
    _activity(people, "机密：期末命题研讨", days=3, kind="subject_group", published=False)
    assert client.get(reverse("research:group_public_calendar", args=[people.group.pk])).status_code == 404
    assert "机密" not in client.get(reverse("research:showcase_calendar")).content.decode()
    assert "机密" not in client.get(reverse("research:showcase")).content.decode()
