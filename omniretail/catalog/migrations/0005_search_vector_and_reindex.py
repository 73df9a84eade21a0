"""Search finds what shoppers type (issue 15): every product's index text is rebuilt in the new
form (pinyin, English keywords, the names of the categories above, the name's characters and
character pairs), and on PostgreSQL the tsvector is stored in a generated column with its own
GIN index, so ranking thousands of matches (a one-character query) reads the stored vector
instead of segmenting every matching row's text again. The column is PostgreSQL's alone: the
model does not declare it, inserts and updates of search_text keep it current."""

from django.db import migrations

from omniretail.catalog import search

POSTGRES_FORWARD = [
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_vector ON catalog_product "
    "USING gin (search_vector)",
    "DROP INDEX IF EXISTS catalog_product_search_fts",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS catalog_product_search_fts ON catalog_product "
    "USING gin (to_tsvector('simple', search_text))",
    "DROP INDEX IF EXISTS catalog_product_search_vector",
    "ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_vector",
]


def _category_names(category, parents) -> list[str]:
    names, seen = [], set()
    while category is not None and category.pk not in seen:
        seen.add(category.pk)
        names += [category.name, category.name_en]
        category = parents.get(category.parent_id)
    return [n for n in names if n]


def reindex(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    Product = apps.get_model("catalog", "Product")
    categories = {c.pk: c for c in Category.objects.all()}
    for product in Product.objects.select_related("brand").iterator(chunk_size=500):
        text = search.document(
            name=product.name,
            subtitle=product.subtitle,
            brand=product.brand.name if product.brand else "",
            category=" ".join(_category_names(categories[product.category_id], categories)),
            description=product.description,
        )
        Product.objects.filter(pk=product.pk).update(search_text=text)
        search.write_index(product.pk, text)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_FORWARD:
            schema_editor.execute(sql)
    reindex(apps, schema_editor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_productreview_moves_to_reviews")]

    operations = [migrations.RunPython(forward, backward)]
