"""The home page and library a teacher sees on a phone, in Chinese by default."""
import pytest
from django.conf import settings

from resources.models import Resource
from tests.factories import GroupMembershipFactory, ResourceFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_by_default_even_for_an_english_browser(client):
    ResourceFactory(title="古诗三首 课件")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "按学段和学科浏览" in html and "最新资源" in html and "我的教研组" in html
    assert 'name="q"' in html and 'action="/search/"' in html  # the search box goes to search
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "古诗三首 课件" in html
    resource = Resource.objects.get(title="古诗三首 课件")
    assert f'href="/resources/browse/primary/{resource.subject_id}/"' in html, "a subject opens its editions and books"
    for stage in ("小学", "初中", "高中"):
        assert f"<summary>{stage}</summary>" in html


def test_english_is_one_switch_away(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Browse by stage and subject" in html and "Latest resources" in html


def test_browse_counts_resources_by_stage_and_subject(client):
    ResourceFactory.create_batch(3)
    html = client.get("/").content.decode()
    assert '语文 <span class="count">3</span>' in html


def test_my_groups_for_a_signed_in_teacher(client):
    membership = GroupMembershipFactory(group__name="三年级语文联合教研组")
    client.force_login(membership.user)
    html = client.get("/").content.decode()
    assert "三年级语文联合教研组" in html
    other = UserFactory()
    client.force_login(other)
    assert "三年级语文联合教研组" not in client.get("/").content.decode()


def test_private_resources_stay_private_on_every_page(client):
    mine = SchoolFactory()
    author = UserFactory(school=mine)
    secret = ResourceFactory(title="内部教案 绝密", visibility=Resource.Visibility.SCHOOL, school=mine, uploaded_by=author)
    outsider = UserFactory()  # another school
    client.force_login(outsider)
    assert "内部教案" not in client.get("/").content.decode()
    listing = client.get("/resources/", {"q": "内部教案"}).content.decode()
    assert f"/resources/{secret.pk}/" not in listing and "共 0 个资源" in listing
    assert client.get(f"/resources/{secret.pk}/").status_code == 404
    colleague = UserFactory(school=mine)
    client.force_login(colleague)
    assert f"/resources/{secret.pk}/" in client.get("/resources/", {"q": "内部教案"}).content.decode()
    assert client.get(f"/resources/{secret.pk}/").status_code == 200


def test_library_filters_by_stage_subject_and_words(client):
    ResourceFactory(title="古诗三首 课件")
    ResourceFactory(title="秋天的雨 教案")
    html = client.get("/resources/", {"q": "古诗 课件", "stage": "primary"}).content.decode()
    assert "古诗三首 课件" in html and "秋天的雨" not in html
    assert "共 1 个资源" in html
    assert "共 2 个资源" in client.get("/resources/", {"stage": "primary"}).content.decode()


def test_admin_login_page_is_served_in_chinese(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_a_missing_or_private_page_says_what_to_do_in_chinese(client):
    response = client.get("/resources/999999/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "找不到" in text and "登录" in text
