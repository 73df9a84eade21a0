"""The full-text index over Product.search_text, one per database vendor.

SQLite: an FTS5 table whose rowid is the product id, filled by services.reindex_product.
PostgreSQL: pg_trgm, a GIN index on to_tsvector('simple', search_text) and a trigram index on
the product name. Each half is a no-op on the other vendor."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts "
    "USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS catalog_product_fts"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_fts ON catalog_product "
    "USING gin (to_tsvector('simple', search_text))",
    "CREATE INDEX IF NOT EXISTS catalog_product_name_trgm ON catalog_product "
    "USING gin (name gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_product_name_trgm",
    "DROP INDEX IF EXISTS catalog_product_search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
