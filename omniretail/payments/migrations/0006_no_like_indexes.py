"""Issue 22: the hot rows' varchar_pattern_ops copies go (core.schema.drop_like_indexes)."""

from django.db import migrations

from omniretail.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_credit_and_instalments")]

    operations = [
        drop_like_indexes("payments_paymentintent", "public_id", "idempotency_key"),
    ]
