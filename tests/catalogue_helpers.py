"""Small catalogues in the national format, written in the test: books with tags, chapter trees, resource rows.

`versions()` is one book in three versions (the catalogue's own quirks kept): 新教材 with its tree, the previous
print (旧教材) with a tree that numbers the lesson differently and names no 篇, and the 五四学制 book with no tree.
"""
import json
from pathlib import Path

NEW = "00000000-0000-4000-8000-000000000001"  # 新教材-初中语文统编版八年级上册: tree, 14 唐诗五首 with its 篇
OLD = "00000000-0000-4000-8000-000000000002"  # 初中语文统编版八年级上册 (旧教材): tree, 13 唐诗五首 without 篇
FIVE_FOUR = "00000000-0000-4000-8000-000000000003"  # 初中（五•四学制）语文统编版八年级上册: no tree

TITLES = {
    NEW: "新教材-初中语文统编版八年级上册",
    OLD: "初中语文统编版八年级上册",
    FIVE_FOUR: "初中（五•四学制）语文统编版八年级上册",
}
POEMS = ["野望", "黄鹤楼", "使至塞上", "渡荆门送别", "钱塘湖春行"]


def book(external_id, *, stage="初中", curriculum="", subject="语文", edition="统编版", grade="八年级", volume="上册"):
    tags = {"zxxxd": stage, "zxxxk": subject, "zxxbb": edition, "zxxnj": grade, "zxxcc": volume}
    if curriculum:
        tags["zxxxjjc"] = curriculum
    return {"id": external_id, "title": TITLES.get(external_id, external_id),
            "tag_list": [{"tag_dimension_id": k, "tag_name": v} for k, v in tags.items()],
            "update_time": "2024-08-01T00:00:00.000+0800"}


def node(external_id, title, *children):
    return {"id": external_id, "title": title, "child_nodes": list(children)}


def write_catalogue(folder: Path, books, trees=None) -> Path:
    """nl_tm_part_test.json with `books`, and a <textbook id>.json per tree of `trees` {textbook id: nodes}."""
    folder.mkdir(parents=True, exist_ok=True)
    if books:
        (folder / "nl_tm_part_test.json").write_text(json.dumps(books, ensure_ascii=False), encoding="utf-8")
    for textbook_id, nodes in (trees or {}).items():
        (folder / f"{textbook_id}.json").write_text(json.dumps(nodes, ensure_ascii=False), encoding="utf-8")
    return folder


def version_books():
    return [book(NEW, curriculum="新教材"), book(OLD, curriculum="旧教材"),
            book(FIVE_FOUR, stage="初中（五•四学制）", curriculum="旧教材")]


def version_trees():
    return {
        NEW: [node("new-u3", "第三单元",
                   node("new-l14", "14 唐诗五首", *[node(f"new-p{i}", poem) for i, poem in enumerate(POEMS)]),
                   node("new-l15", "15 背影"))],
        OLD: [node("old-u3", "第三单元", node("old-l13", "13 唐诗五首"), node("old-l14", "14 背影"))],
    }


def versions(folder: Path, *, trees=True) -> Path:
    return write_catalogue(folder, version_books(), version_trees() if trees else None)


def resource_row(external_id, textbook, chapter_path, *, title="唐诗五首（第1课时）", lesson_title="唐诗五首", **more):
    """One import row (DESIGN.md schema) for a resource of `textbook` (a key of TITLES)."""
    data = {
        "external_id": external_id, "title": title, "resource_type": "courseware",
        "stage": "初中（五•四学制）" if textbook == FIVE_FOUR else "初中", "grade": "八年级", "subject": "语文",
        "edition": "统编版", "volume": "上册", "textbook": TITLES[textbook], "chapter_path": list(chapter_path),
        "lesson_title": lesson_title, "authors": ["王老师"], "format": "pptx", "duration_s": None, "size_bytes": 1024,
        "width": 960, "height": 540, "source": "测试",
    }
    data.update(more)
    return json.dumps(data, ensure_ascii=False)


def write_rows(path: Path, *rows) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
