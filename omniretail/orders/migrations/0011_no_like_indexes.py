"""Issue 22: the hot rows' varchar_pattern_ops copies go (core.schema.drop_like_indexes)."""

from django.db import migrations

from omniretail.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [("orders", "0010_slot_indexes")]

    operations = [
        drop_like_indexes("orders_order", "public_id", "number", "status", "payment_intent_id"),
        drop_like_indexes("orders_orderline", "public_id"),
    ]
