"""Schedules, occurrences, sign-ins, moves and cancellations, reminders and calendar feeds — through HTTP."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from research.calendar import calendar_token
from research.models import Activity, ActivitySeries, Notification, SignIn
from research.services.activities import (
    activity_cancel,
    activity_create,
    activity_move,
    activity_reminders_send,
    activity_sign_in,
    series_dates,
)
from research.services.threads import activity_thread, post_create

pytestmark = pytest.mark.django_db


def schedule_weekly(client, group, **overrides):
    data = {
        "title": "三年级语文集体备课", "kind": "collective_prep", "frequency": "weekly",
        "starts_on": "2026-09-02", "until": "2026-10-28", "start_time": "14:30", "duration_minutes": "90",
        "location": "三楼会议室", "agenda": "1. 说课\n2. 评课", "skip_dates": "2026-09-30",
    }
    data.update(overrides)
    return client.post(reverse("research:schedule", args=[group.pk]), data)


def test_a_leader_schedules_a_weekly_series_with_a_holiday_left_out(people, as_user):
    client = as_user(people.leader)
    response = schedule_weekly(client, people.group)
    assert response.status_code == 302
    series = ActivitySeries.objects.get()
    days = [timezone.localtime(a.starts_at) for a in series.activities.order_by("starts_at")]
    # Wednesdays 2 Sep … 28 Oct 2026 is nine weeks; 30 Sep (国庆) is left out.
    assert [d.date() for d in days] == [datetime.date(2026, 9, 2) + datetime.timedelta(weeks=w) for w in range(9) if w != 4]
    assert all((d.hour, d.minute) == (14, 30) for d in days)
    first = series.activities.order_by("starts_at").first()
    assert first.ends_at - first.starts_at == datetime.timedelta(minutes=90)
    assert first.agenda == "1. 说课\n2. 评课" and first.location == "三楼会议室"
    page = client.get(reverse("research:group", args=[people.group.pk]))
    assert "三年级语文集体备课" in page.content.decode()


def test_biweekly_and_monthly_series_follow_the_calendar(people):
    biweekly = series_dates(frequency="biweekly", starts_on=datetime.date(2026, 9, 3), until=datetime.date(2026, 10, 31))
    assert biweekly == [datetime.date(2026, 9, 3), datetime.date(2026, 9, 17), datetime.date(2026, 10, 1),
                        datetime.date(2026, 10, 15), datetime.date(2026, 10, 29)]
    # The second Wednesday of each month, as a school fixes its monthly school-wide session.
    monthly = series_dates(frequency="monthly", starts_on=datetime.date(2026, 9, 9), until=datetime.date(2026, 12, 31))
    assert monthly == [datetime.date(2026, 9, 9), datetime.date(2026, 10, 14), datetime.date(2026, 11, 11), datetime.date(2026, 12, 9)]


def test_a_series_that_ends_before_it_starts_is_refused_and_the_form_is_kept(people, as_user):
    client = as_user(people.leader)
    response = schedule_weekly(client, people.group, until="2026-08-01")
    assert response.status_code == 400
    html = response.content.decode()
    assert "三年级语文集体备课" in html  # what was typed is still in the form
    assert ActivitySeries.objects.count() == 0 and Activity.objects.count() == 0


def test_members_cannot_schedule_and_outsiders_cannot_see_the_group(people, as_user):
    assert schedule_weekly(as_user(people.member), people.group).status_code == 403
    client = as_user(people.outsider)
    assert schedule_weekly(client, people.group).status_code == 404
    assert client.get(reverse("research:group", args=[people.group.pk])).status_code == 404
    assert Activity.objects.count() == 0


def _activity(people, *, starts_at=None, **kwargs):
    starts_at = starts_at or timezone.now() + datetime.timedelta(minutes=30)
    return activity_create(group=people.group, user=people.leader, title="磨课：《秋天的雨》",
                           starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1), **kwargs)


def test_a_member_signs_in_once_and_sees_it(people, as_user):
    activity = _activity(people)
    client = as_user(people.member)
    for _ in range(2):  # a double tap signs in once
        assert client.post(reverse("research:sign_in", args=[activity.pk])).status_code == 302
    assert SignIn.objects.filter(activity=activity, user=people.member).count() == 1
    page = client.get(reverse("research:activity", args=[activity.pk])).content.decode()
    assert "张芳" in page


def test_sign_in_is_not_open_a_week_ahead(people, as_user):
    activity = _activity(people, starts_at=timezone.now() + datetime.timedelta(days=7))
    client = as_user(people.member)
    response = client.post(reverse("research:sign_in", args=[activity.pk]), follow=True)
    assert "opens an hour before" in response.content.decode() or "开始前一小时" in response.content.decode()
    assert not SignIn.objects.exists()
    assert as_user(people.outsider).post(reverse("research:sign_in", args=[activity.pk])).status_code == 404


def test_an_occurrence_moved_after_sign_ins_keeps_them_and_tells_everyone(people, as_user):
    activity = _activity(people)
    activity_sign_in(activity=activity, user=people.member)
    client = as_user(people.leader)
    new_start = timezone.localtime(activity.starts_at + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(reverse("research:activity_move", args=[activity.pk]),
                           {"starts_at": new_start.strftime("%Y-%m-%dT%H:%M"), "note": "停电"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == Activity.Status.MOVED and activity.starts_at == new_start
    assert activity.original_starts_at is not None and activity.original_starts_at != new_start
    assert activity.ends_at - activity.starts_at == datetime.timedelta(hours=1)
    assert SignIn.objects.filter(activity=activity).count() == 1
    told = Notification.objects.filter(kind=Notification.Kind.CHANGE, url=reverse("research:activity", args=[activity.pk]))
    assert set(told.values_list("user__username", flat=True)) == {"liwei", "zhangfang", "wangjing"}


def test_an_occurrence_cancelled_after_sign_ins_keeps_them_on_record_and_closes_sign_in(people, as_user):
    activity = _activity(people)
    activity_sign_in(activity=activity, user=people.member)
    client = as_user(people.leader)
    assert client.post(reverse("research:activity_cancel", args=[activity.pk]), {"note": "台风停课"}).status_code == 302
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CANCELLED and activity.status_note == "台风停课"
    assert SignIn.objects.filter(activity=activity, user=people.member).exists()
    guest = as_user(people.guest)
    guest.post(reverse("research:sign_in", args=[activity.pk]))
    assert not SignIn.objects.filter(activity=activity, user=people.guest).exists()
    page = guest.get(reverse("research:activity", args=[activity.pk])).content.decode()
    assert "台风停课" in page
    with pytest.raises(Exception):
        activity_move(activity=activity, user=people.leader, starts_at=timezone.now())


def test_a_member_cannot_move_or_cancel(people, as_user):
    activity = _activity(people)
    client = as_user(people.member)
    assert client.post(reverse("research:activity_cancel", args=[activity.pk])).status_code == 403
    activity.refresh_from_db()
    assert activity.status == Activity.Status.SCHEDULED


def test_reminders_go_once_to_members_and_again_after_a_move(people):
    activity = _activity(people, starts_at=timezone.now() + datetime.timedelta(hours=3))
    later = _activity(people, starts_at=timezone.now() + datetime.timedelta(days=5))
    assert activity_reminders_send() == 3
    assert activity_reminders_send() == 0  # once
    reminded = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert set(reminded.values_list("user__username", flat=True)) == {"liwei", "zhangfang", "wangjing"}
    assert not reminded.filter(url__endswith=f"/{later.pk}/").exists()
    activity_move(activity=activity, user=people.leader, starts_at=timezone.now() + datetime.timedelta(hours=5))
    assert activity_reminders_send() == 3


def test_minutes_are_sanitised_and_published_activities_reach_the_public_page(people, as_user):
    activity = _activity(people)
    client = as_user(people.leader)
    client.post(reverse("research:activity_edit", args=[activity.pk]), {
        "agenda": "说课", "minutes": '<p>结论<script>alert(1)</script><img src=x onerror=alert(2)></p>',
        "location": "线上", "is_published": "on", "edit_form": "1", "presenters": [str(people.guest.pk)], "units": "2"})
    activity.refresh_from_db()
    assert "<script" not in activity.minutes and "onerror" not in activity.minutes and "结论" in activity.minutes
    assert list(activity.presenters.all()) == [people.guest] and activity.units == 2
    # A private group with a published activity has a public page: the activity, never the threads.
    thread = activity_thread(activity=activity)
    post_create(thread=thread, author=people.member, body="内部讨论：只给组员看")
    anonymous = client.__class__()
    public = anonymous.get(reverse("research:group_public", args=[people.group.pk]))
    assert public.status_code == 200
    assert "结论" in public.content.decode() and "内部讨论" not in public.content.decode()
    assert anonymous.get(reverse("research:activity", args=[activity.pk])).status_code == 302  # sign in first


def test_the_leader_links_library_resources_they_can_see(people, as_user):
    from resources.models import Resource
    from tests.factories import ResourceFactory

    shared = ResourceFactory(title="秋天的雨 课件", visibility=Resource.Visibility.PUBLIC, live=True)
    hidden = ResourceFactory(title="别校私有", visibility=Resource.Visibility.PRIVATE, live=True)
    activity = _activity(people)
    client = as_user(people.leader)
    client.post(reverse("research:activity_edit", args=[activity.pk]),
                {"resources": f"http://testserver/resources/{shared.pk}/\n{hidden.pk}", "agenda": "", "minutes": ""})
    assert list(activity.resources.all()) == [shared]
    page = as_user(people.member).get(reverse("research:activity", args=[activity.pk])).content.decode()
    assert "秋天的雨 课件" in page


def test_calendar_feeds_for_the_group_and_the_person(people, as_user, client):
    activity = _activity(people, location="三楼会议室")
    cancelled = _activity(people, starts_at=timezone.now() + datetime.timedelta(days=2))
    activity_cancel(activity=cancelled, user=people.leader)
    client = as_user(people.member)
    feed = client.get(reverse("research:group_calendar", args=[people.group.pk]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = {str(e["uid"]): e for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert events[f"{activity.uid}@kexiang"]["location"] == "三楼会议室"
    assert events[f"{cancelled.uid}@kexiang"]["status"] == "CANCELLED"
    # The person's feed works without a session (calendar apps), from the signed token.
    token = calendar_token(user=people.member)
    anonymous = client.__class__()
    personal = anonymous.get(reverse("research:person_calendar", args=[token]))
    assert personal.status_code == 200 and f"{activity.uid}@kexiang".encode() in personal.content
    assert anonymous.get(reverse("research:person_calendar", args=[token[:-2] + "xx"])).status_code == 404
    # An outsider's token shows none of the group; the group feed refuses them.
    outsider_feed = anonymous.get(reverse("research:person_calendar", args=[calendar_token(user=people.outsider)]))
    assert str(activity.uid).encode() not in outsider_feed.content
    assert as_user(people.outsider).get(reverse("research:group_calendar", args=[people.group.pk])).status_code == 404


def test_a_lesson_recorded_in_an_activity_is_reviewed_from_its_page(people, as_user):
    from research.tests.test_reviews import ready_asset

    activity = _activity(people)
    asset = ready_asset(people.member)
    client = as_user(people.member)
    page = client.get(reverse("research:activity", args=[activity.pk])).content.decode()
    link = reverse("research:review_new", args=[people.group.pk]) + f"?activity={activity.pk}"
    assert link in page
    response = client.post(link, {"video": f"asset-{asset.pk}", "title": "集体备课上的试讲", "teacher": str(people.member.pk),
                                  "activity": str(activity.pk)})
    assert response.status_code == 302
    review = people.group.reviews.get()
    assert review.activity == activity
    assert "集体备课上的试讲" in client.get(reverse("research:activity", args=[activity.pk])).content.decode()
