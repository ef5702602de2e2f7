"""A 篇 title finds a resource whose own textbook has no chapter tree, through the same lesson in another version
of the book (resources/lesson_mapping.py), on the database backend and on Elasticsearch."""
from io import StringIO

from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from resources.models import ChapterNode
from search.selectors import SearchParams, resource_search
from tests.catalogue_helpers import FIVE_FOUR, NEW, resource_row, versions, write_rows


def found(backend, q="", **filters):
    result = resource_search(user=AnonymousUser(), params=SearchParams(q=q, filters=filters), backend=backend.impl)
    return [r["external_id"] for r in result.results]


def run(command, path):
    call_command(command, str(path), stdout=StringIO(), stderr=StringIO())


def rows(tmp_path):
    return write_rows(
        tmp_path / "r.jsonl",
        resource_row("r:54", FIVE_FOUR, ["第三单元", "13 唐诗五首"]),  # its book has no tree
        resource_row("r:other", FIVE_FOUR, ["第三单元", "13 背影"], title="背影（第1课时）", lesson_title="背影"),
    )


def test_a_piece_title_finds_the_resource_of_a_book_without_tree(backend, tmp_path):
    run("import_textbooks", versions(tmp_path / "catalogue"))
    run("import_resources", rows(tmp_path))
    backend.sync()
    assert found(backend, "黄鹤楼") == ["r:54"]  # a poem of 14 唐诗五首 in 新教材
    assert found(backend, "钱塘湖春行 课件") == ["r:54"]
    lesson = ChapterNode.objects.get(textbook__external_id=NEW, title="14 唐诗五首")
    assert found(backend, chapter=lesson.pk) == ["r:54"]


def test_a_tree_that_arrives_later_makes_the_piece_titles_searchable(backend, tmp_path):
    run("import_textbooks", versions(tmp_path / "books", trees=False))
    run("import_resources", rows(tmp_path))
    backend.sync()
    assert found(backend, "黄鹤楼") == []
    run("import_textbooks", versions(tmp_path / "trees"))
    backend.sync()
    assert found(backend, "黄鹤楼") == ["r:54"]
