"""Fill the weekly rows from the daily ones already rolled up (the roll-up keeps them
current from now on; the hourly job alone would only reach the last few weeks)."""

from datetime import timedelta

from django.db import migrations

from cockpit.weekly import week_sums

# The sums as they stand in this migration (frozen: later fields are not there yet).
FIELDS = [
    "pos",
    "ack_on_time",
    "ack_late",
    "ack_pending",
    "units_ordered",
    "units_accepted",
    "units_backordered",
    "units_rejected",
    "rejected_temporarily_unavailable",
    "rejected_invalid_product_identifier",
    "rejected_obsolete_product",
    "backorder_open",
    "asn_on_time",
    "asn_late",
    "asn_first_try",
    "asn_answered",
    "lead_hours_sum",
    "lead_count",
    "received_ordered",
    "received_shipped",
    "units_received",
]


def weekly_fill(apps, schema_editor) -> None:
    daily_fc = apps.get_model("cockpit", "DailyFc")
    weekly_fc = apps.get_model("cockpit", "WeeklyFc")
    key, rows = None, []

    def flush() -> None:
        if key is None:
            return
        shop_id, week = key
        weekly_fc.objects.filter(shop_id=shop_id, week=week).delete()
        weekly_fc.objects.bulk_create(
            weekly_fc(shop_id=shop_id, week=week, fc_code=fc, **entry)
            for fc, entry in week_sums(rows, FIELDS).items()
        )

    for row in (
        daily_fc.objects.order_by("shop_id", "day")
        .values("shop_id", "day", "fc_code", "ack_minutes", *FIELDS)
        .iterator(chunk_size=2000)
    ):
        row_key = (row["shop_id"], row["day"] - timedelta(days=row["day"].weekday()))
        if row_key != key:
            flush()
            key, rows = row_key, []
        rows.append(row)
    flush()


def weekly_empty(apps, schema_editor) -> None:
    apps.get_model("cockpit", "WeeklyFc").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cockpit", "0003_weekly_fc")]

    operations = [migrations.RunPython(weekly_fill, weekly_empty)]
