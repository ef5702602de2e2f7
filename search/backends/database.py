"""The database backend: SQLite FTS5 or PostgreSQL full-text over SearchEntry's grams.

Same matching as Elasticsearch (each term a phrase of grams, so a substring match), the same tiers
(all terms in title/lesson/chapter, then the asked-for type, then all terms in the title, then a text
rank) and the same filters. Counts and facets are exact up to KEXIANG_SEARCH_EXACT_UP_TO matches and
estimated from a sample beyond (SearchHits.count_is_estimate); see DatabaseBackend.
"""
import json

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Count, Q

from resources.models import ChapterNode, Edition, Grade, Resource, Stage, Subject, Volume
from resources.selectors import on_chapters_q, visible_q

from .. import text
from ..sample import SAMPLE_EVERY, sampled_sql
from .base import FACET_SIZE, SearchBackend, SearchHits

FACET_MODELS = {"stage": Stage, "grade": Grade, "subject": Subject, "edition": Edition, "volume": Volume}
TABLE = Resource._meta.db_table


def scope_q(scope):
    return visible_q(user_id=scope.user_id, school_id=scope.school_id, pairing_school_ids=scope.pairing_school_ids)


def chapter_subtree_ids(node_id):
    node = ChapterNode.objects.filter(pk=node_id).only("textbook_id", "path").first()
    if node is None:
        return []
    return list(
        ChapterNode.objects.filter(textbook_id=node.textbook_id)
        .filter(Q(pk=node.pk) | Q(path__startswith=node.path + " > "))
        .values_list("pk", flat=True)
    )


def _on_chapters_q(chapter_ids):
    """on_chapters_q with the other editions' resources listed when they are few, so PostgreSQL can read
    both halves of the OR from indexes instead of scanning every resource."""
    also = list(Resource.also_chapters.through.objects.filter(chapternode_id__in=chapter_ids)
                .values_list("resource_id", flat=True)[:1001])
    if len(also) > 1000:
        return on_chapters_q(chapter_ids)
    return Q(chapter_id__in=chapter_ids) | Q(pk__in=also)


def filtered_queryset(request):
    qs = Resource.objects.filter(scope_q(request.scope))
    for facet, value in request.filters.items():
        if value in (None, "", []):
            continue
        if facet == "type":
            qs = qs.filter(resource_type__in=value if isinstance(value, list) else [value])
        elif facet == "chapter":
            qs = qs.filter(_on_chapters_q(chapter_subtree_ids(value)))
        else:  # by id, so the filter reads the resources table alone and the planner sees the value
            ids = list(FACET_MODELS[facet].objects.filter(name=value).values_list("pk", flat=True))
            qs = qs.filter(**{f"{facet}_id__in": ids})
    if request.exclude_ids:
        qs = qs.exclude(pk__in=list(request.exclude_ids))
    return qs


class _Dialect:
    """How one database writes 'these grams in a row in these columns', as SQL of matching ids and of
    each candidate's tiers and text rank."""

    def phrase(self, term):
        raise NotImplementedError

    def id_list(self, ids):
        """A list of ids as the one parameter the dialect's SQL takes for it."""
        raise NotImplementedError


class _SQLite(_Dialect):
    all_columns, core_columns = "{title core extra}", "{title core}"

    def phrase(self, term):
        grams = text.grams(term)
        if not grams:
            return None
        if len(term) == 1 and text.is_han(term):
            return f'"{grams[0]}" *'
        return '"' + " ".join(grams) + '"'

    def expression(self, phrases, columns, any_of=False):
        joiner = " OR " if any_of else " AND "
        return f"{columns} : (" + joiner.join(phrases) + ")"

    def id_list(self, ids):
        return json.dumps(list(ids))

    id_order = "search_fts.rowid DESC"

    def matching(self, phrases, any_of, tier):
        """(FROM and WHERE of the resources `r` matching in the tier's columns, its params). Driven from
        the full-text match: FTS5 walks it newest id first and stops at the LIMIT."""
        columns = {"all": self.all_columns, "sample": self.all_columns, "core": self.core_columns,
                   "core_type": self.core_columns, "title": "{title}"}[tier]
        sql = f"FROM search_fts JOIN {TABLE} r ON r.id = search_fts.rowid WHERE search_fts MATCH %s"
        if tier == "sample":
            sql += " AND " + sampled_sql("search_fts.rowid")
        return sql, [self.expression(phrases, columns, any_of)]

    def tiers(self, phrases, any_of, words, ids, known=None):
        """(SQL of id, core_hit, title_hit, text_rank for the candidate `ids`, its params). FTS5's bm25
        ranks the grams themselves, so `words` are not needed here. `known` gives the core and title hits
        when the caller already knows them (a broad search's tier candidates).

        `+rowid`: FTS5 would otherwise look each listed rowid up in the match, one by one (seconds for a
        common gram); reading the match and keeping the listed rows is a single pass."""
        listed = self.id_list(ids)
        in_list = "+rowid IN (SELECT value FROM json_each(%s))"
        if known is not None:
            hits_sql = f"{in_list} AS core_hit, {in_list} AS title_hit,"
            hits_params = [self.id_list(known["core"]), self.id_list(known["title"])]
        else:
            hits_sql = (f"rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND {in_list}) AS core_hit,"
                        f" rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND {in_list}) AS title_hit,")
            hits_params = [self.expression(phrases, self.core_columns, any_of), listed,
                           self.expression(phrases, "{title}", any_of), listed]
        sql = (
            f"SELECT rowid AS id, {hits_sql} -bm25(search_fts, 4.0, 2.0, 1.0, 0.0) AS text_rank"
            f" FROM search_fts WHERE search_fts MATCH %s AND {in_list}"
        )
        return sql, hits_params + [self.expression(phrases, self.all_columns, any_of), listed]


class _PostgreSQL(_Dialect):
    def phrase(self, term):
        grams = text.grams(term)
        if not grams:
            return None
        if len(term) == 1 and text.is_han(term):
            return f"'{grams[0]}':*"
        return "(" + " <-> ".join(f"'{g}'" for g in grams) + ")"

    def id_list(self, ids):
        return list(ids)

    def query(self, phrases, any_of):
        return (" | " if any_of else " & ").join(phrases)

    id_order = "r.id DESC"

    def matching(self, phrases, any_of, tier):
        """(FROM and WHERE of the resources `r` matching in the tier's columns, its params). Each tier's
        tsvector has a GIN index (title matches are core matches are matches)."""
        column = {"core": "core_tsv", "core_type": "core_tsv", "title": "title_tsv"}.get(tier, "all_tsv")
        sql = f"SELECT e.resource_id FROM search_searchentry e WHERE e.{column} @@ to_tsquery('simple', %s)"
        if tier == "sample":
            sql += " AND " + sampled_sql("e.resource_id")
        return f"FROM {TABLE} r WHERE r.id IN ({sql})", [self.query(phrases, any_of)]

    def tiers(self, phrases, any_of, words, ids, known=None):
        """Each candidate's row is read anyway (for its rank), so its tiers are checked on it: `known` is
        not needed."""
        query = self.query(phrases, any_of)
        words_query = " | ".join(f"'{w}'" for w in words if "'" not in w and "\\" not in w) or query
        sql = (
            "SELECT e.resource_id AS id,"
            " e.core_tsv @@ to_tsquery('simple', %s) AS core_hit,"
            " e.title_tsv @@ to_tsquery('simple', %s) AS title_hit,"
            " ts_rank(e.all_tsv, to_tsquery('simple', %s)) + ts_rank(e.words_tsv, to_tsquery('simple', %s)) AS text_rank"
            " FROM search_searchentry e WHERE e.resource_id = ANY(%s)"
        )
        return sql, [query, query, query, words_query, self.id_list(ids)]


def _dialect():
    if connection.vendor == "sqlite":
        return _SQLite()
    if connection.vendor == "postgresql":
        return _PostgreSQL()
    raise NotImplementedError(f"No database search for {connection.vendor}")


# The order of a search's matches before ranking: which ones a bounded candidate set keeps.
_ORDERS = {
    "relevance": "ids",  # the newest ids of each ranking tier (see DatabaseBackend.search), as each dialect reads them
    "newest": "r.created_at DESC, r.id DESC",
    "popular": "r.use_count DESC, r.created_at DESC, r.id DESC",
}


class _TextSearch:
    """One text search's SQL: matching ids by tier (in an order, bounded) and the ranking of candidates."""

    def __init__(self, dialect, phrases, request, qs):
        self.dialect, self.phrases, self.request = dialect, phrases, request
        self.where, self.where_params = _where(qs)
        self.any_of = request.loose
        self.types = list(request.parsed.types)

    def _types_sql(self):
        """SQL true for the types the query asks for (its parameters: self.types)."""
        return "r.resource_type IN (" + ", ".join(["%s"] * len(self.types)) + ")"

    def ids(self, tier, order, limit):
        match_sql, match_params = self.dialect.matching(self.phrases, self.any_of, tier)
        sql = f"SELECT r.id {match_sql} AND ({self.where})"
        params = match_params + self.where_params
        if tier == "core_type":
            sql += f" AND {self._types_sql()}"
            params += self.types
        if order:
            sql += f" ORDER BY {self.dialect.id_order if order == 'ids' else order}"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def rank(self, candidates, offset, limit, known=None):
        """The page (`offset`, `limit`) of `candidates` (matching ids) in the request's order."""
        request = self.request
        tiers_sql, tiers_params = self.dialect.tiers(self.phrases, self.any_of, request.parsed.words, candidates, known)
        type_sql, type_params = (self._types_sql(), list(self.types)) if self.types else ("0", [])
        order = {
            "popular": "r.use_count DESC, core_hit DESC, type_hit DESC, title_hit DESC, m.text_rank DESC",
            "newest": "r.created_at DESC",
        }.get(request.sort, "core_hit DESC, type_hit DESC, title_hit DESC, m.text_rank DESC")
        sql = (
            f"SELECT m.id, ({type_sql}) AS type_hit, m.core_hit, m.title_hit FROM ({tiers_sql}) m"
            f" JOIN {TABLE} r ON r.id = m.id"
            f" ORDER BY {order}, r.created_at DESC, r.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, type_params + tiers_params + [limit, offset])
            return [row[0] for row in cursor.fetchall()]


def _where(qs):
    """The WHERE clause of a queryset over the resources table alone, on the alias `r`."""
    query = qs.order_by().query
    compiler = query.get_compiler(connection=connection)
    joined = [alias for alias, refs in query.alias_refcount.items() if refs and alias != TABLE]
    assert not joined, f"the search filters must read the resources table alone, not {joined}"
    try:
        sql, params = query.where.as_sql(compiler, connection)
    except EmptyResultSet:  # a filter no resource can meet (a subject nobody has)
        return "1=0", []
    except FullResultSet:  # no condition at all
        return "1=1", []
    return (sql or "1=1").replace(connection.ops.quote_name(TABLE) + ".", "r."), list(params)


class DatabaseBackend(SearchBackend):
    """Narrow searches (at most KEXIANG_SEARCH_EXACT_UP_TO matches) are ranked and counted over every
    match. Broad ones never touch every match: the page is ranked from a bounded set of candidates (the
    newest matches of each ranking tier, or the top of the asked-for order) and the count and facets are
    estimated from a fixed sample of the library (one resource in SAMPLE_EVERY), marked as estimates."""

    name = "database"

    def search(self, request):
        qs = filtered_queryset(request)
        parsed = request.parsed
        if not parsed.has_text:
            return self._browse(request, qs)
        dialect = _dialect()
        pieces = parsed.loose_words() if request.loose else parsed.terms
        phrases = [p for p in (dialect.phrase(t) for t in pieces) if p]
        if not phrases:
            return SearchHits(count=0, ids=[], facets={}, backend=self.name)
        search = _TextSearch(dialect, phrases, request, qs)
        exact_up_to = settings.KEXIANG_SEARCH_EXACT_UP_TO
        # The first matches in the asked-for order: as many as a page this deep needs, so every page up to
        # MAX_RESULTS has its rows (later pages of an estimate are not empty).
        first = search.ids("all", _ORDERS[request.sort], max(exact_up_to + 1, request.offset + request.limit))
        if len(first) <= exact_up_to:  # every match is known: rank and count them all
            ids = search.rank(first, request.offset, request.limit) if first and request.limit else []
            facets = self._facets(Resource.objects.filter(pk__in=first)) if request.with_facets else {}
            return SearchHits(count=len(first), ids=ids, facets=facets, backend=self.name)
        pool = max(settings.KEXIANG_SEARCH_CANDIDATES, request.offset + request.limit)
        candidates, known = set(first[:pool]), None
        if request.sort in ("relevance", "popular"):
            # The newest matches of each tier too, so a broad word still ranks its best first (and, sorted by
            # use, its best among equally used ones). Title matches are core matches are matches, so each
            # tier's newest reach at least as far back as the next's: a candidate from `first` that is a core
            # (title) match is among the core (title) tier's own, and the title tier's are core matches.
            title = search.ids("title", _ORDERS["relevance"], pool)
            if parsed.types:  # the asked-for type ranks above a title match: its core matches too
                core = search.ids("core", _ORDERS["relevance"], pool) + search.ids("core_type", _ORDERS["relevance"], pool)
            elif request.sort == "relevance" and len(title) >= request.offset + request.limit:
                core = []  # the page is all title matches, which rank above every other match
            else:
                core = search.ids("core", _ORDERS["relevance"], pool)
            candidates.update(title, core)
            known = {"core": sorted(set(core) | set(title)), "title": title}
        ids = search.rank(sorted(candidates), request.offset, request.limit, known) if request.limit else []
        sample = search.ids("sample", None, None)
        count = max(len(sample) * SAMPLE_EVERY, exact_up_to + 1)
        facets = self._facets(Resource.objects.filter(pk__in=sample), scale=SAMPLE_EVERY) if request.with_facets else {}
        return SearchHits(count=count, ids=ids, facets=facets, backend=self.name, count_is_estimate=True)

    def _browse(self, request, qs):
        order = {"popular": ["-use_count", "-created_at", "-id"]}.get(request.sort, ["-created_at", "-id"])
        ids = list(qs.order_by(*order).values_list("pk", flat=True)[request.offset:request.offset + request.limit])
        exact_up_to = settings.KEXIANG_SEARCH_EXACT_UP_TO
        first = list(qs.order_by().values_list("pk", flat=True)[:exact_up_to + 1])
        if len(first) <= exact_up_to:
            facets = self._facets(Resource.objects.filter(pk__in=first)) if request.with_facets else {}
            return SearchHits(count=len(first), ids=ids, facets=facets, backend=self.name)
        sample = qs.order_by().extra(where=[sampled_sql(f"{TABLE}.id")])  # noqa: S610 (no user input in it)
        count = max(sample.count() * SAMPLE_EVERY, exact_up_to + 1)
        facets = self._facets(sample, scale=SAMPLE_EVERY) if request.with_facets else {}
        return SearchHits(count=count, ids=ids, facets=facets, backend=self.name, count_is_estimate=True)

    def _facets(self, qs, scale=1):
        """Every facet from one pass over the matches: count the combinations, then add them up. A sample's
        counts are multiplied by `scale` (one resource in `scale` was counted)."""
        ids = ("stage_id", "grade_id", "subject_id", "edition_id", "volume_id", "resource_type", "chapter_id")
        totals = {column: {} for column in ids}
        for row in qs.order_by().values(*ids).annotate(n=Count("pk")).values_list(*ids, "n"):
            n = row[-1] * scale
            for column, value in zip(ids, row[:-1]):
                if value is not None:
                    totals[column][value] = totals[column].get(value, 0) + n
        names = {
            "stage_id": Stage, "grade_id": Grade, "subject_id": Subject, "edition_id": Edition, "volume_id": Volume,
        }
        facets = {}
        for facet, column in zip(("stage", "grade", "subject", "edition", "volume", "type", "chapter"), ids):
            counts = totals[column]
            if column in names:
                label = dict(names[column].objects.filter(pk__in=list(counts)).values_list("pk", "name"))
                counts = {label[pk]: n for pk, n in counts.items() if pk in label}
            ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
            size = FACET_SIZE.get(facet)
            facets[facet] = ordered[:size] if size else ordered
        return facets

    def suggest(self, *, prefix, scope, limit=8):
        prefix = (prefix or "").strip()
        if not prefix:
            return []
        qs = Resource.objects.filter(scope_q(scope))
        out = []
        for condition in (Q(lesson_title__startswith=prefix) | Q(title__startswith=prefix),
                          Q(lesson_title__contains=prefix) | Q(title__contains=prefix)):
            for lesson, title in qs.filter(condition).order_by("-use_count", "-created_at").values_list("lesson_title", "title")[:200]:
                key = lesson or title
                if key not in out:
                    out.append(key)
                if len(out) >= limit:
                    return out
        return out
