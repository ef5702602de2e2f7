"""The same lesson in another version of a textbook, found at import time (resources/lesson_mapping.py), through the
commands as operators run them."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from resources.lesson_mapping import title_key
from resources.models import ChapterNode, Resource
from tests.catalogue_helpers import FIVE_FOUR, NEW, OLD, resource_row, versions, write_rows

pytestmark = pytest.mark.django_db


def run(command, path):
    out = StringIO()
    with translation.override("en"):
        call_command(command, str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def lesson(textbook_id, title):
    return ChapterNode.objects.get(textbook__external_id=textbook_id, title=title)


def also(external_id):
    return set(Resource.objects.get(external_id=external_id).also_chapters.all())


def test_title_key_drops_numbers_stars_notes_and_punctuation():
    assert title_key("13 唐诗五首") == title_key("14 唐诗五首") == title_key("唐诗五首") == "唐诗五首"
    assert title_key("第一课 治国安邦的总章程") == "治国安邦的总章程"
    assert title_key("24*京剧趣谈") == title_key("京剧趣谈")
    assert title_key("*百年孤独（节选）") == "百年孤独"
    assert title_key("七律•长征") == title_key("七律·长征")
    assert title_key("第11课") == ""


def test_a_resource_whose_book_has_no_tree_gets_the_lesson_of_another_version(tmp_path):
    run("import_textbooks", versions(tmp_path / "catalogue"))
    # The 五四学制 book has no tree, and numbers the lesson 13 where 新教材 has 14.
    rows = write_rows(tmp_path / "r.jsonl", resource_row("r:54", FIVE_FOUR, ["第三单元", "13 唐诗五首"]))
    out = run("import_resources", rows)
    assert "Lessons mapped to another version of their textbook: 1 (resources: 1, newly linked: 1)." in out
    resource = Resource.objects.get(external_id="r:54")
    assert resource.chapter is None
    # 旧教材 has the lesson too (13 唐诗五首), but names no 篇: the version that does comes first.
    assert also("r:54") == {lesson(NEW, "14 唐诗五首")}


def test_a_lesson_numbered_differently_in_its_own_book_is_found_there(tmp_path):
    run("import_textbooks", versions(tmp_path / "catalogue"))
    rows = write_rows(
        tmp_path / "r.jsonl",
        resource_row("r:old", OLD, ["第三单元", "14 唐诗五首"]),  # 新教材's number in 旧教材's book
        resource_row("r:new", NEW, ["第三单元", "13 唐诗五首"]),
        resource_row("r:slot", FIVE_FOUR, ["第三单元", "语文园地"], title="语文园地三", lesson_title="语文园地"),
    )
    out = run("import_resources", rows)
    old = Resource.objects.get(external_id="r:old")
    assert old.chapter == lesson(OLD, "13 唐诗五首")
    # Its own lesson names no 篇; 新教材's does.
    assert also("r:old") == {lesson(NEW, "14 唐诗五首")}
    new = Resource.objects.get(external_id="r:new")
    assert new.chapter == lesson(NEW, "14 唐诗五首") and also("r:new") == set()
    assert also("r:slot") == set()  # no such lesson in the trees: nothing guessed
    assert "Lessons mapped to another version of their textbook: 1 (resources: 1, newly linked: 1)." in out


def test_links_people_made_survive_a_reimport_and_block_another_guess_in_that_book(tmp_path):
    run("import_textbooks", versions(tmp_path / "catalogue"))
    path = tmp_path / "r.jsonl"
    write_rows(path, resource_row("r:54", FIVE_FOUR, ["第三单元", "13 唐诗五首"]),
               resource_row("r:chosen", FIVE_FOUR, ["第三单元"]))
    run("import_resources", path)
    # A person adds 旧教材's lesson to one, and files the other under another lesson of 新教材 themselves.
    Resource.objects.get(external_id="r:54").also_chapters.add(lesson(OLD, "13 唐诗五首"))
    Resource.objects.get(external_id="r:chosen").also_chapters.add(lesson(NEW, "15 背影"))
    write_rows(path, resource_row("r:54", FIVE_FOUR, ["第三单元", "13 唐诗五首"]),
               resource_row("r:chosen", FIVE_FOUR, ["第三单元", "13 唐诗五首"]))
    out = run("import_resources", path)
    assert also("r:54") == {lesson(NEW, "14 唐诗五首"), lesson(OLD, "13 唐诗五首")}
    assert also("r:chosen") == {lesson(NEW, "15 背影")}
    assert "Lessons mapped to another version of their textbook: 1 (resources: 1, newly linked: 0)." in out


def test_trees_that_arrive_after_the_resources_file_and_map_them(tmp_path):
    run("import_textbooks", versions(tmp_path / "books", trees=False))
    rows = write_rows(tmp_path / "r.jsonl", resource_row("r:54", FIVE_FOUR, ["第三单元", "13 唐诗五首"]),
                      resource_row("r:new", NEW, ["第三单元", "14 唐诗五首"]))
    assert "mapped to another version of their textbook: 0 " in run("import_resources", rows)
    assert not Resource.objects.filter(chapter__isnull=False).exists()

    out = run("import_textbooks", versions(tmp_path / "trees"))
    assert "Resources already in the library filed under their chapter in the new trees: 1." in out
    assert "Lessons mapped to another version of their textbook: 1 (resources: 1, newly linked: 1)." in out
    assert Resource.objects.get(external_id="r:new").chapter == lesson(NEW, "14 唐诗五首")
    assert also("r:54") == {lesson(NEW, "14 唐诗五首")}
    assert also("r:new") == set()
    # Nothing new the second time.
    assert "newly linked: 0" in run("import_textbooks", versions(tmp_path / "trees"))
