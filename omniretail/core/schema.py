"""Schema operations the apps' migrations share."""

from django.db import migrations


def drop_like_indexes(table: str, *columns: str) -> migrations.RunPython:
    """On PostgreSQL Django gives every indexed or unique varchar column a second index
    (`<name>_like`, varchar_pattern_ops) for LIKE 'x%' under a non-C collation. Nothing
    searches these columns by prefix (admin searches are icontains, which cannot use it),
    yet every INSERT of a hot row (an order, a join, a payment, a posting) writes it: issue
    22. A test (core/tests/test_hot_indexes.py) keeps them from coming back."""

    def names(schema_editor):
        return [schema_editor._create_index_name(table, [c], suffix="_like") for c in columns]

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in names(schema_editor):
                schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def restore(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, column in zip(names(schema_editor), columns, strict=True):
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON "
                    f"{schema_editor.quote_name(table)} "
                    f"({schema_editor.quote_name(column)} varchar_pattern_ops)"
                )

    return migrations.RunPython(drop, restore)
