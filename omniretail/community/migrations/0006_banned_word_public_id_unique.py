from django.db import migrations, models

import omniretail.core.ids


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_banned_word_public_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bannedword",
            name="public_id",
            field=models.CharField(
                db_index=True,
                default=omniretail.core.ids.new_public_id,
                editable=False,
                max_length=26,
                unique=True,
            ),
        ),
    ]
