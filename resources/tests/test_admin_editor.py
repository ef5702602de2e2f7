"""The resource's Wagtail editor with the whole national catalogue (issue 20): textbook, chapter and the same
lesson in other editions are chosen in Wagtail choosers that search, not in select boxes that list every book
and chapter, so the edit and create pages stay small; and the form still saves all three."""
import re
import time

import pytest
from django.urls import reverse
from wagtail.models import TaskState
from wagtail.test.utils.form_data import nested_form_data, streamfield

from accounts.models import User
from media_pipeline.models import MediaAsset
from resources.models import ChapterNode, Resource, Textbook
from resources.services import resource_submit_for_moderation
from tests.factories import ResourceFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data, pytest.mark.slow]

PAGE_BYTES_MAX = 200_000


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    """The real national catalogue (2,931 books, 4,516 chapters) through the importer, once for this module's
    tests (each test's own writes are rolled back); removed afterwards, with the vocabulary it added."""
    from resources.catalogue import read_catalogue
    from resources.models import Edition, Grade, Stage, Subject, Volume
    from resources.services import textbooks_import
    from tests.shared import SHARED_DATA

    vocabulary = (Volume, Edition, Subject, Grade, Stage)
    with django_db_blocker.unblock():
        before = {model: set(model.objects.values_list("pk", flat=True)) for model in (Textbook, *vocabulary)}
        textbooks_import(catalogue=read_catalogue(SHARED_DATA))
        assert Textbook.objects.count() > 2900 and ChapterNode.objects.count() > 4500
    yield
    with django_db_blocker.unblock():
        for model in (Textbook, *vocabulary):
            model.objects.exclude(pk__in=before[model]).delete()


def _poems():
    """4 古诗三首 of 三年级 上册 in two prints of the book: 新教材, then 旧教材."""
    nodes = list(ChapterNode.objects.filter(title="4 古诗三首", textbook__title__contains="三年级上册",
                                            textbook__curriculum__in=["新教材", "旧教材"])
                 .select_related("textbook").order_by("textbook__curriculum"))
    assert [n.textbook.curriculum for n in nodes] == ["新教材", "旧教材"], [n.path for n in nodes]
    return nodes


def _edit_url(resource):
    return reverse("wagtailsnippets_resources_resource:edit", args=[resource.pk])


def _form_data(resource, also_chapters=(), **fields):
    """The editor's fields as the browser posts them; each other-edition chapter chooser posts its own id."""
    data = {
        "title": resource.title, "resource_type": resource.resource_type, "visibility": resource.visibility,
        "licence": "", "stage": resource.stage_id or "", "grade": "", "subject": resource.subject_id or "",
        "edition": "", "volume": "", "textbook": "", "chapter": "", "lesson_title": "", "description": "",
        "body": streamfield([]), "media_asset": "", "transcript": "", "action-publish": "publish",
    }
    data.update(fields)
    return {**nested_form_data(data), "also_chapters": [str(pk) for pk in also_chapters]}


def test_the_edit_and_create_pages_stay_small_with_the_whole_catalogue(client, catalogue):
    first, other = _poems()[:2]
    resource = ResourceFactory(title="古诗三首 课件", textbook=first.textbook, chapter=first)
    resource.also_chapters.set([other])
    teacher = UserFactory()
    MediaAsset.objects.bulk_create([MediaAsset(owner=teacher, title=f"第{i}节 录像", source_path="/dev/null")
                                    for i in range(2000)])  # a district's videos: every one reachable here
    client.force_login(UserFactory(role=User.Role.DISTRICT_RESEARCHER, school=None))

    started = time.monotonic()
    edit = client.get(_edit_url(resource))
    elapsed = time.monotonic() - started
    assert edit.status_code == 200
    page = edit.content.decode()
    assert len(edit.content) <= PAGE_BYTES_MAX, f"edit page {len(edit.content):,} bytes"
    selects = dict(re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S))
    assert {"textbook", "chapter", "also_chapters", "media_asset"}.isdisjoint(selects)  # choosers, not select boxes
    assert "第1999节 录像" not in page
    assert first.textbook.title not in page and other.path not in page  # named by the choosers, not listed
    # what is chosen is named with its book's version, as the site's chapter picker does
    assert first.textbook.curriculum and first.textbook.curriculum in page
    assert other.textbook.curriculum in page and "古诗三首" in page
    assert elapsed < 5, elapsed  # 3.6 s before, on a faster machine; the benchmark has the real figure

    client.force_login(UserFactory(is_superuser=True, is_staff=True, school=None))  # who may add
    create = client.get(reverse("wagtailsnippets_resources_resource:add"))
    assert create.status_code == 200
    assert len(create.content) <= PAGE_BYTES_MAX, f"create page {len(create.content):,} bytes"


def test_editing_textbook_chapter_and_other_chapters_through_the_admin_saves_them(client, catalogue):
    first, second = _poems()[:2]
    third = ChapterNode.objects.exclude(pk__in=[first.pk, second.pk]).filter(title__contains="秋天").first()
    resource = ResourceFactory(title="古诗三首 课件", visibility="public", live=True)
    client.force_login(UserFactory(role=User.Role.DISTRICT_RESEARCHER, school=None))

    response = client.post(_edit_url(resource), _form_data(
        resource, textbook=first.textbook_id, chapter=first.pk, also_chapters=[second.pk, third.pk]))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    resource.refresh_from_db()
    assert (resource.textbook_id, resource.chapter_id) == (first.textbook_id, first.pk)
    assert set(resource.also_chapters.values_list("pk", flat=True)) == {second.pk, third.pk}

    # the page shown again names them, and leaving one chooser empty drops that chapter
    page = client.get(_edit_url(resource)).content.decode()
    assert second.textbook.curriculum in page and third.title in page
    response = client.post(_edit_url(resource), _form_data(
        resource, textbook=first.textbook_id, chapter=first.pk, also_chapters=["", str(third.pk), ""]))
    assert response.status_code == 302
    assert list(resource.also_chapters.values_list("pk", flat=True)) == [third.pk]

    # an unknown chapter is refused with the form shown again, the error beside the field
    response = client.post(_edit_url(resource), _form_data(
        resource, chapter=ChapterNode.objects.order_by("-pk").first().pk + 1000))
    assert response.status_code == 200
    assert "chapter" in response.context["form"].errors
    resource.refresh_from_db()
    assert resource.chapter_id == first.pk


def test_creating_a_resource_saves_its_textbook_and_chapters(client, catalogue):
    first, second = _poems()[:2]
    client.force_login(UserFactory(is_superuser=True, is_staff=True, school=None))
    fields = _form_data(ResourceFactory.build(title="古诗三首 教案", resource_type="lesson_plan"),
                        textbook=first.textbook_id, chapter=first.pk, also_chapters=[second.pk])
    response = client.post(reverse("wagtailsnippets_resources_resource:add"), fields)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    resource = Resource.objects.get(title="古诗三首 教案")
    assert (resource.textbook_id, resource.chapter_id) == (first.textbook_id, first.pk)
    assert list(resource.also_chapters.all()) == [second]


def test_the_moderators_editor_is_small_too(client, catalogue):
    first = _poems()[0]
    school = SchoolFactory()
    teacher = UserFactory(school=school)
    resource = ResourceFactory(title="古诗三首 课件", visibility="school", school=school, uploaded_by=teacher,
                               textbook=first.textbook, chapter=first)
    resource_submit_for_moderation(resource=resource, user=teacher)
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=school, is_staff=True))
    edit = client.get(_edit_url(resource))
    assert edit.status_code == 200 and len(edit.content) <= PAGE_BYTES_MAX, len(edit.content)
    task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
    url = reverse("wagtailsnippets_resources_resource:workflow_action",
                  args=[resource.pk, "approve", task_state.pk])
    modal = client.get(url)  # "approve with comment" asks in a modal, which must not carry the form's selects
    assert modal.status_code == 200 and len(modal.content) <= PAGE_BYTES_MAX


def test_the_chapter_chooser_finds_a_chapter_by_its_chinese_title_with_its_books_version(client, catalogue):
    client.force_login(UserFactory(role=User.Role.DISTRICT_RESEARCHER, school=None))
    chooser = reverse("resources_chapter_chooser:choose_results")
    page = client.get(chooser, {"q": "古诗三首"}).content.decode()
    assert "古诗三首" in page and "新教材" in page and "旧教材" in page
    assert page.index("新教材") < page.index("旧教材")  # the current print first
    # narrowed to the textbook already chosen in the form
    first = _poems()[0]
    narrowed = client.get(chooser, {"q": "古诗三首", "textbook": first.textbook_id}).content.decode()
    assert len(re.findall(r"data-chooser-modal-choice", narrowed)) == first.textbook.chapters.filter(
        title__contains="古诗三首").count()
    # the book chooser finds a book by its title and says which print it is
    books = client.get(reverse("resources_textbook_chooser:choose_results"), {"q": "语文三年级上册"}).content.decode()
    titles = re.findall(r"data-chooser-modal-choice href=\"[^\"]+\">\s*([^<]+?)\s*</a>", books)
    # typed as one word, as people write it: its 学科, 年级 and 册 are found in it; the current print first
    assert titles[:2] == ["新教材-小学语文统编版三年级上册", "小学语文统编版三年级上册"], titles
    assert all("语文" in t and "三年级上册" in t for t in titles) and "五四学制" in books


def test_a_draft_keeps_its_other_edition_chapters_until_its_approval_publishes_them(client, catalogue):
    first, second = _poems()[:2]
    school = SchoolFactory()
    resource = ResourceFactory(title="古诗三首 课件", visibility="school", school=school, live=True,
                               textbook=first.textbook, chapter=first)
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=school, is_staff=True))
    data = _form_data(resource, textbook=first.textbook_id, chapter=first.pk, also_chapters=[second.pk])
    del data["action-publish"]
    assert client.post(_edit_url(resource), {**data, "action-submit": "submit"}).status_code == 302
    assert not resource.also_chapters.exists()  # the row is what readers see until it is approved
    assert second.textbook.curriculum in client.get(_edit_url(resource)).content.decode()  # the draft's choice

    task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
    approve = reverse("wagtailsnippets_resources_resource:workflow_action",
                      args=[resource.pk, "approve", task_state.pk])
    assert client.post(approve, {"comment": ""}).status_code == 302
    assert list(resource.also_chapters.all()) == [second]


def test_a_chapter_of_another_textbook_is_refused_beside_the_field(client, catalogue):
    first, second = _poems()[:2]
    resource = ResourceFactory(title="古诗三首 课件")
    client.force_login(UserFactory(role=User.Role.DISTRICT_RESEARCHER, school=None))
    response = client.post(_edit_url(resource), _form_data(resource, textbook=first.textbook_id, chapter=second.pk))
    assert response.status_code == 200
    assert second.textbook.title in response.context["form"].errors["chapter"][0]
    # a chapter alone brings its textbook
    response = client.post(_edit_url(resource), _form_data(resource, chapter=second.pk))
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.textbook_id, resource.chapter_id) == (second.textbook_id, second.pk)


def test_approving_a_request_made_outside_the_editor_keeps_the_links_added_meanwhile(client, catalogue):
    first, second = _poems()[:2]
    school = SchoolFactory()
    teacher = UserFactory(school=school)
    resource = ResourceFactory(title="古诗三首 课件", visibility="school", school=school, uploaded_by=teacher,
                               textbook=first.textbook, chapter=first)
    resource_submit_for_moderation(resource=resource, user=teacher)  # the site's "share with everyone"
    resource.also_chapters.add(second)  # the lesson mapping links the older print while it waits
    client.force_login(UserFactory(role=User.Role.SCHOOL_ADMIN, school=school, is_staff=True))
    task_state = TaskState.objects.get(workflow_state__object_id=str(resource.pk), status="in_progress")
    approve = reverse("wagtailsnippets_resources_resource:workflow_action",
                      args=[resource.pk, "approve", task_state.pk])
    assert client.post(approve, {"comment": ""}).status_code == 302
    resource.refresh_from_db()
    assert resource.visibility == "public" and list(resource.also_chapters.all()) == [second]
