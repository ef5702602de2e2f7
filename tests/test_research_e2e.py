"""Issue 6 end to end, through HTTP and the admin as people use them: an operator makes a group in the
admin; the leader schedules a weekly series; a member signs in and posts; a guest expert reviews a recorded
lesson with time-coded comments and scores; the hours and the pairing ledger add up to the rules; someone
outside the group sees none of its threads, files, comments or search hits."""
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import School, User
from media_pipeline.models import MediaAsset
from reports.semesters import semester_current
from research.models import Activity, GroupMembership, Notification, PostAttachment, ResearchGroup, ReviewComment
from tests.factories import SchoolPairingFactory, UserFactory

pytestmark = pytest.mark.django_db

RULES = {"collective_prep": 3, "demonstration": 4}  # hours from KEXIANG_WORKLOAD_RULES (DESIGN.md: 集体备课 3, 示范课 4)


def client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


def test_a_pairing_runs_its_research_online(client, settings, media_root):
    settings.KEXIANG_WORKLOAD_RULES = {**settings.KEXIANG_WORKLOAD_RULES,
                                       "collective_prep": {"hours": 3, "per": "session", "who": "attendees"},
                                       "demonstration": {"hours": 4, "per": "session", "who": "presenters"}}
    pairing = SchoolPairingFactory(supporting__name="城区实验小学", supporting__kind=School.Kind.SUPPORTING,
                                   supported__name="乡村中心小学", starts_on=datetime.date(2025, 9, 1))
    city, village = pairing.supporting, pairing.supported
    operator = UserFactory(username="operator", is_staff=True, is_superuser=True, school=None)
    leader = UserFactory(username="liwei", full_name="李伟", school=village)
    member = UserFactory(username="zhangfang", full_name="张芳", school=village)
    expert = UserFactory(username="wangjing", full_name="王静", school=city)
    outsider = UserFactory(username="zhaolei", full_name="赵磊", school=village)
    village_admin = UserFactory(username="village-admin", role=User.Role.SCHOOL_ADMIN, school=village)

    # 1. The operator makes the group in the admin, with its members and their roles.
    admin = client_for(client.__class__, operator)
    response = admin.post("/django-admin/research/researchgroup/add/", {
        "name": "三年级语文联合教研组", "school": "", "pairing": str(pairing.pk), "subject": "", "is_private": "on",
        "memberships-TOTAL_FORMS": "3", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": str(leader.pk), "memberships-0-role": "leader",
        "memberships-1-user": str(member.pk), "memberships-1-role": "member",
        "memberships-2-user": str(expert.pk), "memberships-2-role": "guest_expert",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    group = ResearchGroup.objects.get(name="三年级语文联合教研组")
    assert group.is_private and group.memberships.count() == 3

    # 2. The leader schedules a weekly 集体备课 whose third date is today, half an hour ago.
    start = timezone.localtime() - datetime.timedelta(minutes=30)
    first_day = start.date() - datetime.timedelta(weeks=2)
    as_leader = client_for(client.__class__, leader)
    response = as_leader.post(reverse("research:schedule", args=[group.pk]), {
        "title": "三年级语文集体备课", "kind": "collective_prep", "frequency": "weekly",
        "starts_on": first_day.isoformat(), "until": (start.date() + datetime.timedelta(weeks=4)).isoformat(),
        "start_time": start.strftime("%H:%M"), "duration_minutes": "90", "location": "线上", "agenda": "说课、评课",
    })
    assert response.status_code == 302
    occurrences = list(group.activities.order_by("starts_at"))
    assert len(occurrences) == 7
    two_weeks_ago, last_week, today = occurrences[:3]

    # 3. The member signs in to today's session on the phone and posts in its thread, mentioning the expert.
    as_member = client_for(client.__class__, member)
    assert as_member.post(reverse("research:sign_in", args=[today.pk])).status_code == 302
    # Last week's paper sign-in list is recorded by the leader; the week before was cancelled afterwards.
    for activity in (last_week, two_weeks_ago):
        as_leader.post(reverse("research:sign_in", args=[activity.pk]), {"member": str(member.pk)})
    as_leader.post(reverse("research:activity_cancel", args=[two_weeks_ago.pk]), {"note": "台风停课"})
    response = as_member.post(reverse("research:post_new", args=[_thread_id(as_member, today)]), {
        "body": "教学设计见附件，请 @王静 老师指导", "client_key": "k1",
        "files": SimpleUploadedFile("秋天的雨 教学设计.docx", b"PK\x03\x04 plan"),
    })
    assert response.status_code == 302
    assert Notification.objects.filter(user=expert, kind=Notification.Kind.MENTION).count() == 1
    attachment = PostAttachment.objects.get()

    # 4. The guest expert reviews the recorded lesson: time-coded comments and scores.
    asset = MediaAsset.objects.create(owner=member, title="秋天的雨 课堂实录", source_path="/dev/null",
                                      state=MediaAsset.State.READY, duration=600.0, has_video=True, has_audio=True,
                                      variants=[{"name": "240p", "height": 240}])
    response = as_member.post(reverse("research:review_new", args=[group.pk]), {
        "video": f"asset-{asset.pk}", "title": "《秋天的雨》第一次试讲", "teacher": str(member.pk), "scale": ""})
    assert response.status_code == 302
    review = group.reviews.get()
    as_expert = client_for(client.__class__, expert)
    for moment, text in (("01:30", "导入用时偏长，可以压缩到两分钟"), ("5:00", "小组讨论分工清楚")):
        assert as_expert.post(reverse("research:review_comments", args=[review.pk]),
                              {"at": moment, "body": text}).status_code in (201, 302)
    comments = as_expert.get(reverse("research:review_comments", args=[review.pk]), HTTP_ACCEPT="application/json").json()
    listed = comments["comments"] if isinstance(comments, dict) else comments
    assert [c["at_seconds"] for c in listed] == [90.0, 300.0]
    scores = {f"score_{point.pk}": "4" for point in review.scale.points.all()}
    assert as_expert.post(reverse("research:review_score", args=[review.pk]), {**scores, "action": "submit"}).status_code in (200, 302)
    assert review.records.get(observer=expert).submitted_at is not None

    # A demonstration lesson the expert gave this week (presenter hours).
    demo_start = timezone.now() - datetime.timedelta(hours=3)
    as_leader_demo = as_leader.post(reverse("research:schedule", args=[group.pk]), {
        "title": "示范课《秋天的雨》", "kind": "demonstration", "frequency": "weekly",
        "starts_on": timezone.localtime(demo_start).date().isoformat(), "until": timezone.localtime(demo_start).date().isoformat(),
        "start_time": timezone.localtime(demo_start).strftime("%H:%M"), "duration_minutes": "45"})
    assert as_leader_demo.status_code == 302
    demonstration = Activity.objects.get(title="示范课《秋天的雨》")
    as_leader.post(reverse("research:activity_edit", args=[demonstration.pk]),
                   {"edit_form": "1", "agenda": "", "presenters": [str(expert.pk)], "units": "1"})
    assert list(demonstration.presenters.all()) == [expert]

    # 5. Hours follow the rules: the member attended today and last week (the cancelled date earns nothing).
    semester = semester_current()
    held_with_member = [a for a in (last_week, today) if a.starts_at.date() >= semester.start]
    expected_member = RULES["collective_prep"] * len(held_with_member)
    page = as_member.get(reverse("research:hours"), {"semester": semester.code})
    assert page.status_code == 200
    assert page.context["detail"].total == expected_member
    expected_expert = RULES["demonstration"] if timezone.localtime(demo_start).date() >= semester.start else 0
    expert_page = as_expert.get(reverse("research:hours"), {"semester": semester.code})
    assert expert_page.context["detail"].total == expected_expert

    # The school admin's ledger: the same figures in the page and in the XLSX.
    as_admin = client_for(client.__class__, village_admin)
    ledger = as_admin.get(reverse("research:ledger"), {"pairing": pairing.pk, "semester": semester.code})
    assert ledger.status_code == 200
    held = [a for a in ledger.context["ledger"].activities]
    assert two_weeks_ago.pk not in {a.pk for a in held}
    assert {today.pk, last_week.pk} & {a.pk for a in held} == {a.pk for a in held_with_member}
    xlsx = as_admin.get(reverse("research:ledger_export"), {"pairing": pairing.pk, "semester": semester.code})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content))
    rows = list(book["课时"].iter_rows(values_only=True))
    member_row = next(row for row in rows if "zhangfang" in row)
    assert expected_member in member_row
    assert as_member.get(reverse("research:ledger"), {"pairing": pairing.pk, "semester": semester.code}).status_code == 403

    # 6. Someone at the same school but outside the group sees nothing of it.
    as_outsider = client_for(client.__class__, outsider)
    for url in (reverse("research:group", args=[group.pk]), reverse("research:activity", args=[today.pk]),
                reverse("research:thread", args=[today.thread.pk]), reverse("research:attachment", args=[attachment.pk]),
                reverse("research:review", args=[review.pk]), reverse("research:review_comments", args=[review.pk]),
                reverse("research:reviews", args=[group.pk]), reverse("research:observations", args=[group.pk]),
                reverse("research:group_calendar", args=[group.pk])):
        assert as_outsider.get(url).status_code == 404, url
    assert as_outsider.post(reverse("research:review_comments", args=[review.pk]), {"at": "0:10", "body": "路过"}).status_code == 404
    assert ReviewComment.objects.filter(author=outsider).count() == 0
    for query in ("指导", "导入用时偏长", "三年级语文集体备课"):
        page = as_outsider.get(reverse("research:search"), {"q": query})
        assert page.context["count"] == 0, query
        assert as_outsider.get(reverse("search:api"), {"q": query}).json()["count"] == 0
    assert group.name not in as_outsider.get(reverse("research:home")).content.decode()
    # …while a member finds the post and the comment.
    assert as_member.get(reverse("research:search"), {"q": "导入用时偏长"}).context["count"] == 1
    assert as_member.get(reverse("research:search"), {"q": "指导"}).context["count"] >= 1
    assert GroupMembership.objects.filter(group=group, user=outsider).count() == 0


def _thread_id(client, activity):
    client.get(reverse("research:activity", args=[activity.pk]))  # the page makes the thread
    activity.refresh_from_db()
    return activity.thread.pk
