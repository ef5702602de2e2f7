"""A member's day in a research group on a 360x640 phone, in headless Chromium: the group page,
an activity, sign in, post with a mention, the leader's notification. Screenshots in test-artifacts/."""
import datetime

import pytest
from django.utils import timezone

from research.models import GroupMembership, Notification, Post, SignIn
from research.services.activities import series_create
from tests.browser import phone_page, screenshot, sign_in
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def test_a_member_signs_in_and_posts_from_a_phone(live_server):
    school = SchoolFactory(name="淳安县千岛湖镇第二中心小学")
    group = ResearchGroupFactory(name="三年级语文联合教研组（城乡结对）", school=school)
    leader = UserFactory(username="liwei", full_name="李伟", school=school)
    member = UserFactory(username="zhangfang", full_name="张芳", school=school)
    GroupMembershipFactory(group=group, user=leader, role=GroupMembership.Role.LEADER)
    GroupMembershipFactory(group=group, user=member)
    # 20 minutes from now, on the day that falls on (after 23:40 that is tomorrow, not earlier today).
    soon = timezone.localtime() + datetime.timedelta(minutes=20)
    series_create(group=group, user=leader, title="三年级语文集体备课", kind="collective_prep",
                  frequency="weekly", starts_on=soon.date(), until=soon.date() + datetime.timedelta(weeks=6),
                  start_time=soon.time().replace(second=0, microsecond=0),
                  location="三楼会议室 / 腾讯会议 123-456-789", agenda="1. 第三单元说课\n2. 评课：《秋天的雨》")
    activity = group.activities.order_by("starts_at").first()
    with phone_page() as page:
        sign_in(page, live_server.url, "zhangfang", "/research/")
        assert "三年级语文集体备课" in page.inner_text("main")
        screenshot(page, "research-home")
        page.click(f"a[href='/research/activities/{activity.pk}/']")
        page.wait_for_url(f"**/research/activities/{activity.pk}/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        page.click(".sign-in button")
        page.wait_for_selector(".sign-in .ok")
        page.fill("#post-body", "课件周一前上传到资源库，请 @李伟 老师看看<script>window.pwned=1</script>")
        page.click("#composer button[type=submit]")
        page.wait_for_selector(".post .mention")
        assert page.evaluate("window.pwned === undefined")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        screenshot(page, "research-activity")
    assert SignIn.objects.filter(activity=activity, user=member).exists()
    assert Post.objects.filter(author=member).count() == 1
    assert Notification.objects.filter(user=leader, kind=Notification.Kind.MENTION).count() == 1
