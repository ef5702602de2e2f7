"""What a person typed, made safe for a query: free text cut to size (bounded_query), an id read (as_id)."""

QUERY_MAX_CHARS = 100
QUERY_MAX_WORDS = 12
MAX_ID = 2**63 - 1


def bounded_query(raw, *, chars=QUERY_MAX_CHARS, words=QUERY_MAX_WORDS):
    """What a person typed into a search or filter box, cut to a size every query can afford: at most
    `chars` characters and `words` space-separated words (a pasted page must not become a thousand-term
    query). Every free-text box passes through this before its text reaches the database or the cluster."""
    return " ".join(str(raw or "")[: chars * 2].split()[:words])[:chars]


def as_id(value):
    """`value` as a database id, or None: digits only, within a bigint (a huge number must not be a 500)."""
    value = str(value or "").strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        return None
    return int(value)
