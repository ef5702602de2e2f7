"""Reading what a teacher typed: type words, grade/subject words acting as facets, the text to match.

`query_parse("难忘的泼水节 二年级 教案")` gives terms ["难忘的泼水节"], grade 二年级 as a filter and
lesson_plan as the preferred type. Every backend gets the same ParsedQuery.
"""
import dataclasses
import re
import time

from resources.models import ChapterNode, Edition, Grade, ResourceType, Stage, Subject, Volume

from . import text

# Words that name a kind of resource. Matching words raise those types to the top; a query made only
# of type words (and facet words) selects them.
TYPE_WORDS = {
    ResourceType.LESSON_PLAN: ["教案", "教学设计", "教学案例", "导学案", "学案"],
    ResourceType.COURSEWARE: ["课件", "ppt", "pptx", "幻灯片", "演示文稿"],
    ResourceType.MICRO_LESSON: ["微课", "微课视频", "视频"],
    ResourceType.RECORDING: ["课堂实录", "实录", "录像课", "示范课", "视频"],
    ResourceType.WORKSHEET: ["学习任务单", "任务单", "学习单"],
    ResourceType.EXERCISE: ["练习", "课后练习", "作业", "作业设计", "习题", "练习题", "试题", "试卷", "测试题"],
    ResourceType.SCHOOL_CURRICULUM: ["校本课程", "校本教材"],
    ResourceType.RESOURCE_PACK: ["资源包", "素材"],
}

# Other ways people write taxonomy names. Targets that a site does not have are ignored.
ALIASES = {
    "grade": {"初一": "七年级", "初二": "八年级", "初三": "九年级", "高中一年级": "高一", "高中二年级": "高二", "高中三年级": "高三"},
    "subject": {"道法": "道德与法治", "思品": "道德与法治", "思想品德": "道德与法治", "政治": "思想政治", "生物": "生物学"},
    "edition": {"部编版": "统编版", "部编": "统编版", "人教": "人教版", "北师大": "北师大版", "苏教": "苏教版"},
}
# Volumes are read from a query only when written like this; 必修 第一册 and friends stay text.
VOLUME_WORDS = ["上册", "下册", "全一册"]
FACETS = ("stage", "grade", "subject", "edition", "volume")

# Filler at either end of what is left of a query ("关于背影的课件" → 背影).
EDGE_STOPWORDS = {"关于", "有关", "一些", "一个", "相关", "的", "和", "与", "及", "求", "找", "要", "我要", "请问", "资源", "资料", "全部", "所有"}


@dataclasses.dataclass
class ParsedQuery:
    raw: str = ""
    terms: list = dataclasses.field(default_factory=list)  # normalised strings, each must match
    words: list = dataclasses.field(default_factory=list)  # jieba words of the terms, for scoring
    types: list = dataclasses.field(default_factory=list)  # resource types the query asks for
    filters: dict = dataclasses.field(default_factory=dict)  # facet -> value read from the query
    understood: list = dataclasses.field(default_factory=list)  # [(facet, word, value)] for the UI

    @property
    def has_text(self):
        return bool(self.terms)

    def loose_words(self):
        """Words for the fallback when not every term matches: the meaningful words of the terms."""
        out = []
        for w in self.words:
            if w in EDGE_STOPWORDS or w in out:
                continue
            if len(w) >= 2 or not text.is_han(w[0]):
                out.append(w)
        return out or [t for t in self.terms]


_vocabulary_cache = {"at": 0.0, "value": None}
VOCABULARY_TTL = 300


def vocabulary():
    """{word: (facet, value)} from the taxonomy tables plus ALIASES, cached for a few minutes."""
    now = time.monotonic()
    if _vocabulary_cache["value"] is not None and now - _vocabulary_cache["at"] < VOCABULARY_TTL:
        return _vocabulary_cache["value"]

    vocab = {}
    for facet, names in (
        ("stage", Stage.objects.values_list("name", flat=True)),
        ("grade", Grade.objects.values_list("name", flat=True)),
        ("subject", Subject.objects.values_list("name", flat=True)),
        ("edition", Edition.objects.values_list("name", flat=True)),
        ("volume", Volume.objects.filter(name__in=VOLUME_WORDS).values_list("name", flat=True)),
    ):
        for name in names:
            vocab[text.normalize(name)] = (facet, name)
    for facet, aliases in ALIASES.items():
        for alias, target in aliases.items():
            if (facet, target) in vocab.values():
                vocab.setdefault(text.normalize(alias), (facet, target))
    text.add_words(list(vocab) + [w for words in TYPE_WORDS.values() for w in words])
    _vocabulary_cache.update(at=now, value=vocab, titles=_titles_with_facet_words(vocab))
    return vocab


_NUMBERING = re.compile(r"^[\d\s*.、]+")


def _titles_with_facet_words(vocab):
    """Lesson and piece titles of the catalogue that hold a facet word (大青树下的小学 holds 小学): typed whole,
    such a title is the lesson, not a filter."""
    words = [word for word in vocab if len(word) >= 2]
    titles = set()
    for title in ChapterNode.objects.filter(kind__in=[ChapterNode.Kind.LESSON, ChapterNode.Kind.PIECE]).values_list(
            "title", flat=True).distinct().iterator():
        bare = text.normalize(_NUMBERING.sub("", title))
        if len(bare) >= 3 and any(word in bare for word in words):
            titles.add(bare)
    return titles


# 三上, 二下, 七年级下, 4上册: a grade and a volume as teachers abbreviate them.
_GRADE_VOLUME = re.compile(r"^([一二三四五六七八九]|[1-9])(?:年级)?([上下])册?$")
_DIGITS = dict(zip("123456789", "一二三四五六七八九"))


def _grade_volume(chunk, vocab):
    match = _GRADE_VOLUME.match(chunk)
    if not match:
        return None
    grade = f"{_DIGITS.get(match.group(1), match.group(1))}年级"
    volume = f"{match.group(2)}册"
    found = vocab.get(grade), vocab.get(volume)
    return found if all(found) and found[0][0] == "grade" and found[1][0] == "volume" else None


def vocabulary_forget():
    _vocabulary_cache.update(at=0.0, value=None)


def _type_lookup():
    lookup = {}
    for resource_type, words in TYPE_WORDS.items():
        for word in words:
            lookup.setdefault(text.normalize(word), []).append(str(resource_type))
    return lookup


TYPE_LOOKUP = _type_lookup()


def query_parse(raw, *, read_facets=True):
    """Split `raw` into terms to match, preferred types and facet filters (see the module docstring)."""
    parsed = ParsedQuery(raw=raw or "")
    vocab = vocabulary() if read_facets else {}
    titles = _vocabulary_cache.get("titles") or set() if read_facets else set()
    for chunk in text.normalize(raw).split():
        leftover = []
        if chunk in titles:  # a lesson's own title, though it holds a stage or grade word
            parsed.terms.append(chunk)
            continue
        abbreviated = _grade_volume(chunk, vocab)
        if abbreviated and not any(facet in parsed.filters for facet, _value in abbreviated):
            for facet, value in abbreviated:
                parsed.filters[facet] = value
                parsed.understood.append((facet, chunk, value))
            continue

        def flush():
            while leftover and leftover[0] in EDGE_STOPWORDS:
                leftover.pop(0)
            while leftover and leftover[-1] in EDGE_STOPWORDS:
                leftover.pop()
            if leftover:
                parsed.terms.append("".join(leftover))
                leftover.clear()

        for word in text.words(chunk):
            if word in TYPE_LOOKUP:
                flush()
                for resource_type in TYPE_LOOKUP[word]:
                    if resource_type not in parsed.types:
                        parsed.types.append(resource_type)
                parsed.understood.append(("type", word, TYPE_LOOKUP[word][0]))
            elif word in vocab and vocab[word][0] not in parsed.filters:
                flush()
                facet, value = vocab[word]
                parsed.filters[facet] = value
                parsed.understood.append((facet, word, value))
            else:
                leftover.append(word)
        flush()
    parsed.words = [w for w in dict.fromkeys(w for term in parsed.terms for w in text.search_words(term))]
    return parsed
