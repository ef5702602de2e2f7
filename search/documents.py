"""What a resource looks like to search: one flat record, written to Elasticsearch and to SearchEntry.

`resource_records(ids)` reads resources with their taxonomy and chapter tree once; `es_document` and
`search_entry` turn a record into what each backend stores. The Elasticsearch mapping lives here too.
"""
import dataclasses
import datetime

from django.conf import settings
from elasticsearch_dsl import Boolean, Date, Document, Integer, Keyword, Text, analyzer, char_filter, tokenizer

from resources.models import ChapterNode, Resource

from . import text
from .sample import in_sample

TEXT_FIELDS = ("title", "lesson", "chapter", "pieces", "authors", "tags", "description")
CORE_FIELDS = ("title", "lesson", "chapter")
FACET_FIELDS = ("stage", "grade", "subject", "edition", "volume", "type")


@dataclasses.dataclass
class ResourceRecord:
    id: int
    external_id: str
    title: str
    lesson: str
    chapter: str  # the chapter path, " / " between levels
    chapter_path: list
    pieces: list  # titles of the 篇 (and other nodes) under the resource's chapter node and its also_chapters
    authors: list
    tags: list
    description: str
    type: str
    stage: str
    grade: str
    subject: str
    edition: str
    volume: str
    chapter_id: int | None
    chapter_ids: list  # the chapter node and its ancestors, for filtering by any level
    visibility: str
    school_id: int | None
    uploaded_by_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    use_count: int

    def text_of(self, field):
        value = getattr(self, field)
        return " ".join(value) if isinstance(value, list) else (value or "")


def _name(obj):
    return obj.name if obj is not None else ""


def resource_records(resource_ids):
    """ResourceRecords for the resources that still exist among `resource_ids` (order not kept)."""
    resources = list(
        Resource.objects.filter(pk__in=list(resource_ids))
        .select_related("stage", "grade", "subject", "edition", "volume", "chapter")
        .prefetch_related("also_chapters")
    )
    tree = _ChapterTree({r.chapter.textbook_id for r in resources if r.chapter_id}
                        | {c.textbook_id for r in resources for c in r.also_chapters.all()})
    records = []
    for r in resources:
        path = [p for p in (r.chapter_path or []) if p] or (r.chapter.path.split(" > ") if r.chapter_id else [])
        # The same lesson in another version of the book (resources/lesson_mapping.py) names the 篇 its own lacks.
        pieces = list(dict.fromkeys(tree.below(r.chapter_id) + [t for c in r.also_chapters.all() for t in tree.below(c.pk)]))
        records.append(
            ResourceRecord(
                id=r.pk, external_id=r.external_id, title=r.title, lesson=r.lesson_title, chapter=" / ".join(path),
                chapter_path=path, pieces=pieces, authors=list(r.authors or []),
                tags=[str(t) for t in (r.tags or [])], description=r.description or "", type=r.resource_type,
                stage=_name(r.stage), grade=_name(r.grade), subject=_name(r.subject), edition=_name(r.edition),
                volume=_name(r.volume), chapter_id=r.chapter_id,
                # The same lesson in other editions: a chapter filter on either edition finds it.
                chapter_ids=list(dict.fromkeys(
                    tree.chain(r.chapter_id) + [pk for c in r.also_chapters.all() for pk in tree.chain(c.pk)])),
                visibility=r.visibility if r.live else "private", school_id=r.school_id, uploaded_by_id=r.uploaded_by_id,
                created_at=r.created_at, updated_at=r.updated_at, use_count=r.use_count,
            )
        )
    return records


class _ChapterTree:
    """The chapter nodes of some textbooks, to find a node's ancestors and the titles beneath it."""

    def __init__(self, textbook_ids):
        self.parent, self.children, self.title = {}, {}, {}
        if not textbook_ids:
            return
        for pk, parent_id, title in ChapterNode.objects.filter(textbook_id__in=textbook_ids).values_list("pk", "parent_id", "title"):
            self.parent[pk] = parent_id
            self.title[pk] = title
            self.children.setdefault(parent_id, []).append(pk)

    def chain(self, node_id):
        out = []
        while node_id is not None and node_id not in out:
            out.append(node_id)
            node_id = self.parent.get(node_id)
        return out

    def below(self, node_id, limit=50):
        if node_id is None:
            return []
        out, stack = [], list(self.children.get(node_id, []))
        while stack and len(out) < limit:
            pk = stack.pop(0)
            out.append(self.title[pk])
            stack.extend(self.children.get(pk, []))
        return out


def entry_values(record):
    """The SearchEntry columns of a record (grams joined by spaces)."""
    return {
        "title": " ".join(text.grams(record.title)),
        "core": " ".join(text.grams(record.lesson) + text.grams(" ".join(record.chapter_path))),
        "extra": " ".join(
            text.grams(" ".join(record.pieces)) + text.grams(" ".join(record.authors))
            + text.grams(" ".join(record.tags)) + text.grams(record.description)
        ),
        "words": " ".join(w for f in TEXT_FIELDS for w in text.search_words(record.text_of(f)) if " " not in w),
    }


# --- Elasticsearch ---------------------------------------------------------------------------------

# jieba's words, joined by WORD_SEPARATOR in the stored text (search/text.py).
kx_words = analyzer(
    "kx_words",
    tokenizer=tokenizer("kx_word_split", "pattern", pattern="[\\s\\u2063]+"),
    filter=["cjk_width", "lowercase"],
)
# The same text for recall: separators and punctuation next to Chinese removed, other punctuation a
# space, then bigrams. Mirrors text.grams, so a phrase of it is a substring match.
kx_cjk = analyzer(
    "kx_cjk",
    char_filter=[
        char_filter("kx_no_separator", "mapping", mappings=["\\u2063=>"]),
        char_filter(
            "kx_han_punct", "pattern_replace",
            pattern="[\\p{P}\\p{S}]+(?=[\\p{IsHan}])|(?<=[\\p{IsHan}])[\\p{P}\\p{S}]+", replacement="",
        ),
        char_filter("kx_punct_space", "pattern_replace", pattern="[\\p{P}\\p{S}]+", replacement=" "),
    ],
    tokenizer="standard",
    filter=["cjk_width", "lowercase", "cjk_bigram"],
)


def _text_field():
    return Text(analyzer=kx_words, fields={"cjk": Text(analyzer=kx_cjk, term_vector="with_positions_offsets")})


class ResourceDocument(Document):
    external_id = Keyword()
    title = _text_field()
    lesson = _text_field()
    chapter = _text_field()
    pieces = _text_field()
    authors = _text_field()
    tags = _text_field()
    description = _text_field()
    lesson_key = Keyword()  # the lesson (or title) as shown, for suggestions
    type = Keyword()
    stage = Keyword()
    grade = Keyword()
    subject = Keyword()
    edition = Keyword()
    volume = Keyword()
    chapter_path = Keyword()
    chapter_id = Keyword()
    chapter_ids = Keyword()
    visibility = Keyword()
    school_id = Integer()
    uploaded_by_id = Integer()
    created_at = Date()
    use_count = Integer()
    sample = Boolean()  # in the sample that estimates counts and facets of broad searches (search/sample.py)

    class Index:
        settings = {"number_of_shards": 1, "number_of_replicas": 0, "max_result_window": 10000}


def index_alias():
    return settings.KEXIANG_SEARCH_INDEX


def es_document(record):
    """The Elasticsearch source of a record (jieba-segmented text fields)."""
    return {
        "external_id": record.external_id,
        "title": text.segmented(record.title),
        "lesson": text.segmented(record.lesson),
        "chapter": text.segmented(record.chapter),
        "pieces": [text.segmented(p) for p in record.pieces],
        "authors": [text.segmented(a) for a in record.authors],
        "tags": [text.segmented(t) for t in record.tags],
        "description": text.segmented(record.description),
        "lesson_key": record.lesson or record.title,
        "type": record.type,
        "stage": record.stage or None,
        "grade": record.grade or None,
        "subject": record.subject or None,
        "edition": record.edition or None,
        "volume": record.volume or None,
        "chapter_path": " > ".join(record.chapter_path) or None,
        "chapter_id": str(record.chapter_id) if record.chapter_id else None,
        "chapter_ids": [str(pk) for pk in record.chapter_ids],
        "visibility": record.visibility,
        "school_id": record.school_id,
        "uploaded_by_id": record.uploaded_by_id,
        "created_at": record.created_at,
        "use_count": record.use_count,
        "sample": in_sample(record.id),
    }


def es_version(record):
    """External version for Elasticsearch: a later change always wins, even when writes race."""
    return int(record.updated_at.timestamp() * 1_000_000)
