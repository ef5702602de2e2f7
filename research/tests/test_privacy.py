"""Regressions from a second read of the research app: each was a way a private group's content, or a
blind score, reached someone it should not. The fixed behaviour is asserted here."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from research.calendar import calendar_token
from research.models import GroupMembership, Notification, ObservationRecord, ScalePoint
from research.sanitize import clean_html
from research.services.activities import (
    activity_cancel,
    activity_create,
    activity_move,
    activity_sign_in,
    activity_update,
)
from research.services.observations import record_save, scale_default
from research.services.reviews import review_create
from research.services.threads import post_create, thread_create
from research.tests.test_reviews import ready_asset
from resources.models import Resource
from tests.factories import (
    GroupMembershipFactory,
    ResearchGroupFactory,
    ResourceFactory,
    SchoolFactory,
    SchoolPairingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def held_activity(people, title="机密：期末命题研讨", kind="subject_group"):
    now = timezone.now()
    return activity_create(group=people.group, user=people.leader, title=title, kind=kind,
                           starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=2))


def scores(review, value):
    return {p.pk: value for p in ScalePoint.objects.filter(scale=review.scale)}


def pairing_with(people):
    other = SchoolFactory(name="城关小学")
    return SchoolPairingFactory(supporting=other, supported=people.school, starts_on=datetime.date(2020, 1, 1))


def test_the_ledger_keeps_blind_scores_blind_for_a_reader_who_may_still_score(client, people):
    pairing = pairing_with(people)
    admin = UserFactory(username="admin2", school=people.school, role=User.Role.SCHOOL_ADMIN)
    GroupMembershipFactory(group=people.group, user=admin, role=GroupMembership.Role.MEMBER)
    review = review_create(group=people.group, user=people.leader, title="盲评", asset=ready_asset(people.leader),
                           teacher=people.leader)
    record_save(observer=people.member, review=review, scores=scores(review, 3), submit=True)
    client.force_login(admin)
    page = client.get(reverse("research:ledger"), {"pairing": pairing.pk})
    body = page.content.decode()
    assert "盲评" in body and "60.0%" not in body  # the lesson is listed, its score is not
    record_save(observer=admin, review=review, scores=scores(review, 4), submit=True)
    assert "60.0%" in client.get(reverse("research:ledger"), {"pairing": pairing.pk}).content.decode()


def test_the_ledger_lists_only_records_of_the_pairings_groups(client, people):
    third = SchoolFactory(name="远方中学")
    secret = ResearchGroupFactory(name="远方机密组", school=third, is_private=True)
    GroupMembershipFactory(group=secret, user=people.member, role=GroupMembership.Role.MEMBER)
    scale = scale_default()
    record_save(observer=people.member, group=secret, teacher_name="远方老师", lesson_title="远方机密课",
                observed_on=timezone.localdate(), scores={pt.pk: 4 for pt in scale.points.all()}, submit=True)
    assert ObservationRecord.objects.filter(lesson_title="远方机密课", submitted_at__isnull=False).exists()
    pairing = pairing_with(people)
    client.force_login(UserFactory(username="admin", school=pairing.supporting, role=User.Role.SCHOOL_ADMIN))
    body = client.get(reverse("research:ledger"), {"pairing": pairing.pk}).content.decode()
    assert "远方机密课" not in body and "远方老师" not in body


def test_anothers_hours_do_not_name_a_private_groups_activities(client, people):
    nosy = UserFactory(username="nosy", school=people.school, role=User.Role.GROUP_LEADER)
    activity = held_activity(people)
    activity_sign_in(activity=activity, user=people.member, now=activity.starts_at)
    client.force_login(nosy)
    page = client.get(reverse("research:hours"), {"teacher": people.member.pk})
    body = page.content.decode()
    assert page.status_code == 200
    assert "机密：期末命题研讨" not in body and "三年级语文教研组" not in body
    assert page.context["detail"].total == activity_hours(activity)  # the hours still show
    client.force_login(people.member)
    assert "机密：期末命题研讨" in client.get(reverse("research:hours")).content.decode()  # the teacher sees their own


def activity_hours(activity):
    from django.conf import settings

    return settings.KEXIANG_WORKLOAD_RULES[activity.kind]["hours"]


def test_the_reviewed_teacher_reads_the_scores_but_cannot_score(client, people):
    review = review_create(group=people.group, user=people.leader, title="t", asset=ready_asset(people.leader),
                           teacher=people.leader)
    record_save(observer=people.member, review=review, scores=scores(review, 1), submit=True)
    client.force_login(people.leader)
    assert client.get(reverse("research:review_scores", args=[review.pk])).json()["can_see_all"]
    post = {f"score_{p.pk}": "5" for p in ScalePoint.objects.filter(scale=review.scale)}
    response = client.post(reverse("research:review_score", args=[review.pk]), {**post, "action": "submit"})
    assert response.status_code == 400
    assert not ObservationRecord.objects.filter(review=review, observer=people.leader).exists()


def test_a_new_review_does_not_assume_its_creator_is_the_teacher(client, people):
    client.force_login(people.member)
    body = client.get(reverse("research:review_new", args=[people.group.pk])).content.decode()
    assert f'<option value="{people.member.pk}" selected' not in body


def test_people_who_left_the_group_get_no_more_notifications(people):
    thread = thread_create(group=people.group, author=people.member, title="t", body="hello")
    first = thread.posts.get()
    activity = held_activity(people)
    activity_sign_in(activity=activity, user=people.member, now=activity.starts_at)
    GroupMembership.objects.filter(user=people.member).delete()
    people.leader.__dict__.pop("_kexiang_group_roles", None)
    post_create(thread=thread, author=people.leader, body="机密回复内容", quote=first)
    activity_move(activity=activity, user=people.leader, starts_at=timezone.now() + datetime.timedelta(days=3),
                  note="换到机密地点")
    assert not Notification.objects.filter(user=people.member).exists()
    assert Notification.objects.filter(user=people.guest, kind=Notification.Kind.CHANGE).exists()


def test_cancelling_twice_tells_members_once(people):
    activity = held_activity(people)
    activity_cancel(activity=activity, user=people.leader)
    activity_cancel(activity=activity, user=people.leader)
    assert Notification.objects.filter(user=people.member, kind=Notification.Kind.CHANGE).count() == 1


def test_a_private_group_whose_only_published_activity_was_cancelled_has_no_public_page(client, people):
    activity = held_activity(people)
    activity_update(activity=activity, user=people.leader, is_published=True, location="腾讯会议 987-654")
    assert client.get(reverse("research:group_public", args=[people.group.pk])).status_code == 200
    assert "987-654" not in client.get(reverse("research:group_public", args=[people.group.pk])).content.decode()
    activity_cancel(activity=activity, user=people.leader)
    assert client.get(reverse("research:group_public", args=[people.group.pk])).status_code == 404
    response = client.get(reverse("research:group", args=[people.group.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_linked_resources_are_listed_only_to_members_who_may_see_them(client, people):
    draft = ResourceFactory(title="李伟的未发布草稿", uploaded_by=people.leader, live=False)
    shared = ResourceFactory(title="公开课件", visibility=Resource.Visibility.PUBLIC, live=True)
    activity = held_activity(people)
    client.force_login(people.leader)
    client.post(reverse("research:activity_edit", args=[activity.pk]), {"resources": f"/resources/{draft.pk}/\n{shared.pk}"})
    assert set(activity.resources.all()) == {draft, shared}
    assert "李伟的未发布草稿" in client.get(reverse("research:activity", args=[activity.pk])).content.decode()
    client.force_login(people.member)
    page = client.get(reverse("research:activity", args=[activity.pk])).content.decode()
    assert "李伟的未发布草稿" not in page and "公开课件" in page


def test_a_partial_edit_does_not_unpublish_or_drop_presenters(client, people):
    activity = held_activity(people)
    activity_update(activity=activity, user=people.leader, is_published=True, presenters=[people.guest])
    client.force_login(people.leader)
    client.post(reverse("research:activity_edit", args=[activity.pk]), {"agenda": "新议程"})
    activity.refresh_from_db()
    assert activity.agenda == "新议程" and activity.is_published and list(activity.presenters.all()) == [people.guest]


def test_a_calendar_link_stops_working_when_the_password_changes(client, people):
    token = calendar_token(user=people.member)
    assert client.get(reverse("research:person_calendar", args=[token])).status_code == 200
    people.member.set_password("a new password 77")
    people.member.save()
    assert client.get(reverse("research:person_calendar", args=[token])).status_code == 404
    assert client.get(reverse("research:group_calendar", args=[people.group.pk]), {"token": token}).status_code == 404


def test_maths_typed_as_text_keeps_its_angle_brackets():
    assert clean_html("若 x<y 且 z>w，则……") == "<p>若 x&lt;y 且 z&gt;w，则……</p>"
