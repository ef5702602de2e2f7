"""Elasticsearch: the index behind an alias, bulk writes, and the faceted query.

Scoring is tiers plus a small text score, so every backend orders the same way:
all terms in title/lesson/chapter (1000) > the type the query asks for (500) > all terms in the title
(100) > BM25 over jieba's words (a few points).
"""
import functools
import logging
import time

from django.conf import settings
from elasticsearch import Elasticsearch, helpers
from elasticsearch.exceptions import NotFoundError, TransportError
from elasticsearch_dsl import A, MultiSearch, Q, Search

from .. import documents, text
from ..sample import SAMPLE_EVERY
from .base import FACET_SIZE, SearchBackend, SearchHits

logger = logging.getLogger(__name__)

CORE_BOOST, TYPE_BOOST, TITLE_BOOST, TEXT_BOOST = 1000, 500, 100, 0.2
LOOSE_CORE_BOOST, LOOSE_ANY_BOOST = 300, 100
WORD_FIELDS = ["title^3", "lesson^3", "chapter^2", "pieces^1.5", "authors^2", "tags", "description^0.5"]
HIGHLIGHT_FIELDS = ("title",)
BUILDING_SUFFIX = "-building"


def configured():
    return bool(getattr(settings, "ELASTICSEARCH_URL", ""))


@functools.lru_cache(maxsize=4)
def _client(url, timeout):
    return Elasticsearch([url], timeout=timeout, max_retries=0, retry_on_timeout=False)


def client(timeout=None):
    return _client(settings.ELASTICSEARCH_URL, timeout or settings.KEXIANG_SEARCH_TIMEOUT)


# --- index management -----------------------------------------------------------------------------

def _index_body():
    return documents.ResourceDocument._index.to_dict()


def index_name():
    """A new concrete index behind the alias: <alias>_<timestamp>_<microseconds>."""
    return f"{documents.index_alias()}_{time.strftime('%Y%m%d%H%M%S')}_{time.time_ns() // 1000 % 1_000_000:06d}"


def index_create(name, es=None):
    es = es or client(timeout=60)
    body = _index_body()
    es.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    return name


def alias_targets(es=None, alias=None):
    es = es or client()
    try:
        return sorted(es.indices.get_alias(name=alias or documents.index_alias()))
    except NotFoundError:
        return []


def write_targets(es=None):
    """Where changes go: the live index and any index being built for a swap."""
    es = es or client()
    alias = documents.index_alias()
    return sorted(set(alias_targets(es, alias) + alias_targets(es, alias + BUILDING_SUFFIX)))


def index_ensure(es=None):
    """Create a first index behind the alias if there is none (a fresh cluster)."""
    es = es or client(timeout=60)
    if alias_targets(es):
        return None
    alias = documents.index_alias()
    name = index_create(index_name(), es)
    es.indices.update_aliases(body={"actions": [{"add": {"index": name, "alias": alias}}]})
    return name


def bulk_write(records, deleted_ids=(), targets=None, es=None):
    """Index `records` and delete `deleted_ids` in every target; a newer version already there wins.

    Returns the ids Elasticsearch refused for good (a mapping error, say); raises when it is unreachable.
    """
    es = es or client(timeout=120)
    targets = targets if targets is not None else write_targets(es)
    now = int(time.time() * 1_000_000)
    actions = []
    for target in targets:
        for record in records:
            actions.append({
                "_op_type": "index", "_index": target, "_id": record.id, "version": documents.es_version(record),
                "version_type": "external_gte", "_source": documents.es_document(record),
            })
        for pk in deleted_ids:
            actions.append({"_op_type": "delete", "_index": target, "_id": pk, "version": now, "version_type": "external_gte"})
    if not actions:
        return []
    _ok, errors = helpers.bulk(es, actions, raise_on_error=False, raise_on_exception=True, chunk_size=500, request_timeout=120)
    refused = [next(iter(e.values())) for e in errors]
    refused = [item for item in refused if item.get("status") not in (404, 409)]
    if any(item.get("status", 500) >= 500 or item.get("status") == 429 for item in refused):
        raise TransportError(503, "Elasticsearch could not take the writes", refused[:3])
    return sorted({int(item["_id"]) for item in refused})


# --- queries ------------------------------------------------------------------------------------------

def _term_clause(term, fields):
    """`term` appears (as a substring, via cjk grams) in at least one of `fields`."""
    if len(term) == 1 and text.is_han(term):
        clauses = [Q("prefix", **{f"{f}.cjk": term}) for f in fields]
    else:
        clauses = [Q("match_phrase", **{f"{f}.cjk": term}) for f in fields]
    return Q("bool", should=clauses, minimum_should_match=1)


def _all_of(terms, fields):
    return Q("bool", filter=[_term_clause(t, fields) for t in terms])


def _scope_filter(scope):
    options = [Q("term", visibility="public")]
    if scope.user_id:
        options.append(Q("term", uploaded_by_id=scope.user_id))
    if scope.school_id:
        options.append(Q("bool", filter=[Q("term", visibility="school"), Q("term", school_id=scope.school_id)]))
        options.append(Q("bool", filter=[Q("term", visibility="pairing"), Q("terms", school_id=list(scope.pairing_school_ids))]))
    return Q("bool", should=options, minimum_should_match=1)


def _filters(request):
    out = [_scope_filter(request.scope)]
    for facet, value in request.filters.items():
        if value in (None, "", []):
            continue
        if facet == "type":
            out.append(Q("terms", type=value if isinstance(value, list) else [value]))
        elif facet == "chapter":
            out.append(Q("term", chapter_ids=str(value)))
        else:
            out.append(Q("term", **{facet: value}))
    if request.exclude_ids:
        out.append(~Q("ids", values=[str(pk) for pk in request.exclude_ids]))
    return out


def _text_query(request):
    parsed = request.parsed
    fields = list(documents.TEXT_FIELDS)
    should = []
    if request.loose:
        words = parsed.loose_words()
        must = [Q("bool", filter=[Q("bool", should=[_term_clause(w, fields) for w in words], minimum_should_match=1)])]
        for w in words:
            should.append(Q("constant_score", filter=_term_clause(w, documents.CORE_FIELDS), boost=LOOSE_CORE_BOOST))
            should.append(Q("constant_score", filter=_term_clause(w, fields), boost=LOOSE_ANY_BOOST))
    else:
        must = [Q("bool", filter=[_term_clause(t, fields) for t in parsed.terms])]  # matched, not scored: tiers rank
        should.append(Q("constant_score", filter=_all_of(parsed.terms, documents.CORE_FIELDS), boost=CORE_BOOST))
        should.append(Q("constant_score", filter=_all_of(parsed.terms, ["title"]), boost=TITLE_BOOST))
    if parsed.types:
        should.append(Q("constant_score", filter=Q("terms", type=parsed.types), boost=TYPE_BOOST))
    if parsed.words:
        should.append(Q("multi_match", query=" ".join(parsed.words), fields=WORD_FIELDS, type="most_fields", boost=TEXT_BOOST))
    return Q("bool", must=must, should=should)


def _highlight_query(request):
    terms = request.parsed.loose_words() if request.loose else request.parsed.terms
    return Q("bool", should=[_term_clause(t, [f]) for t in terms for f in HIGHLIGHT_FIELDS])


_sample_field = {"has": False, "checked": -60.0}


def _has_sample_field():
    """Whether the index behind the alias maps `sample` (every index built since search/sample.py does).
    Checked once a minute, so `search_index --rebuild` is noticed without a restart."""
    now = time.monotonic()
    if now - _sample_field["checked"] < 60:
        return _sample_field["has"]
    mapping = client().indices.get_field_mapping(index=documents.index_alias(), fields="sample")
    has = bool(mapping) and all(entry.get("mappings", {}).get("sample") for entry in mapping.values())
    _sample_field.update(has=has, checked=now)
    return has


def sample_field_forget():
    _sample_field["checked"] = -60.0


def _with_facets(s):
    for facet in documents.FACET_FIELDS:
        s.aggs.bucket(facet, A("terms", field=facet, size=FACET_SIZE.get(facet, 200)))
    s.aggs.bucket("chapter", A("terms", field="chapter_id", size=FACET_SIZE["chapter"]))
    return s


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def search(self, request):
        """One round trip (a multi-search) of up to three searches, so a broad query never aggregates
        over every match: the page, with hits counted exactly up to KEXIANG_SEARCH_EXACT_UP_TO; the facets
        over the matches, cut off after that many (exact whenever the count is); and the count and facets
        of the matches in the sample (search/sample.py), which estimate them when there are more."""
        exact_up_to = settings.KEXIANG_SEARCH_EXACT_UP_TO
        # An index built before the sample existed counts and aggregates every match until it is rebuilt.
        sampled_index = _has_sample_field()
        query = _text_query(request) if request.parsed.has_text else Q("match_all")
        base = Search(index=documents.index_alias()).query(Q("bool", must=[query], filter=_filters(request)))
        page = base.extra(track_total_hits=exact_up_to if sampled_index else True)
        if request.sort == "newest" or (request.sort == "relevance" and not request.parsed.has_text):
            page = page.sort({"created_at": "desc"}, "_score")
        elif request.sort == "popular":
            page = page.sort({"use_count": "desc"}, "_score", {"created_at": "desc"})
        else:
            page = page.sort("_score", {"created_at": "desc"})
        if request.with_highlights and request.parsed.has_text and settings.KEXIANG_SEARCH_ES_HIGHLIGHT:
            page = page.highlight_options(
                pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html", number_of_fragments=0,
                highlight_query=_highlight_query(request).to_dict(),
            )
            page = page.highlight(*[f"{f}.cjk" for f in HIGHLIGHT_FIELDS])
        page = page.source(False)[request.offset:request.offset + request.limit]
        sample = base.filter("term", sample=True).extra(track_total_hits=True, size=0)
        searches = MultiSearch(using=client(), index=documents.index_alias()).add(page)
        searches = searches.add(_with_facets(sample) if request.with_facets else sample)
        if request.with_facets:
            everything = base.extra(size=0, track_total_hits=False)
            if sampled_index:
                everything = everything.extra(terminate_after=exact_up_to + 1)
            searches = searches.add(_with_facets(everything))
        responses = searches.execute(raise_on_error=True)
        response, sampled = responses[0], responses[1]
        ids, highlights = [], {}
        for hit in response.hits:
            pk = int(hit.meta.id)
            ids.append(pk)
            if getattr(hit.meta, "highlight", None):
                highlights[pk] = {
                    name.removesuffix(".cjk"): text.tidy_highlight(fragments[0])
                    for name, fragments in hit.meta.highlight.to_dict().items()
                }
        total = response.hits.total
        estimate = total.relation != "eq"
        count = max(sampled.hits.total.value * SAMPLE_EVERY, exact_up_to + 1) if estimate else total.value
        facets = {}
        if request.with_facets:
            source, scale = (sampled, SAMPLE_EVERY) if estimate else (responses[2], 1)
            for facet in documents.FACET_FIELDS + ("chapter",):
                facets[facet] = [(b.key, b.doc_count * scale) for b in source.aggregations[facet].buckets]
        return SearchHits(count=count, ids=ids, highlights=highlights, facets=facets, backend=self.name,
                          count_is_estimate=estimate)

    def suggest(self, *, prefix, scope, limit=8):
        prefix = (prefix or "").strip()
        if not prefix:
            return []
        query = Q(
            "bool",
            should=[
                Q("constant_score", filter=Q("prefix", lesson_key=prefix), boost=10),
                Q("constant_score", filter=_term_clause(text.normalize(prefix), ["lesson", "title"]), boost=1),
            ],
            minimum_should_match=1,
            filter=[_scope_filter(scope)],
        )
        s = (
            Search(using=client(), index=documents.index_alias())
            .query(query)
            .sort("_score", {"use_count": "desc"})
            .extra(collapse={"field": "lesson_key"})
            .source(["lesson_key"])[:limit]
        )
        return [hit.meta.fields["lesson_key"][0] for hit in s.execute().hits]
