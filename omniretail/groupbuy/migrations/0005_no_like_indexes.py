"""Issue 22: the hot rows' varchar_pattern_ops copies go (core.schema.drop_like_indexes)."""

from django.db import migrations

from omniretail.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [("groupbuy", "0004_verbose_names")]

    operations = [
        drop_like_indexes("groupbuy_member", "public_id", "status", "intent_id"),
    ]
