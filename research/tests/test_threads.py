"""Threads through HTTP: hostile text, oversized posts, @mentions (known and unknown), quotes,
read/unread, files and search that stay inside the group."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from research.models import Notification, Post, PostAttachment, Thread
from research.services.threads import post_create, thread_create

pytestmark = pytest.mark.django_db

HOSTILE = [
    ('<script>alert("x")</script>课堂导入', "<script"),
    ('<img src=x onerror="alert(1)">图片', "onerror"),
    ('<a href="javascript:alert(1)">点我</a>', "javascript:"),
    ('<a href=" JaVaScRiPt:alert(1)">点我</a>', "avascript"),
    ('<p onclick="steal()" style="position:fixed">样式</p>', "onclick"),
    ('<iframe src="https://evil.example"></iframe>框架', "<iframe"),
    ('<svg onload=alert(1)><circle/></svg>矢量', "<svg"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">数据</a>', "data:"),
    ('<form action="https://evil.example"><input name=p></form>表单', "<form"),
    ('"><script>alert(1)</script>', "<script"),
    ('<style>body{display:none}</style>隐藏', "<style"),
]


@pytest.fixture
def thread(people):
    return thread_create(group=people.group, author=people.leader, title="第三单元集体备课", body="大家好")


def post(client, thread, body, follow=False, **extra):
    return client.post(reverse("research:post_new", args=[thread.pk]), {"body": body, **extra}, follow=follow)


@pytest.mark.parametrize("body,forbidden", HOSTILE)
def test_hostile_posts_are_stored_and_shown_without_their_active_parts(people, as_user, thread, body, forbidden):
    client = as_user(people.member)
    assert post(client, thread, body).status_code == 302
    saved = Post.objects.filter(thread=thread, author=people.member).get()
    assert forbidden.lower() not in saved.body_html.lower()
    page = client.get(reverse("research:thread", args=[thread.pk])).content.decode()
    body_start = page.index(f'id="post-{saved.pk}"')
    shown = page[body_start:page.index("</li>", body_start)]
    assert forbidden.lower() not in shown.lower()


def test_links_and_line_breaks_typed_on_a_phone_survive(people, as_user, thread):
    client = as_user(people.member)
    post(client, thread, "第一行\n第二行\n\n课件在 https://example.org/kejian?id=3 请看")
    saved = Post.objects.get(author=people.member)
    assert "第一行<br>第二行" in saved.body_html
    assert '<a href="https://example.org/kejian?id=3" rel="noopener noreferrer nofollow ugc">' in saved.body_html


def test_an_oversized_post_is_refused_with_the_text_kept(people, as_user, thread, settings):
    settings.KEXIANG_POST_MAX_CHARS = 500
    client = as_user(people.member)
    body = "长" * 501
    response = post(client, thread, body)
    assert response.status_code == 400
    html = response.content.decode()
    assert body in html  # still in the box to shorten
    assert "501" in html and "500" in html
    assert not Post.objects.filter(author=people.member).exists()


def test_an_empty_post_is_refused(people, as_user, thread):
    response = post(as_user(people.member), thread, "   <p> </p> <script>x</script>")
    assert response.status_code == 400
    assert not Post.objects.filter(author=people.member).exists()


def test_mentions_notify_members_and_unknown_names_are_said_and_left_as_text(people, as_user, thread):
    client = as_user(people.member)
    response = post(client, thread, "请 @李伟 和 @wangjing 看看，@nobody 和 @赵磊 也来", follow=True)
    saved = Post.objects.get(author=people.member)
    assert '<span class="mention">@李伟</span>' in saved.body_html
    assert '<span class="mention">@wangjing</span>' in saved.body_html
    assert "@nobody" in saved.body_text and '<span class="mention">@nobody' not in saved.body_html
    # 赵磊 exists but is not in the group: not a mention, not notified (the group stays private).
    assert '<span class="mention">@赵磊' not in saved.body_html
    mentioned = Notification.objects.filter(kind=Notification.Kind.MENTION)
    assert set(mentioned.values_list("user__username", flat=True)) == {"liwei", "wangjing"}
    assert all(f"#post-{saved.pk}" in n.url for n in mentioned)
    page = response.content.decode()
    assert "@nobody" in page and "@赵磊" in page  # the warning names who was not found
    assert not Notification.objects.filter(user=people.outsider).exists()


def test_a_quote_notifies_its_author_once(people, as_user, thread):
    first = Post.objects.get(thread=thread)
    post(as_user(people.member), thread, "同意 @liwei", quote=str(first.pk))
    reply = Post.objects.get(author=people.member)
    assert reply.quote == first
    assert Notification.objects.filter(user=people.leader).count() == 1  # the mention; the reply adds none


def test_the_same_post_sent_twice_by_a_flaky_phone_is_saved_once(people, as_user, thread):
    client = as_user(people.member)
    for _ in range(2):
        assert post(client, thread, "网络不好，再发一次", client_key="abc123").status_code == 302
    assert Post.objects.filter(author=people.member).count() == 1


def test_read_and_unread(people, as_user, thread):
    leader = as_user(people.leader)
    member_client = as_user(people.member)
    member_client.get(reverse("research:thread", args=[thread.pk]))
    page = member_client.get(reverse("research:group", args=[people.group.pk])).content.decode()
    assert "unread" not in page.split('id="threads"')[1].split("</ul>")[0]
    post_create(thread=thread, author=people.leader, body="新的安排")
    page = member_client.get(reverse("research:group", args=[people.group.pk])).content.decode()
    assert 'class="resource unread"' in page
    member_client.get(reverse("research:thread", args=[thread.pk]))
    page = member_client.get(reverse("research:group", args=[people.group.pk])).content.decode()
    assert 'class="resource unread"' not in page
    assert leader.get(reverse("research:notifications")).status_code == 200


def test_files_are_for_members_only(people, as_user, thread):
    client = as_user(people.member)
    upload = SimpleUploadedFile("../../教案 第3课.docx", b"PK\x03\x04 lesson plan", content_type="application/octet-stream")
    post(client, thread, "教案见附件", files=upload)
    attachment = PostAttachment.objects.get()
    assert attachment.original_filename == "教案_第3课.docx"
    assert ".." not in attachment.file.name
    response = client.get(reverse("research:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"PK\x03\x04 lesson plan"
    assert "attachment" in response["Content-Disposition"]
    assert as_user(people.outsider).get(reverse("research:attachment", args=[attachment.pk])).status_code == 404


def test_a_huge_attachment_is_refused_and_the_text_kept(people, as_user, thread, settings):
    settings.KEXIANG_POST_ATTACHMENT_MAX_BYTES = 1024
    client = as_user(people.member)
    response = post(client, thread, "大文件", files=SimpleUploadedFile("录像.mp4", b"0" * 2048))
    assert response.status_code == 400 and "大文件" in response.content.decode()
    assert not PostAttachment.objects.exists() and not Post.objects.filter(author=people.member).exists()


def test_a_non_member_sees_no_thread_post_or_search_hit(people, as_user, thread):
    post_create(thread=thread, author=people.member, body="独一无二的暗号 XQ7")
    outsider = as_user(people.outsider)
    assert outsider.get(reverse("research:thread", args=[thread.pk])).status_code == 404
    assert post(outsider, thread, "我也想说").status_code == 404
    assert outsider.get(reverse("research:thread_new", args=[people.group.pk])).status_code == 404
    assert outsider.get(reverse("research:group", args=[people.group.pk])).status_code == 404
    assert outsider.get(reverse("research:group_public", args=[people.group.pk])).status_code == 404
    hits = outsider.get(reverse("research:search"), {"q": "XQ7"}).content.decode()
    assert "暗号" not in hits and "第三单元集体备课" not in hits
    home = outsider.get(reverse("research:home")).content.decode()
    assert people.group.name not in home
    # The library search does not carry research posts either.
    assert outsider.get(reverse("search:api"), {"q": "暗号 XQ7"}).json()["count"] == 0
    # A member finds it.
    member_hits = as_user(people.guest).get(reverse("research:search"), {"q": "XQ7"}).content.decode()
    assert "暗号" in member_hits
    assert Thread.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(people, client, thread):
    response = client.get(reverse("research:thread", args=[thread.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
