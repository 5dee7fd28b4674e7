"""Existing connections get a mapping for the new incoming status "Partially received": the
same main and payment status as their "Acknowledged" mapping (the goods are not all in yet),
so the settings page stays complete and enabled shops stay enabled."""

from django.db import migrations


def forwards(apps, schema_editor):
    connection_model = apps.get_model("amazon1p", "AmazonConnection")
    mapping_model = apps.get_model("amazon1p", "StatusMapping")
    for connection in connection_model.objects.all():
        if mapping_model.objects.filter(
            connection=connection, amazon_status="partially_received"
        ).exists():
            continue
        like = mapping_model.objects.filter(
            connection=connection, amazon_status="acknowledged"
        ).first()
        mapping_model.objects.create(
            connection=connection,
            amazon_status="partially_received",
            main_status_id=like.main_status_id if like else None,
            payment_status_id=like.payment_status_id if like else None,
        )


def backwards(apps, schema_editor):
    apps.get_model("amazon1p", "StatusMapping").objects.filter(
        amazon_status="partially_received"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("amazon1p", "0012_shortage_grace_days_and_partially_received")]

    operations = [migrations.RunPython(forwards, backwards)]
