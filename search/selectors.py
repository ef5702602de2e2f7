"""Searching the library: one selector for the API and the search page, on whichever backend is up.

`resource_search` reads the query (search/query.py), asks Elasticsearch when it is configured and
reachable and the database otherwise, and shapes the answer the API returns. When fewer than a page of
resources contain every term, resources with some of the words follow them (after the full matches),
and when the grade or subject read from the query leaves nothing, the query is tried without them.
"""
import dataclasses
import logging
import threading
import time

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from elasticsearch.exceptions import ConnectionError as ESConnectionError
from elasticsearch.exceptions import NotFoundError, TransportError

from core.text import bounded_query
from resources.models import ChapterNode, Resource, ResourceType
from resources.selectors import paired_school_ids, resource_list_visible, textbook_label

from . import text
from .backends import elastic
from .backends.base import SORTS, Scope, SearchRequest
from .backends.database import DatabaseBackend, scope_q
from .backends.elastic import ElasticsearchBackend
from .query import FACETS, query_parse

logger = logging.getLogger(__name__)

FILTERS = FACETS + ("type", "chapter")
MAX_PAGE_SIZE = 100
MAX_RESULTS = 10000  # Elasticsearch's max_result_window
LOOSE_BELOW = 10  # add partial matches when fewer full matches than this

_down = {"until": 0.0}
_down_lock = threading.Lock()


def scope_for(user):
    if user is None or not user.is_authenticated:
        return Scope()
    school_id = getattr(user, "school_id", None)
    pairing = tuple(sorted(paired_school_ids(school_id))) if school_id else ()
    return Scope(user_id=user.pk, school_id=school_id, pairing_school_ids=pairing)


def backend_choose():
    """Elasticsearch when configured and not recently found down; the database otherwise."""
    if elastic.configured() and time.monotonic() >= _down["until"]:
        return ElasticsearchBackend()
    return DatabaseBackend()


def _mark_down(exc):
    with _down_lock:
        _down["until"] = time.monotonic() + settings.KEXIANG_SEARCH_RETRY_AFTER
    logger.warning("Elasticsearch unavailable (%s); using the database search for %ss", exc, settings.KEXIANG_SEARCH_RETRY_AFTER)


def backend_reset():
    _down["until"] = 0.0
    elastic.sample_field_forget()


def _cluster_down(exc):
    """Connection refused, timeouts, 5xx and a missing index mean the cluster cannot answer for a while;
    other errors (a 400 for one odd request) are that request's problem."""
    if isinstance(exc, (ESConnectionError, NotFoundError)):
        return True
    status = getattr(exc, "status_code", None)
    return not isinstance(exc, TransportError) or not isinstance(status, int) or status >= 500


def _run(backend, request):
    """Run on `backend`, falling back to the database when Elasticsearch fails."""
    if backend.name != "elasticsearch":
        return backend.search(request)
    try:
        return backend.search(request)
    except Exception as exc:
        if _cluster_down(exc):
            _mark_down(exc)
        else:
            logger.warning("Elasticsearch refused a search (%r); answered from the database", exc)
        return DatabaseBackend().search(request)


@dataclasses.dataclass
class SearchParams:
    q: str = ""
    filters: dict = dataclasses.field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20


def params_from_query_dict(data):
    """SearchParams from request.GET; raises ValueError with a message for the reader."""
    filters = {}
    for name in FILTERS:
        value = (data.get(name) or "").strip()
        if not value:
            continue
        if name == "chapter":
            if not value.isdigit():
                raise ValueError(_("chapter must be the number of a chapter."))
            value = int(value)
        elif name == "type":
            value = [v for v in value.split(",") if v]
        filters[name] = value
    sort = data.get("sort") or "relevance"
    if sort not in SORTS:
        raise ValueError(_("sort must be one of: relevance, newest, popular."))
    try:
        page = int(data.get("page") or 1)
        page_size = int(data.get("page_size") or 20)
    except ValueError:
        raise ValueError(_("page and page_size must be whole numbers.")) from None
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(_("page starts at 1 and page_size is between 1 and %(max)s.") % {"max": MAX_PAGE_SIZE})
    if page * page_size > MAX_RESULTS:
        raise ValueError(
            _("Only the first %(max)s results can be paged through; add a filter or more words to narrow the search.")
            % {"max": MAX_RESULTS}
        )
    return SearchParams(q=bounded_query(data.get("q")), filters=filters, sort=sort, page=page, page_size=page_size)


@dataclasses.dataclass
class SearchResult:
    count: int
    results: list
    facets: dict
    understood: list
    backend: str
    relaxed: bool = False  # the grade/subject words of the query were ignored to find anything
    partial_from: int | None = None  # results from this position on match only some words
    count_is_estimate: bool = False  # a broad search on the database: count and facet counts are estimates


def resource_search(*, user, params: SearchParams, backend=None) -> SearchResult:
    backend = backend or backend_choose()
    parsed = query_parse(params.q)
    if not parsed.has_text and parsed.types and "type" not in params.filters:
        filters_from_types = {"type": list(parsed.types)}
    else:
        filters_from_types = {}
    scope = scope_for(user)
    offset = (params.page - 1) * params.page_size
    inferred = {k: v for k, v in parsed.filters.items() if k not in params.filters}

    def attempt(filters):
        return _search_with_partial(backend, parsed, filters, scope, params, offset)  # hits, partial_from, full

    hits, partial_from, full_matches = attempt({**inferred, **filters_from_types, **params.filters})
    relaxed = False
    if full_matches == 0 and inferred and parsed.has_text:
        # A grade or subject word may belong to the title (音乐巨人贝多芬 is a 语文 lesson): without the
        # filters, full matches beat partial ones.
        wider, wider_partial, wider_full = attempt({**filters_from_types, **params.filters})
        if wider_full > 0 or hits.count == 0:
            hits, partial_from, relaxed = wider, wider_partial, True
    return SearchResult(
        count=hits.count,
        results=_results(hits, parsed, scope),
        facets=_facets(hits.facets),
        understood=[{"facet": f, "word": w, "value": v} for f, w, v in parsed.understood if not (relaxed and f in FACETS)],
        backend=hits.backend,
        relaxed=relaxed,
        partial_from=partial_from,
        count_is_estimate=hits.count_is_estimate,
    )


def _search_with_partial(backend, parsed, filters, scope, params, offset):
    """Full matches, then (when there are few) partial matches after them, as one list."""
    request = SearchRequest(parsed=parsed, filters=filters, scope=scope, sort=params.sort, offset=offset, limit=params.page_size)
    hits = _run(backend, request)
    if not parsed.has_text or hits.count >= LOOSE_BELOW:
        return hits, None, hits.count
    if offset == 0 and len(hits.ids) == hits.count:
        strict_ids = hits.ids
    else:
        strict_ids = _run(backend, dataclasses.replace(request, offset=0, limit=LOOSE_BELOW, with_facets=False, with_highlights=False)).ids
    loose_offset = max(0, offset - hits.count)
    loose_limit = params.page_size - len(hits.ids)
    loose = _run(backend, dataclasses.replace(
        request, loose=True, exclude_ids=tuple(strict_ids), offset=loose_offset, limit=max(loose_limit, 0),
    ))
    strict_count = hits.count
    if loose.count == 0:
        return hits, None, strict_count
    merged_facets = {}
    for facet in set(hits.facets) | set(loose.facets):
        counts = {}
        for value, n in hits.facets.get(facet, []) + loose.facets.get(facet, []):
            counts[value] = counts.get(value, 0) + n
        merged_facets[facet] = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    hits.facets = merged_facets
    hits.highlights.update(loose.highlights)
    hits.ids = hits.ids + (loose.ids if loose_limit > 0 else [])
    partial_from = hits.count if offset + len(hits.ids) > hits.count else None
    hits.count += loose.count
    hits.count_is_estimate = hits.count_is_estimate or loose.count_is_estimate
    return hits, partial_from, strict_count


def _results(hits, parsed, scope):
    # Elasticsearch is eventually up to date: never show a row the reader may no longer see.
    rows = Resource.objects.filter(scope_q(scope), pk__in=hits.ids).select_related("stage", "grade", "subject", "edition", "volume")
    by_id = {r.pk: r for r in rows}
    labels = dict(ResourceType.choices)
    terms = parsed.terms + [w for w in parsed.loose_words() if w not in parsed.terms]
    out = []
    for pk in hits.ids:
        r = by_id.get(pk)
        if r is None:  # deleted since Elasticsearch indexed it; the outbox will catch up
            continue
        highlight = dict(hits.highlights.get(pk) or {})  # Elasticsearch marks the title from its cjk field
        if terms:
            for field, value in (("title", r.title), ("lesson", r.lesson_title), ("chapter", " / ".join(r.chapter_path or []))):
                marked = field not in highlight and text.highlight(value, terms)
                if marked:
                    highlight[field] = marked
        out.append({
            "id": r.pk,
            "external_id": r.external_id,
            "title": r.title,
            "type": r.resource_type,
            "type_label": str(labels.get(r.resource_type, r.resource_type)),
            "stage": r.stage.name if r.stage else "",
            "grade": r.grade.name if r.grade else "",
            "subject": r.subject.name if r.subject else "",
            "edition": r.edition.name if r.edition else "",
            "volume": r.volume.name if r.volume else "",
            "chapter_path": list(r.chapter_path or []),
            "lesson": r.lesson_title,
            "authors": list(r.authors or []),
            "url": r.get_absolute_url(),
            "highlight": highlight,
        })
    return out


def _facets(raw):
    out = {}
    labels = dict(ResourceType.choices)
    chapter_ids = [int(v) for v, _n in raw.get("chapter", [])]
    paths = dict(ChapterNode.objects.filter(pk__in=chapter_ids).values_list("pk", "path")) if chapter_ids else {}
    for facet, buckets in raw.items():
        if facet == "chapter":
            out[facet] = [{"value": int(v), "label": paths.get(int(v), str(v)), "count": n} for v, n in buckets]
        elif facet == "type":
            out[facet] = [{"value": v, "label": str(labels.get(v, v)), "count": n} for v, n in buckets]
        else:
            out[facet] = [{"value": v, "count": n} for v, n in buckets]
    return out


def resource_suggest(*, user, prefix, limit=8, backend=None):
    backend = backend or backend_choose()
    scope = scope_for(user)
    if backend.name == "elasticsearch":
        try:
            return backend.suggest(prefix=prefix, scope=scope, limit=limit)
        except Exception as exc:
            if _cluster_down(exc):
                _mark_down(exc)
    return DatabaseBackend().suggest(prefix=prefix, scope=scope, limit=limit)



def search_dead_end_help(*, user, params) -> dict:
    """What to offer when a search finds nothing: chapters of the catalogue whose title holds the query's text
    (with how many resources `user` may see under each), the words read as filters with how many resources each
    alone has, and the text without them. Catalogue chapters are public; counts go through the visibility rule."""
    parsed = query_parse(params.q)
    chapters = []
    for term in parsed.terms[:3]:
        if len(term) < 2:
            continue
        for node in (ChapterNode.objects.filter(title__icontains=term).select_related(
                "textbook__edition", "textbook__grade", "textbook__volume", "textbook__stage", "textbook__subject")
                .order_by("textbook__curriculum", "depth", "pk")[:DEAD_END_CHAPTERS]):
            if all(node.pk != seen["node"].pk for seen in chapters):
                chapters.append({"node": node, "book": f"{node.textbook.edition.name} {textbook_label(node.textbook)}"})
    visible = resource_list_visible(user=user)
    for entry in chapters[:DEAD_END_CHAPTERS]:
        entry["count"] = visible.filter(Q(chapter=entry["node"]) | Q(also_chapters=entry["node"])).distinct().count()
    filters = []
    for facet, word, value in parsed.understood:
        if facet in FACETS:
            field = {"stage": "stage__name", "grade": "grade__name", "subject": "subject__name",
                     "edition": "edition__name", "volume": "volume__name"}[facet]
            without = " ".join(text.normalize(params.q).replace(word, " ").split())
            filters.append({"facet": facet, "word": word, "value": value, "without": without,
                            "count": visible.filter(**{field: value}).count()})
    return {"chapters": chapters[:DEAD_END_CHAPTERS], "filters": filters,
            "text_only": " ".join(parsed.terms) if filters and parsed.terms else ""}


DEAD_END_CHAPTERS = 5
