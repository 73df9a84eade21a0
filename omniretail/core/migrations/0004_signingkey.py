import secrets

from django.db import migrations, models
from django.utils import timezone


def first_key(apps, schema_editor):
    """The ring's first key, signing at once: made once, by the release step, so every host
    reads the same key from its first request."""
    SigningKey = apps.get_model("core", "SigningKey")
    SigningKey.objects.create(
        kid=secrets.token_urlsafe(3), secret=secrets.token_urlsafe(32), signs_from=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_throttle"),
    ]

    operations = [
        migrations.CreateModel(
            name="SigningKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kid", models.CharField(max_length=4, unique=True)),
                ("secret", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("signs_from", models.DateTimeField()),
            ],
            options={
                "ordering": ["signs_from", "id"],
            },
        ),
        migrations.RunPython(first_key, migrations.RunPython.noop),
    ]
