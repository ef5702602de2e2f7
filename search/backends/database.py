"""The database backend: SQLite FTS5 or PostgreSQL full-text over SearchEntry's grams.

Same matching as Elasticsearch (each term a phrase of grams, so a substring match), the same tiers
(all terms in title/lesson/chapter, then the asked-for type, then all terms in the title, then a text
rank), the same filters and exact facet counts, computed with the ORM over the matching ids.
"""
from django.db import connection
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL

from resources.models import ChapterNode, Edition, Grade, Resource, Stage, Subject, Volume
from resources.selectors import on_chapters_q, visible_q

from .. import text
from .base import FACET_SIZE, SearchBackend, SearchHits

FACET_COLUMNS = {
    "stage": "stage__name", "grade": "grade__name", "subject": "subject__name", "edition": "edition__name",
    "volume": "volume__name", "type": "resource_type", "chapter": "chapter_id",
}
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


def filtered_queryset(request):
    qs = Resource.objects.filter(scope_q(request.scope))
    for facet, value in request.filters.items():
        if value in (None, "", []):
            continue
        if facet == "type":
            qs = qs.filter(resource_type__in=value if isinstance(value, list) else [value])
        elif facet == "chapter":
            qs = qs.filter(on_chapters_q(chapter_subtree_ids(value)))
        else:
            qs = qs.filter(**{FACET_COLUMNS[facet]: value})
    if request.exclude_ids:
        qs = qs.exclude(pk__in=list(request.exclude_ids))
    return qs


class _Dialect:
    """How one database writes 'these grams in a row in these columns'."""

    def phrase(self, term):
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

    def matches(self, phrases, any_of, words):
        """(SQL of matches with core_hit, title_hit, text_rank; its params; SQL of the matching ids; params).
        FTS5's bm25 ranks the grams themselves, so `words` are not needed here."""
        all_expr = self.expression(phrases, self.all_columns, any_of)
        core_expr = self.expression(phrases, self.core_columns, any_of)
        title_expr = self.expression(phrases, "{title}", any_of)
        sql = (
            "SELECT rowid AS id,"
            " rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) AS core_hit,"
            " rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) AS title_hit,"
            " -bm25(search_fts, 4.0, 2.0, 1.0, 0.0) AS text_rank"
            " FROM search_fts WHERE search_fts MATCH %s"
        )
        return sql, [core_expr, title_expr, all_expr], "SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [all_expr]


class _PostgreSQL(_Dialect):
    def phrase(self, term):
        grams = text.grams(term)
        if not grams:
            return None
        if len(term) == 1 and text.is_han(term):
            return f"'{grams[0]}':*"
        return "(" + " <-> ".join(f"'{g}'" for g in grams) + ")"

    def matches(self, phrases, any_of, words):
        query = (" | " if any_of else " & ").join(phrases)
        words_query = " | ".join(f"'{w}'" for w in words if "'" not in w and "\\" not in w) or query
        sql = (
            "SELECT e.resource_id AS id,"
            " e.core_tsv @@ to_tsquery('simple', %s) AS core_hit,"
            " e.title_tsv @@ to_tsquery('simple', %s) AS title_hit,"
            " ts_rank(e.all_tsv, to_tsquery('simple', %s)) + ts_rank(e.words_tsv, to_tsquery('simple', %s)) AS text_rank"
            " FROM search_searchentry e WHERE e.all_tsv @@ to_tsquery('simple', %s)"
        )
        id_sql = "SELECT e.resource_id FROM search_searchentry e WHERE e.all_tsv @@ to_tsquery('simple', %s)"
        return sql, [query, query, query, words_query, query], id_sql, [query]


def _dialect():
    if connection.vendor == "sqlite":
        return _SQLite()
    if connection.vendor == "postgresql":
        return _PostgreSQL()
    raise NotImplementedError(f"No database search for {connection.vendor}")


class DatabaseBackend(SearchBackend):
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
        match_sql, match_params, id_sql, id_params = dialect.matches(phrases, request.loose, parsed.words)
        matched = qs.filter(pk__in=RawSQL(id_sql, id_params))
        count = matched.count()
        ids = []
        if count and request.limit:
            filter_sql, filter_params = qs.order_by().values("pk").query.sql_with_params()
            type_sql, type_params = "0", []
            if parsed.types:
                type_sql = "r.resource_type IN (" + ", ".join(["%s"] * len(parsed.types)) + ")"
                type_params = list(parsed.types)
            order = {
                "popular": "r.use_count DESC, core_hit DESC, type_hit DESC, title_hit DESC, m.text_rank DESC",
                "newest": "r.created_at DESC",
            }.get(request.sort, "core_hit DESC, type_hit DESC, title_hit DESC, m.text_rank DESC")
            sql = (
                f"SELECT m.id, ({type_sql}) AS type_hit, m.core_hit, m.title_hit FROM ({match_sql}) m"
                f" JOIN {TABLE} r ON r.id = m.id WHERE r.id IN ({filter_sql})"
                f" ORDER BY {order}, r.created_at DESC, r.id DESC LIMIT %s OFFSET %s"
            )
            params = type_params + match_params + list(filter_params) + [request.limit, request.offset]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                ids = [row[0] for row in cursor.fetchall()]
        facets = self._facets(matched) if request.with_facets else {}
        return SearchHits(count=count, ids=ids, facets=facets, backend=self.name)

    def _browse(self, request, qs):
        order = {"popular": ["-use_count", "-created_at", "-id"]}.get(request.sort, ["-created_at", "-id"])
        count = qs.count()
        ids = list(qs.order_by(*order).values_list("pk", flat=True)[request.offset:request.offset + request.limit])
        return SearchHits(count=count, ids=ids, facets=self._facets(qs) if request.with_facets else {}, backend=self.name)

    def _facets(self, qs):
        """Every facet from one pass over the matches: count the combinations, then add them up."""
        ids = ("stage_id", "grade_id", "subject_id", "edition_id", "volume_id", "resource_type", "chapter_id")
        totals = {column: {} for column in ids}
        for row in qs.order_by().values(*ids).annotate(n=Count("pk")).values_list(*ids, "n"):
            n = row[-1]
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
