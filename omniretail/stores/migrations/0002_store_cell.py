"""Each store's grid cell (core.geo.cell_of), indexed, for the nearby search."""

from django.db import migrations, models


def fill_cells(apps, schema_editor):
    from omniretail.core.geo import cell_of

    Store = apps.get_model("stores", "Store")
    stores = list(Store.objects.only("pk", "lat", "lon"))
    for store in stores:
        store.cell = cell_of(store.lat, store.lon)
    Store.objects.bulk_update(stores, ["cell"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("stores", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="store",
            name="cell",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(fill_cells, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="store",
            name="cell",
            field=models.BigIntegerField(db_index=True, editable=False),
        ),
    ]
