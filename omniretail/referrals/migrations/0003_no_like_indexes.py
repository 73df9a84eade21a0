"""Issue 22: the hot rows' varchar_pattern_ops copies go (core.schema.drop_like_indexes)."""

from django.db import migrations

from omniretail.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_verbose_names")]

    operations = [
        drop_like_indexes("referrals_sharevisit", "public_id"),
    ]
