"""Notifications by e-mail, through a real SMTP server on loopback (aiosmtpd): the mail is read back from it."""
import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from outbox.models import Delivery, DeliveryPreference
from outbox.tasks import deliver_notifications, send_digests
from research.models import GroupMembership, Notification
from research.services.threads import post_create, thread_create
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.mails.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Mail settings pointing at a port on loopback; `smtp.start()` starts the real server there."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.LANGUAGE_CODE = "zh-hans"
    inbox = Inbox()
    controllers = []

    class Server:
        mails = inbox.mails

        @staticmethod
        def start():
            controller = Controller(inbox, hostname="127.0.0.1", port=port)
            controller.start()
            controllers.append(controller)

    yield Server
    for controller in controllers:
        controller.stop()


@pytest.fixture
def group():
    school = SchoolFactory()
    group = ResearchGroupFactory(name="三年级语文组", school=school)
    leader = UserFactory(username="liwei", full_name="李伟", school=school, email="liwei@example.cn")
    member = UserFactory(username="zhangfang", full_name="张芳", school=school, email="zhangfang@example.cn")
    GroupMembershipFactory(group=group, user=leader, role=GroupMembership.Role.LEADER)
    GroupMembershipFactory(group=group, user=member)
    return group, leader, member


def body_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_mention_arrives_by_mail_at_once_with_its_link(smtp, group):
    smtp.start()
    grp, leader, member = group
    thread = thread_create(group=grp, author=leader, title="试讲安排", body="下周二试讲")
    post_create(thread=thread, author=leader, body="@张芳 请准备《秋天的雨》")
    assert len(smtp.mails) == 1
    recipients, message = smtp.mails[0]
    assert recipients == ["zhangfang@example.cn"]
    assert message["Subject"].strip() == "[课享] 提及：李伟 在“试讲安排”中提及了你：@张芳 请准备《秋天的雨》"
    body = body_of(message)
    assert f"/research/threads/{thread.pk}/" in body and body.count("http://") >= 2  # the post, and the settings
    delivery = Delivery.objects.get(user=member)
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 1


def test_the_days_notifications_come_in_one_digest(smtp, group):
    smtp.start()
    grp, _leader, member = group
    for n in range(3):
        Notification.objects.create(user=member, kind=Notification.Kind.REPLY, text=f"回复 {n}",
                                    url=f"/research/threads/{n}/", group=grp)
    deliver_notifications()
    assert smtp.mails == [], "replies wait for the digest by default"
    assert send_digests() == 1
    (recipients, message), = smtp.mails
    assert recipients == ["zhangfang@example.cn"] and message["Subject"].strip() == "[课享] 今日汇总：3 条通知"
    body = body_of(message)
    assert all(f"回复 {n}" in body and f"/research/threads/{n}/" in body for n in range(3))
    assert send_digests() == 0 and len(smtp.mails) == 1, "each entry goes once"


def test_a_kind_turned_off_sends_nothing_and_the_page_saves_the_choice(client, smtp, group):
    smtp.start()
    grp, leader, member = group
    client.force_login(member)
    page = client.get(reverse("outbox:preferences")).content.decode()
    assert 'value="zhangfang@example.cn"' in page
    data = {"email": "zf@school.cn", **{f"kind_{kind}": "instant" for kind in Notification.Kind.values}}
    data["kind_mention"] = "off"
    assert client.post(reverse("outbox:preferences"), data).status_code == 302
    member.refresh_from_db()
    assert member.email == "zf@school.cn"
    assert DeliveryPreference.objects.get(user=member, kind="mention").mode == "off"
    thread = thread_create(group=grp, author=leader, title="试讲安排", body="下周二试讲")
    post_create(thread=thread, author=leader, body="@张芳 请准备")
    assert smtp.mails == []
    assert Delivery.objects.get(user=member).state == Delivery.State.SKIPPED
    Notification.objects.create(user=member, kind=Notification.Kind.REPLY, text="新回复", url="/r/", group=grp)
    assert [to for to, _m in smtp.mails] == [["zf@school.cn"]], "a reply, now at once, to the new address"


def test_a_mail_server_that_is_down_loses_nothing(smtp, group):
    grp, leader, member = group  # nothing listens on the port yet
    thread = thread_create(group=grp, author=leader, title="试讲安排", body="下周二试讲")
    post_create(thread=thread, author=leader, body="@张芳 请准备")
    delivery = Delivery.objects.get(user=member)
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1 and delivery.last_error
    smtp.start()
    deliver_notifications()  # too soon: it waits ten minutes before trying again
    assert smtp.mails == []
    Delivery.objects.filter(pk=delivery.pk).update(last_attempt_at=timezone.now() - timedelta(minutes=11))
    deliver_notifications()  # the sweeper
    assert [to for to, _m in smtp.mails] == [["zhangfang@example.cn"]]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 2


def test_no_address_no_mail(smtp, group):
    smtp.start()
    grp, _leader, member = group
    member.email = ""
    member.save()
    Notification.objects.create(user=member, kind=Notification.Kind.MENTION, text="提到你", url="/r/", group=grp)
    assert smtp.mails == [] and Delivery.objects.get(user=member).state == Delivery.State.SKIPPED
