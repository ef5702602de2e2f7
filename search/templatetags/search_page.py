"""Links and labels for the search page: every link is built from the parsed SearchParams, so a bad
parameter in the address (page_size=abc) is not carried into the next link."""
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resources.models import ChapterNode

register = template.Library()

DEFAULT_SORT = "relevance"
DEFAULT_PAGE_SIZE = 20
FACET_LABELS = {
    "stage": _("Stage"), "grade": _("Grade"), "subject": _("Subject"), "edition": _("Edition"),
    "volume": _("Volume"), "chapter": _("Chapter"), "type": _("Type"),
}
# The order of the facet lists under "More filters"; type has its own row of chips above the results.
MORE_FACETS = ("stage", "grade", "subject", "edition", "volume", "chapter")
PARAM_ORDER = ("q", "stage", "grade", "subject", "edition", "volume", "type", "chapter", "sort", "page_size", "page")


def _state(params):
    """The search as {parameter: string}, without defaults and without the page."""
    state = {"q": params.q}
    for name, value in params.filters.items():
        state[name] = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
    if params.sort != DEFAULT_SORT:
        state["sort"] = params.sort
    if params.page_size != DEFAULT_PAGE_SIZE:
        state["page_size"] = str(params.page_size)
    return state


def _href(state):
    pairs = [(k, state[k]) for k in PARAM_ORDER if state.get(k) not in (None, "")]
    return reverse("search:page") + ("?" + urlencode(pairs) if pairs else "")


@register.simple_tag(takes_context=True)
def search_href(context, **changes):
    """The search page with `changes` applied: a value sets a parameter, None or "" removes it.

    The page is dropped unless `page` is one of the changes, so a new filter or sort starts at page 1.
    """
    return _with(context["params"], **changes)


def _with(params, **changes):
    state = _state(params)
    for key, value in changes.items():
        state[key] = "" if value is None else str(value)
    if state.get("page") == "1":
        state["page"] = ""
    return _href(state)


def _without(params, facet, value=None):
    state = _state(params)
    if facet == "type" and value is not None:
        kept = [v for v in params.filters.get("type", []) if v != value]
        state["type"] = ",".join(kept)
    else:
        state[facet] = ""
    return _href(state)


def _is_active(params, facet, value):
    current = params.filters.get(facet)
    if current is None:
        return False
    if facet == "type":
        return value in current
    return str(current) == str(value)


def rounded(n):
    """An estimate as people say it: two significant figures (172,832 → 170,000)."""
    if n < 100:
        return n
    step = 10 ** (len(str(n)) - 2)
    return round(n / step) * step


def count_text(n, estimate):
    """A count for the page: "约 170,000" when it was estimated from a sample."""
    return _("about %(n)s") % {"n": intcomma(rounded(n))} if estimate else intcomma(n)


@register.simple_tag
def result_count(result):
    """"1,234 results", or "About 170,000 results" for a broad database search."""
    if result.count_is_estimate:
        return _("About %(n)s results") % {"n": intcomma(rounded(result.count))}
    return ngettext("%(n)s result", "%(n)s results", result.count) % {"n": intcomma(result.count)}


def _bucket(params, facet, bucket, type_labels, estimate=False):
    value = bucket["value"]
    label = bucket.get("label") or (type_labels.get(value, value) if facet == "type" else value)
    active = _is_active(params, facet, value)
    return {
        "value": value, "label": label, "count": count_text(bucket["count"], estimate), "active": active,
        # An active value's link takes it away again; any other adds it (a type replaces the types chosen).
        "href": _without(params, facet, value) if active else _with(params, **{facet: value}),
    }


@register.simple_tag(takes_context=True)
def facet_list(context, facet):
    """[{value, label, count, active, href}] of one facet of the current result."""
    params, result = context["params"], context["result"]
    type_labels = context.get("type_labels") or {}
    return [_bucket(params, facet, b, type_labels, result.count_is_estimate) for b in (result.facets or {}).get(facet, [])]


@register.simple_tag(takes_context=True)
def more_facets(context):
    """[{name, label, buckets, active}] for the facets under "More filters" that have values."""
    params, result = context["params"], context["result"]
    type_labels = context.get("type_labels") or {}
    groups = []
    for name in MORE_FACETS:
        buckets = [_bucket(params, name, b, type_labels, result.count_is_estimate) for b in (result.facets or {}).get(name, [])]
        if buckets:
            groups.append({"name": name, "label": FACET_LABELS[name], "buckets": buckets, "active": name in params.filters})
    return groups


@register.simple_tag(takes_context=True)
def active_filters(context):
    """[{facet, label, href}] for each filter the teacher chose, with the link that removes it."""
    params, result = context["params"], context["result"]
    type_labels = context.get("type_labels") or {}
    chips = []
    for name in PARAM_ORDER:
        if name not in params.filters:
            continue
        value = params.filters[name]
        if name == "type":
            for v in value:
                chips.append({"facet": FACET_LABELS[name], "label": type_labels.get(v, v), "href": _without(params, name, v)})
            continue
        label = value
        if name == "chapter":
            label = _chapter_label(value, (result.facets or {}).get("chapter", []))
        chips.append({"facet": FACET_LABELS[name], "label": label, "href": _without(params, name)})
    return chips


def _chapter_label(chapter_id, buckets):
    for bucket in buckets:
        if bucket["value"] == chapter_id:
            return bucket["label"]

    return ChapterNode.objects.filter(pk=chapter_id).values_list("path", flat=True).first() or str(chapter_id)


@register.simple_tag(takes_context=True)
def understood_chips(context):
    """[{facet, label}] for what the query's words were read as (类型：课件, 年级：二年级)."""
    type_labels = context.get("type_labels") or {}
    chips = []
    for item in context["result"].understood or []:
        facet, value = item["facet"], item["value"]
        label = type_labels.get(value, value) if facet == "type" else value
        chip = {"facet": FACET_LABELS.get(facet, facet), "label": label, "word": item["word"]}
        if chip not in chips:
            chips.append(chip)
    return chips


@register.simple_tag
def result_meta(result):
    """年级 · 学科 · 版本 · 册, leaving out what is missing."""
    return " · ".join(str(result[k]) for k in ("grade", "subject", "edition", "volume") if result.get(k))


@register.simple_tag(takes_context=True)
def partial_index(context):
    """Position on this page of the first result that matches only some words, or None."""
    params, result = context["params"], context["result"]
    if result.partial_from is None:
        return None
    # On a later page every result may be a partial one: the notice then heads the page.
    index = max(result.partial_from - (params.page - 1) * params.page_size, 0)
    return index if index < len(result.results) else None
