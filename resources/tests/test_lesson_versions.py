"""A resource page's "More for this lesson" gathers the same lesson across the versions of its book: a teacher who
filed her courseware under the old print (旧教材, "13 唐诗五首") sees the 新教材's "14 唐诗五首" resources, each marked
with its version, and they see hers; what the reader may not see stays out, and a different lesson too."""
from io import StringIO

import pytest
from django.core.management import call_command

from resources.models import ChapterNode, Resource, Textbook
from resources.selectors import related_resources
from tests.catalogue_helpers import NEW, OLD, versions
from tests.factories import ResourceFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(tmp_path):
    call_command("import_textbooks", str(versions(tmp_path / "catalogue")), stdout=StringIO(), stderr=StringIO())

    def filed(textbook, chapter_title, **fields):
        book = Textbook.objects.get(external_id=textbook)
        chapter = ChapterNode.objects.get(textbook=book, title=chapter_title)
        return ResourceFactory(textbook=book, chapter=chapter, edition=book.edition, volume=book.volume,
                               grade=book.grade, stage=book.stage, subject=book.subject, **fields)

    return filed


def test_the_old_prints_resource_shows_the_new_books_resources_of_the_lesson_and_back(client, lesson):
    hers = lesson(OLD, "13 唐诗五首", title="唐诗五首 旧版课件")
    new_ones = [lesson(NEW, "14 唐诗五首", title=f"唐诗五首 新教材 {kind}") for kind in ("教案", "课件")]
    other_school = SchoolFactory()
    hidden = lesson(NEW, "14 唐诗五首", title="唐诗五首 别校私有", visibility=Resource.Visibility.SCHOOL,
                    school=other_school)
    different = lesson(NEW, "15 背影", title="背影 课件")
    reader = UserFactory()

    page = client.get(hers.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "本课的更多资源" in html
    for resource in new_ones:
        assert resource.title in html
    assert "新教材" in html.split(new_ones[0].title)[1].split("</li>")[0], "marked with its version"
    assert hidden.title not in html and different.title not in html
    assert [r.pk for r in related_resources(resource=hers, user=reader)].count(hidden.pk) == 0

    back = client.get(new_ones[0].get_absolute_url()).content.decode()
    assert hers.title in back and "旧教材" in back.split(hers.title)[1].split("</li>")[0]
    assert new_ones[1].title in back and different.title not in back


def test_the_lookup_reads_only_the_books_concerned(lesson, django_assert_max_num_queries):
    hers = lesson(OLD, "13 唐诗五首")
    lesson(NEW, "14 唐诗五首")
    reader = UserFactory()
    hers = Resource.objects.select_related("textbook").get(pk=hers.pk)
    with django_assert_max_num_queries(9):
        assert len(related_resources(resource=hers, user=reader)) == 1
