"""The sample of the library that estimates counts and facets of broad searches, the same on every backend.

One resource in SAMPLE_EVERY is in it, chosen by the top bits of Knuth's multiplicative hash of its id, so
ids that arrive in runs (an import) are spread evenly and not sampled in step with them. The database
backends test it in SQL (`sampled_sql`; migration 0003 indexes the expression), Elasticsearch stores it in
each document (`in_sample`, the `sample` field).
"""

SAMPLE_EVERY = 64
_MULTIPLIER, _MODULUS = 2654435761, 2 ** 32
_BELOW = _MODULUS // SAMPLE_EVERY


def in_sample(pk):
    return (pk * _MULTIPLIER) % _MODULUS < _BELOW


def sampled_sql(column):
    """SQL true for the ids in the sample. `%%` because every query it joins has parameters."""
    return f"(({column} * {_MULTIPLIER}) %% {_MODULUS}) < {_BELOW}"
