"""Indexes for broad database searches: on the sample of the library that estimates their counts and facets,

search/sample.py keeps one resource in 64 in the sample: `(id * 2654435761) % 2**32 < 2**26`.
With the expression indexed, PostgreSQL reads the sample's rows alone (a BitmapAnd with the full-text GIN
index, or an index range scan for browsing) instead of every matching row; SQLite uses the one on
resources_resource for browsing (its full-text sample is filtered on FTS5's rowids, which costs nothing).
"""
from django.db import migrations

RESOURCE = "CREATE INDEX {how} resources_resource_sample ON resources_resource (((id * 2654435761) % 4294967296))"
ENTRY = "CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_sample ON search_searchentry (((resource_id * 2654435761) % 4294967296))"
# The newest title (core) matches of a common word are found from these instead of by walking the newest
# entries and testing each one's tsvector.
TIERS = ["CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_title_tsv ON search_searchentry USING gin (title_tsv)",
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_core_tsv ON search_searchentry USING gin (core_tsv)"]
# PostgreSQL builds them without blocking writes (hence a migration outside a transaction).
STATEMENTS = {"sqlite": [RESOURCE.format(how="IF NOT EXISTS")],
              "postgresql": [RESOURCE.format(how="CONCURRENTLY IF NOT EXISTS"), ENTRY, *TIERS]}
REVERSE = {"sqlite": ["DROP INDEX IF EXISTS resources_resource_sample"],
           "postgresql": ["DROP INDEX IF EXISTS search_entry_core_tsv", "DROP INDEX IF EXISTS search_entry_title_tsv",
                          "DROP INDEX IF EXISTS search_entry_sample", "DROP INDEX IF EXISTS resources_resource_sample"]}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, None)  # None: the % in it is no placeholder

    return run


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0002_fulltext_indexes"), ("resources", "0001_initial")]

    operations = [migrations.RunPython(_run(STATEMENTS), _run(REVERSE))]
