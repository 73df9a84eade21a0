"""Counters that were let through with seq >= 2^62 (accepted before the limit was enforced)
could send nothing afterwards: their last accepted number goes back to the highest one below
the limit, so the device continues from there. The journal rows stay as they were."""

from django.db import migrations
from django.db.models import Max

LIMIT = 2**62


def unbrick(apps, schema_editor):
    Counter = apps.get_model("counters", "Counter")
    DeviceEvent = apps.get_model("counters", "DeviceEvent")
    for counter in Counter.objects.filter(last_seq__gte=LIMIT):
        below = DeviceEvent.objects.filter(counter=counter, seq__lt=LIMIT).aggregate(m=Max("seq"))
        Counter.objects.filter(pk=counter.pk).update(last_seq=below["m"] or 0)


class Migration(migrations.Migration):
    dependencies = [("counters", "0002_repair_photos_are_stored_names")]

    operations = [migrations.RunPython(unbrick, migrations.RunPython.noop)]
