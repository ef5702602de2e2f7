"""`manage.py import_textbooks PATH`, through the command as operators run it."""
import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from resources.models import ChapterNode, Edition, Textbook, Volume

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


def run(path):
    out, err = StringIO(), StringIO()
    call_command("import_textbooks", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_builtin_catalogue_loads_books_and_chapter_trees(builtin_demo):
    out, _err = run(builtin_demo)
    assert Textbook.objects.count() == 2
    book = Textbook.objects.get(title="小学语文统编版三年级上册")
    assert (book.stage.name, book.grade.name, book.subject.name, book.edition.name, book.volume.name) == (
        "小学", "三年级", "语文", "统编版", "上册"
    )
    pieces = ChapterNode.objects.filter(textbook=book, kind="piece").values_list("title", flat=True)
    assert set(pieces) == {"山行", "赠刘景文", "夜书所见"}
    lesson = ChapterNode.objects.get(title="4 古诗三首")
    assert (lesson.kind, lesson.parent.title, lesson.path) == ("lesson", "第二单元", "第二单元 > 4 古诗三首")
    assert "新增 2，更新 0，未变 0" in out  # textbooks
    assert "新增 17，更新 0，未变 0" in out  # chapter nodes


def test_second_run_changes_nothing_and_says_so(builtin_demo):
    run(builtin_demo)
    before = list(ChapterNode.objects.order_by("pk").values_list("pk", "title", "parent_id", "path"))
    out, _err = run(builtin_demo)
    assert list(ChapterNode.objects.order_by("pk").values_list("pk", "title", "parent_id", "path")) == before
    assert "没有变化" in out


def test_a_changed_title_is_updated_in_place(builtin_demo, tmp_path):
    run(builtin_demo)
    copy = tmp_path / "catalogue"
    shutil.copytree(builtin_demo, copy)
    part = copy / "nl_tm_part_demo.json"
    books = json.loads(part.read_text())
    books[0]["title"] = "小学语文统编版三年级上册（2024）"
    part.write_text(json.dumps(books, ensure_ascii=False))
    out, _err = run(copy)
    assert Textbook.objects.count() == 2
    assert Textbook.objects.filter(title="小学语文统编版三年级上册（2024）").exists()
    assert "更新 1" in out


def test_editions_and_volumes_are_normalised(tmp_path):
    books = [
        {"id": "a", "title": "书一", "tag_list": [
            {"tag_dimension_id": "zxxxd", "tag_name": "初中（五•四学制）"},
            {"tag_dimension_id": "zxxxk", "tag_name": "艺术·美术"},
            {"tag_dimension_id": "zxxbb", "tag_name": "人美版(主编：陶涛)"},
            {"tag_dimension_id": "zxxnj", "tag_name": "高一年级"},
            {"tag_dimension_id": "zxxcc", "tag_name": "选择性必修第二册"},
        ]},
    ]
    (tmp_path / "nl_tm_part_1.json").write_text(json.dumps(books, ensure_ascii=False))
    run(tmp_path)
    book = Textbook.objects.get(external_id="a")
    assert book.school_system == "54" and book.stage.name == "初中"
    assert book.edition == Edition.objects.get(name="人美版（主编：陶涛）")
    assert book.edition.series == "人美版"
    assert book.volume == Volume.objects.get(name="选择性必修 第二册")
    assert book.grade.name == "高一"


def test_a_book_without_tags_is_named_and_skipped(tmp_path):
    books = [
        {"id": "45624335", "title": "0506", "tag_list": [{"tag_dimension_id": "", "tag_name": "分组名称0506"}]},
        {"id": "ok", "title": "好书", "tag_list": [
            {"tag_dimension_id": "zxxxd", "tag_name": "小学"}, {"tag_dimension_id": "zxxxk", "tag_name": "语文"},
            {"tag_dimension_id": "zxxbb", "tag_name": "统编版"}, {"tag_dimension_id": "zxxcc", "tag_name": "上册"},
        ]},
    ]
    (tmp_path / "nl_tm_part_1.json").write_text(json.dumps(books, ensure_ascii=False))
    _out, err = run(tmp_path)
    assert "45624335" in err and "0506" in err and "学段" in err
    assert list(Textbook.objects.values_list("external_id", flat=True)) == ["ok"]


# Bad input: one clear message, a non-zero exit, nothing half-imported.


def test_empty_folder(tmp_path):
    with pytest.raises(CommandError, match="没有找到教材目录文件"):
        run(tmp_path)


def test_missing_path(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        run(tmp_path / "nowhere")


def test_truncated_json_imports_nothing(builtin_demo, tmp_path):
    copy = tmp_path / "catalogue"
    shutil.copytree(builtin_demo, copy)
    tree = next(copy.glob("*-*-*-*-*.json"))
    tree.write_bytes(tree.read_bytes()[:200])  # cut off mid-file, as a broken download would be
    with pytest.raises(CommandError, match="不是有效的 JSON") as error:
        run(copy)
    assert tree.name in str(error.value)
    assert Textbook.objects.count() == 0 and ChapterNode.objects.count() == 0


@pytest.mark.parametrize(
    "name, content",
    [
        ("nl_tm_part_9.json", {"books": []}),
        ("nl_tm_part_9.json", ["just", "strings"]),
        ("7d3c1a52-5b8e-4f0e-9a51-0c2f8b6d1eff.json", {"id": "x", "title": "a dict, not a list"}),
        ("7d3c1a52-5b8e-4f0e-9a51-0c2f8b6d1eff.json", [{"name": "no id or title"}]),
        ("7d3c1a52-5b8e-4f0e-9a51-0c2f8b6d1eff.json", [{"id": "x", "title": "t", "child_nodes": 5}]),
        ("nl_tm_part_9.json", []),
        # a chapter tree saved under a catalogue name, and a catalogue part under a tree name
        ("nl_tm_part_9.json", [{"id": "n1", "title": "第一单元", "child_nodes": [{"id": "n2", "title": "1 课"}]}]),
        ("7d3c1a52-5b8e-4f0e-9a51-0c2f8b6d1eff.json",
         [{"id": "b1", "title": "书", "tag_list": [{"tag_dimension_id": "zxxxd", "tag_name": "小学"}]}]),
    ],
)
def test_wrong_shape_imports_nothing(builtin_demo, tmp_path, name, content):
    copy = tmp_path / "catalogue"
    shutil.copytree(builtin_demo, copy)
    (copy / name).write_text(json.dumps(content))
    with pytest.raises(CommandError, match="结构不符合要求"):
        run(copy)
    assert Textbook.objects.count() == 0 and ChapterNode.objects.count() == 0


def test_a_failure_while_writing_leaves_nothing_behind(builtin_demo, monkeypatch):
    """The import is one transaction: a crash after some chapters were written undoes the books too."""
    from resources.models import ChapterNode as Node

    real_create, calls = Node.objects.create, []

    def flaky_create(**kwargs):
        calls.append(1)
        if len(calls) > 5:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(Node.objects, "create", flaky_create)
    with pytest.raises(RuntimeError):
        run(builtin_demo)
    assert len(calls) == 6
    assert Textbook.objects.count() == 0 and Node.objects.count() == 0


def test_command_line_exit_code_and_one_line(tmp_path):
    """As an operator sees it: non-zero exit, one line on stderr."""
    result = subprocess.run(
        [sys.executable, "manage.py", "import_textbooks", str(tmp_path), "--skip-checks"],  # the machine's tool warnings are not the subject
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "CommandError" in lines[0] and str(tmp_path) in lines[0]


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_national_catalogue(shared_data):
    out, err = run(shared_data)
    assert Textbook.objects.count() == 2930
    assert ChapterNode.objects.count() == 4516
    assert "45624335-8845-4128-8cd4-911505631930" in err and "0506" in err
    assert err.count("\n") == 1  # exactly one unusable row
    assert "新增 2930" in out and "新增 4516" in out
    out, err = run(shared_data)
    assert "没有变化" in out
    assert "新增 0，更新 0，未变 2930" in out and "新增 0，更新 0，未变 4516" in out
