"""Prohibited words get a public id (the API named them by their primary key): the column,
and a fresh ULID for every existing row, a thousand rows at a time. 0006 makes it unique and
required, in a transaction of its own (PostgreSQL refuses to alter a table with the updates'
trigger events still pending)."""

from django.db import migrations, models

from omniretail.core.ids import new_public_id


def backfill(apps, schema_editor):
    BannedWord = apps.get_model("community", "BannedWord")
    while words := list(BannedWord.objects.filter(public_id__isnull=True).only("pk")[:1000]):
        for word in words:
            word.public_id = new_public_id()
        BannedWord.objects.bulk_update(words, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0004_message_public_ids_coupon_cards"),
    ]

    operations = [
        migrations.AddField(
            model_name="bannedword",
            name="public_id",
            field=models.CharField(editable=False, max_length=26, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
