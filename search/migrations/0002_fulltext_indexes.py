"""Full-text indexes for the database search backend, by database vendor.

SQLite: an FTS5 table over SearchEntry kept in step by triggers. PostgreSQL: generated tsvector columns
with a GIN index. The grams in SearchEntry are already cut (search/text.py), so neither database's
own word-splitting has to understand Chinese: FTS5's unicode61 and PostgreSQL's `simple` parser only
split on the spaces between grams.
"""
from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, core, extra, words,
        content='search_searchentry', content_rowid='resource_id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_fts(rowid, title, core, extra, words)
        VALUES (new.resource_id, new.title, new.core, new.extra, new.words);
    END""",
    """CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, core, extra, words)
        VALUES ('delete', old.resource_id, old.title, old.core, old.extra, old.words);
    END""",
    """CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, core, extra, words)
        VALUES ('delete', old.resource_id, old.title, old.core, old.extra, old.words);
        INSERT INTO search_fts(rowid, title, core, extra, words)
        VALUES (new.resource_id, new.title, new.core, new.extra, new.words);
    END""",
]
SQLITE_REVERSE = ["DROP TRIGGER search_fts_au", "DROP TRIGGER search_fts_ad", "DROP TRIGGER search_fts_ai", "DROP TABLE search_fts"]

POSTGRESQL = [
    """ALTER TABLE search_searchentry
        ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED,
        ADD COLUMN core_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || core)) STORED,
        ADD COLUMN all_tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', core), 'B')
            || setweight(to_tsvector('simple', extra), 'C')) STORED,
        ADD COLUMN words_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED""",
    "CREATE INDEX search_entry_all_tsv ON search_searchentry USING gin (all_tsv)",
    "CREATE INDEX search_entry_words_tsv ON search_searchentry USING gin (words_tsv)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX search_entry_words_tsv",
    "DROP INDEX search_entry_all_tsv",
    "ALTER TABLE search_searchentry DROP COLUMN title_tsv, DROP COLUMN core_tsv, DROP COLUMN all_tsv, DROP COLUMN words_tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
