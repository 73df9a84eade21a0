# ProductReview moves from catalog to this app: the table (catalog_productreview), its index
# and its constraint keep their names, so only Django's state moves; the content type (and
# with it the permissions granted on reviews) is renamed, not recreated.

import django.db.models.deletion
import omniretail.core.ids
from django.conf import settings
from django.db import migrations, models


def _content_type(old: str, new: str):
    def rename(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects
        if not content_types.filter(app_label=new, model="productreview").exists():
            content_types.filter(app_label=old, model="productreview").update(app_label=new)

    return rename


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0003_reviews"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0003_after_sales_photos_are_stored_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProductReview",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                db_index=True,
                                default=omniretail.core.ids.new_public_id,
                                editable=False,
                                max_length=26,
                                unique=True,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("rating", models.PositiveSmallIntegerField(verbose_name="评分")),
                        (
                            "text",
                            models.CharField(blank=True, max_length=500, verbose_name="评价内容"),
                        ),
                        (
                            "hidden_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="隐藏时间"),
                        ),
                        (
                            "hidden_reason",
                            models.CharField(blank=True, max_length=200, verbose_name="隐藏原因"),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="评价人",
                            ),
                        ),
                        (
                            "hidden_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="隐藏人",
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.organization",
                                verbose_name="商家",
                            ),
                        ),
                        (
                            "order_line",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="review",
                                to="orders.orderline",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="reviews",
                                to="catalog.product",
                                verbose_name="商品",
                            ),
                        ),
                        (
                            "sku",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="catalog.sku",
                                verbose_name="SKU",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "商品评价",
                        "verbose_name_plural": "商品评价",
                        "db_table": "catalog_productreview",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["product", "hidden_at", "created_at"],
                                name="catalog_review_product",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("rating__gte", 1), ("rating__lte", 5)),
                                name="catalog_review_rating_1_5",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            _content_type("catalog", "reviews"), _content_type("reviews", "catalog")
        ),
    ]
