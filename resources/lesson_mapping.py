"""The same lesson in another version of a textbook (新教材/旧教材, 五四/六三 学制), found by its title.

A resource knows its lesson through its chapter node, found by its chapter path in its own textbook's tree.
When the path names no lesson there (it is numbered differently in this print: "13 唐诗五首" for "14 唐诗五首"),
the lesson is looked for by the title the path ends with, its number dropped. When the book has no tree, or its
tree lacks the lesson, or its lesson names no 篇, the same lesson is looked for in the sibling books: the same
subject, grade, volume and edition (新教材 and the previous print, 五四 and 六三 学制). What is found there goes into
`Resource.also_chapters`: search then knows the titles of the 篇 under it, and a chapter filter on that book finds
the resource.

Titles every unit has (语文园地, 写作, 口语交际: "slots") are never matched, and a title that names two lessons
of a book only when the unit number tells them apart. Reads only: `LessonIndex` holds the lesson and 篇 nodes in
memory, built once per import; resources/services.py writes.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from .models import ChapterNode, Textbook

LESSON_KINDS = (ChapterNode.Kind.LESSON, ChapterNode.Kind.PIECE)

# "13 唐诗五首", "4* 灯笼", "24*京剧趣谈", "第一课 治国安邦的总章程", "*百年孤独（节选）"
_NUMBER = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇\d]+课|\d{1,3}(?=[\s*＊\u4e00-\u9fff《“]))")
_STARS = re.compile(r"^[\s*＊]+")
_EXCERPT = re.compile(r"[（(]节选[)）]$")
_UNIT = re.compile(r"^第([一二三四五六七八九十百\d]+)单元")
_TRAILING_NUMBER = re.compile(r"[一二三四五六七八九十\d]+$")
SLOT_UNITS = 3  # a title in this many units of one book is a slot (语文园地, 写作, 口语交际), not a text


def title_key(title) -> str:
    """What two versions of a lesson title share: no number, no 节选 note, no punctuation, spaces or width."""
    text = unicodedata.normalize("NFKC", str(title or "")).strip()
    text = _STARS.sub("", _NUMBER.sub("", text))
    text = _EXCERPT.sub("", text.strip())
    return "".join(ch for ch in text.lower() if unicodedata.category(ch)[0] not in "PSZC")


def unit_number(title) -> str:
    """第七单元 … -> 七; "" for anything else."""
    match = _UNIT.match(unicodedata.normalize("NFKC", str(title or "")).strip())
    return match.group(1) if match else ""


def sibling_key(*, subject_id, grade_id, grade_label, volume_id, edition_id):
    """Books of one subject, grade, volume and edition are versions of one another; None when one is missing."""
    if not (subject_id and volume_id and edition_id and (grade_id or grade_label)):
        return None
    return subject_id, grade_id or grade_label, volume_id, edition_id


@dataclass
class MappingCounts:
    """Lessons found in another version of their textbook: (the resource's book, the sibling's node) pairs, the
    resources, and those of them whose link is new in this run."""

    pairs: set = field(default_factory=set)
    resources: set = field(default_factory=set)
    added: set = field(default_factory=set)

    @property
    def lessons(self):
        return len(self.pairs)

    def merge(self, other):
        self.pairs |= other.pairs
        self.resources |= other.resources
        self.added |= other.added


@dataclass(frozen=True)
class ResourceFacts:
    """What the mapping reads of a resource (a row being imported, or one in the library)."""

    pk: int
    textbook_id: int | None
    chapter_id: int | None
    chapter_path: list
    lesson_title: str
    subject_id: int | None
    grade_id: int | None
    volume_id: int | None
    edition_id: int | None

    FIELDS = ("pk", "textbook_id", "chapter_id", "chapter_path", "lesson_title", "subject_id", "grade_id", "volume_id",
              "edition_id")


@dataclass(frozen=True)
class _Book:
    key: tuple | None
    curriculum: str
    school_system: str


class LessonIndex:
    """The lesson and 篇 nodes of every textbook with a tree (or of `textbook_ids` only), by book and title key; two
    queries."""

    def __init__(self, textbook_ids=None):
        books, nodes = Textbook.objects.all(), ChapterNode.objects.all()
        if textbook_ids is not None:
            books, nodes = books.filter(pk__in=textbook_ids), nodes.filter(textbook_id__in=textbook_ids)
        self.books = {
            pk: _Book(sibling_key(subject_id=s, grade_id=g, grade_label=label, volume_id=v, edition_id=e), curriculum,
                      system)
            for pk, s, g, label, v, e, curriculum, system in books.values_list(
                "pk", "subject_id", "grade_id", "grade_label", "volume_id", "edition_id", "curriculum", "school_system")
        }
        self.book_of, self.kind, self.title = {}, {}, {}
        self.by_title = {}  # textbook id -> title key -> [node ids]
        self.unit_of = {}  # node id -> its unit's number
        self.with_children = set()  # nodes with a node below them (a lesson with its 篇)
        for pk, textbook_id, parent_id, kind, title in nodes.order_by("depth", "position", "pk").values_list(
                "pk", "textbook_id", "parent_id", "kind", "title"):
            self.book_of[pk], self.kind[pk], self.title[pk] = textbook_id, kind, title
            self.unit_of[pk] = self.unit_of.get(parent_id, "") if parent_id else unit_number(title)
            if parent_id is not None:
                self.with_children.add(parent_id)
            if kind in LESSON_KINDS and (key := title_key(title)):
                self.by_title.setdefault(textbook_id, {}).setdefault(key, []).append(pk)
        # 语文园地(八), 写作, 口语交际, 识字加油站: what every unit has, with other content in every version.
        units = {}
        for textbook_id, keys in self.by_title.items():
            for key, nodes in keys.items():
                units.setdefault((textbook_id, _TRAILING_NUMBER.sub("", key)), set()).update(
                    self.unit_of[pk] or pk for pk in nodes)
        self.slots = {base for (_book, base), found in units.items() if len(found) >= SLOT_UNITS}
        self.siblings = {}  # sibling key -> ids of the books with a tree
        for textbook_id in self.by_title:
            book = self.books.get(textbook_id)
            if book and book.key:
                self.siblings.setdefault(book.key, []).append(textbook_id)

    def is_lesson(self, node_id):
        """A lesson or a 篇: a resource on it knows its lesson (a unit or a section does not)."""
        return self.kind.get(node_id) in LESSON_KINDS

    def in_book(self, textbook_id, *, chapter_path, lesson_title):
        """The lesson (or 篇) of `textbook_id` that the resource's last title names, whatever its number."""
        key, unit = _own_title(chapter_path, lesson_title)
        return self._one(textbook_id, key, unit) if key else None

    def sibling_lesson(self, resource: ResourceFacts):
        """The node of the resource's lesson in another version of its book, when that tells search more: its own
        lesson is unknown (no tree, or a title the tree lacks), or its own lesson has no 篇 and the sibling's has.
        A version whose lesson has 篇 comes first, then `_preference`. None when there is no such sibling, or the
        title names no single node there."""
        own_node = resource.chapter_id if self.is_lesson(resource.chapter_id) else None
        if own_node is not None:
            if self.kind[own_node] == ChapterNode.Kind.PIECE or own_node in self.with_children:
                return None
            key, unit = title_key(self.title[own_node]), self.unit_of[own_node]
        else:
            key, unit = _own_title(resource.chapter_path, resource.lesson_title)
        own = self.books.get(resource.textbook_id)
        group = own.key if own else sibling_key(
            subject_id=resource.subject_id, grade_id=resource.grade_id, grade_label="", volume_id=resource.volume_id,
            edition_id=resource.edition_id)
        if not key or group is None:
            return None
        mine, first = {resource.textbook_id, self.book_of.get(own_node)}, None
        for book in sorted((pk for pk in self.siblings.get(group, ()) if pk not in mine),
                           key=lambda pk: _preference(self.books[pk], own, pk)):
            node = self._one(book, key, unit)
            if node in self.with_children:  # a version that names the lesson's 篇 first
                return node
            first = first or node
        return first if own_node is None else None

    def versions_of(self, node_id) -> list:
        """The same lesson (or 篇) as `node_id` in the other versions of its book, by title and unit; never a slot."""
        book = self.books.get(self.book_of.get(node_id))
        if not self.is_lesson(node_id) or book is None or book.key is None:
            return []
        key, unit = title_key(self.title[node_id]), self.unit_of[node_id]
        found = (self._one(other, key, unit) for other in self.siblings.get(book.key, ())
                 if other != self.book_of[node_id])
        return [node for node in found if node is not None]

    def _one(self, textbook_id, key, unit):
        if _TRAILING_NUMBER.sub("", key) in self.slots:
            return None
        found = self.by_title.get(textbook_id, {}).get(key, ())
        if len(found) > 1 and unit:  # 古诗三首 in two units: the one in the same unit
            found = [pk for pk in found if self.unit_of[pk] == unit]
        return found[0] if len(found) == 1 else None


def _own_title(chapter_path, lesson_title):
    """The key of the resource's own node, the last title of its path (the lesson title when it has no path), and
    the number of its unit. Never a title above it: the 习作 or 阅读 over the 篇 a resource is about is another
    lesson in another version."""
    chapter_path = chapter_path or []
    return (title_key(chapter_path[-1] if chapter_path else lesson_title),
            unit_number(chapter_path[0]) if chapter_path else "")


def _preference(book, own, pk):
    """The same curriculum (新教材/旧教材) and school system as the resource's own book first, then 新教材."""
    if own is None:
        return (book.curriculum != "新教材", book.school_system != Textbook.SchoolSystem.SIX_THREE, pk)
    return (book.curriculum != own.curriculum, book.school_system != own.school_system,
            book.curriculum != "新教材", pk)


def same_lesson_in_other_versions(node_ids) -> set:
    """The lessons among `node_ids` (chapter nodes) in the other versions of their books: 新教材 and the earlier
    print, 五四 and 六三 学制. Reads only the books concerned: five queries, whatever the catalogue's size."""
    lessons = dict(ChapterNode.objects.filter(pk__in=node_ids, kind__in=LESSON_KINDS).values_list("pk", "textbook_id"))
    if not lessons:
        return set()
    own = Textbook.objects.filter(pk__in=set(lessons.values())).values_list(
        "subject_id", "grade_id", "grade_label", "volume_id", "edition_id")
    keys = {key for s, g, label, v, e in own
            if (key := sibling_key(subject_id=s, grade_id=g, grade_label=label, volume_id=v, edition_id=e))}
    if not keys:
        return set()
    candidates = Textbook.objects.filter(subject_id__in={k[0] for k in keys}, volume_id__in={k[2] for k in keys},
                                         edition_id__in={k[3] for k in keys}).values_list(
        "pk", "subject_id", "grade_id", "grade_label", "volume_id", "edition_id")
    books = [pk for pk, s, g, label, v, e in candidates
             if sibling_key(subject_id=s, grade_id=g, grade_label=label, volume_id=v, edition_id=e) in keys]
    index = LessonIndex(textbook_ids=books)
    return {other for node in lessons for other in index.versions_of(node)}
