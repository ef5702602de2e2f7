"""Reading the national textbook catalogue and chapter trees (国家中小学智慧教育平台 format).

Only reads and checks; nothing here writes to the database. Every problem that makes a whole
file unusable raises CatalogueError with a sentence that says what to do; problems with one
record are returned as `skipped` with the reason, so the rest can be imported.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .exceptions import CatalogueError
from .vocabulary import (
    clean_label,
    edition_series,
    normalize_edition,
    normalize_grade,
    normalize_stage,
    normalize_volume,
)

CATALOGUE_GLOB = "nl_tm_part_*.json"
_UUID_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# tag_dimension_id -> our field
TAG_DIMENSIONS = {
    "zxxxd": "stage",
    "zxxnj": "grade",
    "zxxxk": "subject",
    "zxxbb": "edition",
    "zxxcc": "volume",
    "zxxxjjc": "curriculum",
}
REQUIRED = {"stage": "学段", "subject": "学科", "edition": "版本", "volume": "册"}


@dataclass(frozen=True)
class BookRecord:
    external_id: str
    title: str
    stage: str
    school_system: str
    grade: str
    grade_label: str
    subject: str
    edition: str
    edition_series: str
    volume: str
    curriculum: str
    source_updated: str


@dataclass(frozen=True)
class NodeRecord:
    external_id: str
    textbook_id: str
    parent_id: str | None
    title: str
    kind: str
    depth: int
    position: int
    path: str


@dataclass
class Catalogue:
    books: list[BookRecord] = field(default_factory=list)
    nodes: list[NodeRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    catalogue_files: int = 0
    tree_files: int = 0


def find_files(path):
    """Return (catalogue files, chapter-tree files) under `path`, a folder or a single file."""
    path = Path(path)
    if not path.exists():
        raise CatalogueError(_("%(path)s does not exist. Give the folder that holds the catalogue.") % {"path": path})
    if path.is_file():
        candidates = [path]
    else:
        candidates = sorted(p for p in path.rglob("*.json") if p.is_file())
    catalogue = [p for p in candidates if p.match(CATALOGUE_GLOB)]
    trees = [p for p in candidates if _UUID_NAME.match(p.stem)]
    if path.is_file() and not catalogue and not trees:
        raise CatalogueError(
            _("%(path)s is neither a catalogue part (nl_tm_part_*.json) nor a chapter tree (<textbook id>.json).")
            % {"path": path}
        )
    if not catalogue and not trees:
        raise CatalogueError(
            _(
                "No catalogue files (nl_tm_part_*.json) or chapter trees (<textbook id>.json) were found in "
                "%(path)s. Check the folder: it should hold smartedu_textbook_catalog/ and "
                "smartedu_chapter_trees/raw/."
            )
            % {"path": path}
        )
    return catalogue, trees


def _load_json(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            _(
                "%(path)s is not valid JSON (line %(line)s, column %(col)s: %(msg)s). The file may be truncated or "
                "damaged: download it again. Nothing was imported."
            )
            % {"path": path, "line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            _("%(path)s is not UTF-8 text. Nothing was imported.") % {"path": path}
        ) from exc
    except OSError as exc:
        raise CatalogueError(_("%(path)s cannot be read: %(error)s") % {"path": path, "error": exc.strerror}) from exc


def _wrong_shape(path, expected):
    return CatalogueError(
        _("%(path)s does not have the expected shape: %(expected)s. Nothing was imported.")
        % {"path": path, "expected": expected}
    )


def parse_book(raw):
    """Return (BookRecord, None) or (None, reason) for one catalogue entry."""
    tags = {}
    for tag in raw.get("tag_list") or []:
        if isinstance(tag, dict) and tag.get("tag_dimension_id") in TAG_DIMENSIONS:
            tags.setdefault(TAG_DIMENSIONS[tag["tag_dimension_id"]], clean_label(tag.get("tag_name")))
    missing = [label for key, label in REQUIRED.items() if not tags.get(key)]
    if missing:
        return None, _("no %(tags)s tags") % {"tags": "/".join(missing)}
    stage, system = normalize_stage(tags["stage"])
    grade_label = tags.get("grade", "")
    edition = normalize_edition(tags["edition"])
    return (
        BookRecord(
            external_id=str(raw["id"]),
            title=clean_label(raw.get("title")),
            stage=stage,
            school_system=system,
            grade=normalize_grade(grade_label),
            grade_label=grade_label if not normalize_grade(grade_label) else "",
            subject=tags["subject"],
            edition=edition,
            edition_series=edition_series(edition),
            volume=normalize_volume(tags["volume"]),
            curriculum=tags.get("curriculum", ""),
            source_updated=str(raw.get("update_time") or ""),
        ),
        None,
    )


_UNIT = re.compile(r"^第[一二三四五六七八九十百\d]+单元")
_LESSON = re.compile(r"^(第[一二三四五六七八九十百\d]+课|\d+\s*\*?\s)")


def chapter_kind(title, depth, parent_kind, has_lesson_children):
    """单元 > 板块 > 课 > 篇, judged from the title and the place in the tree."""
    if _UNIT.match(title) or depth == 1:
        return "unit"
    if parent_kind == "lesson" or parent_kind == "piece":
        return "piece"
    if _LESSON.match(title):
        return "lesson"
    if has_lesson_children:
        return "section"
    return "lesson"


def _walk_tree(path, nodes, textbook_id, out, parent=None, depth=1, trail=()):
    if nodes is None:
        return
    if not isinstance(nodes, list):
        raise _wrong_shape(path, _("a chapter tree is a list of nodes with id, title and child_nodes"))
    for position, node in enumerate(nodes, start=1):
        if not isinstance(node, dict) or "id" not in node or "title" not in node or "child_nodes" not in node \
                or "tag_list" in node:
            raise _wrong_shape(path, _("a chapter tree is a list of nodes with id, title and child_nodes"))
        title = clean_label(node["title"])
        children = node.get("child_nodes") or []
        if not isinstance(children, list):
            raise _wrong_shape(path, _("a chapter tree is a list of nodes with id, title and child_nodes"))
        has_lesson_children = any(
            isinstance(c, dict) and _LESSON.match(clean_label(c.get("title"))) for c in children
        )
        kind = chapter_kind(title, depth, parent.kind if parent else None, has_lesson_children)
        record = NodeRecord(
            external_id=str(node["id"]),
            textbook_id=textbook_id,
            parent_id=parent.external_id if parent else None,
            title=title,
            kind=kind,
            depth=depth,
            position=position,
            path=" > ".join((*trail, title)),
        )
        out.append(record)
        _walk_tree(path, node.get("child_nodes"), textbook_id, out, record, depth + 1, (*trail, title))


def read_catalogue(path):
    """Read every catalogue part and chapter tree under `path`. Raises CatalogueError."""
    catalogue_files, tree_files = find_files(path)
    result = Catalogue(catalogue_files=len(catalogue_files), tree_files=len(tree_files))
    seen = set()
    for file in catalogue_files:
        data = _load_json(file)
        if not isinstance(data, list) or not data or not all(
            isinstance(item, dict) and "id" in item and isinstance(item.get("tag_list"), list) for item in data
        ):
            raise _wrong_shape(file, _("a catalogue part is a list of textbook records, each with id, title and tag_list"))
        usable = 0
        for raw in data:
            book, reason = parse_book(raw)
            if book is None:
                result.skipped.append(
                    _("textbook %(id)s “%(title)s” in %(file)s: %(reason)s")
                    % {"id": raw["id"], "title": raw.get("title", ""), "file": file.name, "reason": reason}
                )
            else:
                usable += 1
                if book.external_id not in seen:
                    seen.add(book.external_id)
                    result.books.append(book)
        if not usable:
            raise _wrong_shape(file, _("a catalogue part is a list of textbook records, each with id, title and tag_list"))
    for file in tree_files:
        data = _load_json(file)
        _walk_tree(file, data, file.stem, result.nodes)
    return result
