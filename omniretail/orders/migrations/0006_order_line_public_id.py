"""Order lines get a public id of their own (the API named them by their primary key): the
column, and a fresh ULID for every existing row. 0007 makes it unique and required, in a
transaction of its own (PostgreSQL refuses to alter a table with the updates' trigger events
still pending)."""

from django.db import migrations, models

from omniretail.core.ids import new_public_id


def backfill(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    while lines := list(OrderLine.objects.filter(public_id__isnull=True).only("pk")[:1000]):
        for line in lines:
            line.public_id = new_public_id()
        OrderLine.objects.bulk_update(lines, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_delivery_riders"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="public_id",
            field=models.CharField(editable=False, max_length=26, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
