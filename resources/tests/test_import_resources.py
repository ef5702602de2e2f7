"""`manage.py import_resources FILE.jsonl` in the import schema of DESIGN.md."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from resources.models import Resource

pytestmark = pytest.mark.django_db


def run(path):
    out, err = StringIO(), StringIO()
    call_command("import_resources", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row(**overrides):
    data = {
        "external_id": "x:1", "title": "古诗三首 课件", "resource_type": "courseware", "stage": "小学", "grade": "三年级",
        "subject": "语文", "edition": "统编版", "volume": "上册", "textbook": "小学语文统编版三年级上册",
        "chapter_path": ["第二单元", "4 古诗三首"], "lesson_title": "古诗三首", "authors": ["王老师"], "format": "pptx",
        "duration_s": None, "size_bytes": 1024, "width": 960, "height": 540, "source": "测试",
    }
    data.update(overrides)
    return json.dumps(data, ensure_ascii=False)


def test_builtin_demo_resources_attach_to_their_chapters(builtin_demo):
    call_command("import_textbooks", str(builtin_demo), stdout=StringIO())
    out, err = run(builtin_demo / "resources.jsonl")
    assert err == ""
    assert Resource.objects.count() == 26
    plan = Resource.objects.get(title="古诗三首 教学设计")
    assert plan.chapter.title == "4 古诗三首"
    assert plan.textbook.title == "小学语文统编版三年级上册"
    assert (plan.stage.name, plan.grade.name, plan.subject.name) == ("小学", "三年级", "语文")


def test_bad_rows_are_reported_with_line_numbers_and_skipped(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        "\n".join(
            [
                row(external_id="ok:1"),
                '{"external_id": "cut:1", "title": "被截断',  # truncated line
                row(external_id="bad:type", resource_type="movie"),
                row(external_id="bad:size", size_bytes="big"),
                json.dumps(["not", "an", "object"]),
                row(external_id="", title="no id"),
                row(external_id="ok:1", title="duplicate id"),
                row(external_id="ok:2", custom_field={"kept": True}),
            ]
        ),
        encoding="utf-8",
    )
    out, err = run(path)
    for line in (2, 3, 4, 5, 6, 7):
        assert f"第 {line} 行" in err
    assert "movie" in err and "size_bytes" in err and "ok:1" in err
    assert set(Resource.objects.values_list("external_id", flat=True)) == {"ok:1", "ok:2"}
    assert Resource.objects.get(external_id="ok:2").extra == {"custom_field": {"kept": True}}
    assert "跳过错误行 6" in out


def test_reimport_updates_by_external_id(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(row(), encoding="utf-8")
    run(path)
    first = Resource.objects.get()
    out, _ = run(path)
    assert "未变 1" in out
    path.write_text(row(title="古诗三首 课件（修订）"), encoding="utf-8")
    out, _ = run(path)
    assert "更新 1" in out
    again = Resource.objects.get()
    assert again.pk == first.pk and again.title == "古诗三首 课件（修订）"


def test_empty_or_missing_file_is_one_clear_error(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(CommandError, match="没有记录"):
        run(empty)
    with pytest.raises(CommandError, match="不是文件"):
        run(tmp_path / "missing.jsonl")
