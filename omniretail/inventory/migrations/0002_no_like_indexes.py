"""Issue 22: the hot rows' varchar_pattern_ops copies go (core.schema.drop_like_indexes)."""

from django.db import migrations

from omniretail.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        drop_like_indexes("inventory_reservation", "public_id", "reference"),
        drop_like_indexes("inventory_stockmovement", "reference"),
    ]
