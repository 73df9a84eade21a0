"""Photos are stored names (core.uploads), never URLs: a row that holds a link to this
platform's own media keeps the file under its name; any other value (an outside URL, a
`javascript:` link sent through the API) is dropped, so no page ever renders it."""

import re

from django.conf import settings
from django.db import migrations

STORED_NAME = re.compile(r"^[a-z][a-z-]{0,30}/[0-9a-z]{26}\.(jpg|png|webp)$")


def stored_name(value):
    if not isinstance(value, str):
        return None
    name = value.lstrip("/")
    media = settings.MEDIA_URL.lstrip("/")
    if media and name.startswith(media):
        name = name[len(media) :]
    return name if STORED_NAME.match(name) else None


def keep_stored_names(apps, schema_editor):
    Model = apps.get_model("orders", "AfterSalesRequest")
    for row in Model.objects.only("pk", "photos").iterator():
        names = [n for n in map(stored_name, row.photos or []) if n]
        if names != row.photos:
            Model.objects.filter(pk=row.pk).update(photos=names)


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_loyalty_discount_lines")]
    operations = [migrations.RunPython(keep_stored_names, migrations.RunPython.noop)]
