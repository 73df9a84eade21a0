"""Complaints filed through the old /api/orders/complaints (orders.Complaint) move to the
service domain, which answers and resolves them; their ids stay the same."""

from django.db import migrations


def move(apps, schema_editor):
    Old = apps.get_model("orders", "Complaint")
    New = apps.get_model("service", "Complaint")
    taken = set(New.objects.values_list("public_id", flat=True))
    New.objects.bulk_create(
        [
            New(
                public_id=old.public_id,
                shopper_id=old.shopper_id,
                about="order" if old.order_id else "merchant",
                order_id=old.order_id,
                merchant_id=old.merchant_id,
                text=old.text,
                status="resolved" if old.status == "resolved" else "open",
                resolution=old.resolution,
            )
            for old in Old.objects.exclude(public_id__in=taken)
        ]
    )
    for old in Old.objects.exclude(public_id__in=taken):  # the filing time, not today's
        New.objects.filter(public_id=old.public_id).update(created_at=old.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("service", "0001_initial"),
    ]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
