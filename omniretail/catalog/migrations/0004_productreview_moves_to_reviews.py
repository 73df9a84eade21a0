# ProductReview now lives in the reviews app (reviews/0001 takes over its table as it is).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_reviews"),
        ("reviews", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ProductReview")],
            database_operations=[],
        ),
    ]
