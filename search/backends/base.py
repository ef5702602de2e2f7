"""What every search backend is asked and what it answers."""
import dataclasses

from ..query import ParsedQuery

FACET_SIZE = {"chapter": 30}  # other facets list every value
SORTS = ("relevance", "newest", "popular")


@dataclasses.dataclass
class Scope:
    """Which resources the reader may see (resources.selectors.resource_visible_q, as data)."""

    user_id: int | None = None
    school_id: int | None = None
    pairing_school_ids: tuple = ()


@dataclasses.dataclass
class SearchRequest:
    parsed: ParsedQuery
    filters: dict  # facet -> value; "type" may be a list; "chapter" is a chapter node id
    scope: Scope
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    loose: bool = False  # match any meaningful word instead of every term
    exclude_ids: tuple = ()
    with_facets: bool = True
    with_highlights: bool = True


@dataclasses.dataclass
class SearchHits:
    count: int
    ids: list
    highlights: dict = dataclasses.field(default_factory=dict)  # id -> {field: html}
    facets: dict = dataclasses.field(default_factory=dict)  # facet -> [(value, count)]
    backend: str = ""
    count_is_estimate: bool = False  # count and facet counts estimated from a sample (a broad search)


class SearchBackend:
    name = ""

    def search(self, request: SearchRequest) -> SearchHits:
        raise NotImplementedError

    def suggest(self, *, prefix: str, scope: Scope, limit: int = 8) -> list:
        """Lesson or resource titles starting with (or else containing) `prefix`."""
        raise NotImplementedError
