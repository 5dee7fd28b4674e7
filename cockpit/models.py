"""The vendor cockpit's roll-ups: per-order facts and daily sums, rebuilt from our own data.

Nothing here is entered by a person: `cockpit.rollup.rollup_day` deletes and rebuilds a
(shop, day) slice in one transaction, so the tables can always be thrown away and rebuilt.
A day is the local calendar day of the PO date (`Order.ordered_at`); see docs/metrics.md.
"""

from django.db import models

from orders.models import Order
from shops.models import Shop


class AckState(models.TextChoices):
    ON_TIME = "on_time", "Acknowledged on time"
    LATE = "late", "Acknowledged late"
    OVERDUE = "overdue", "Not acknowledged, deadline passed"
    PENDING = "pending", "Not acknowledged, deadline ahead"


class AsnState(models.TextChoices):
    NONE = "", "No ASN yet"
    ON_TIME = "on_time", "ASN before departure"
    LATE = "late", "ASN after departure"


class OrderFact(models.Model):
    """What one Amazon PO's order scores on the metrics; the drill-down filters read it."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="cockpit_fact"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    fc_code = models.CharField(max_length=10, blank=True)
    ack_due_at = models.DateTimeField()
    acked_at = models.DateTimeField(null=True, blank=True)
    ack_state = models.CharField(max_length=8, choices=AckState.choices)
    ack_minutes = models.PositiveIntegerField(null=True, blank=True)
    units_ordered = models.PositiveIntegerField(default=0)
    units_accepted = models.PositiveIntegerField(default=0)
    units_backordered = models.PositiveIntegerField(default=0)
    units_rejected = models.PositiveIntegerField(default=0)
    backorder_open = models.PositiveIntegerField(default=0)
    asn_state = models.CharField(max_length=8, choices=AsnState.choices, blank=True)
    asn_first_try = models.BooleanField(null=True)
    lead_hours = models.PositiveIntegerField(null=True, blank=True)
    # Receiving (docs/metrics.md): counted once received in full or past the grace days.
    units_shipped = models.PositiveIntegerField(default=0)  # under ASNs that reached Amazon
    units_received = models.PositiveIntegerField(default=0)
    receiving_counted = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["shop", "day", "fc_code"], name="cockpit_fact_day_idx")]

    def __str__(self) -> str:
        return f"Facts of order {self.order_id} ({self.day})"


class FcSums(models.Model):
    """The PO-level sums of one FC (or all) over a day or a week; docs/metrics.md."""

    pos = models.PositiveIntegerField(default=0)
    ack_on_time = models.PositiveIntegerField(default=0)
    ack_late = models.PositiveIntegerField(default=0)  # acknowledged late or overdue
    ack_pending = models.PositiveIntegerField(default=0)
    units_ordered = models.PositiveIntegerField(default=0)
    units_accepted = models.PositiveIntegerField(default=0)
    units_backordered = models.PositiveIntegerField(default=0)
    units_rejected = models.PositiveIntegerField(default=0)
    rejected_temporarily_unavailable = models.PositiveIntegerField(default=0)
    rejected_invalid_product_identifier = models.PositiveIntegerField(default=0)
    rejected_obsolete_product = models.PositiveIntegerField(default=0)
    backorder_open = models.PositiveIntegerField(default=0)
    asn_on_time = models.PositiveIntegerField(default=0)
    asn_late = models.PositiveIntegerField(default=0)
    asn_first_try = models.PositiveIntegerField(default=0)
    asn_answered = models.PositiveIntegerField(default=0)  # ASNs Amazon accepted or refused
    lead_hours_sum = models.PositiveBigIntegerField(default=0)
    lead_count = models.PositiveIntegerField(default=0)
    # Sums over the POs whose receiving counts (fill rate, receiving accuracy)
    received_ordered = models.PositiveIntegerField(default=0)
    received_shipped = models.PositiveIntegerField(default=0)
    units_received = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyFc(FcSums):
    """Per shop, day and FC: the PO-level sums the cockpit's daily views read."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    fc_code = models.CharField(max_length=10, blank=True)
    # Minutes to acknowledge of each acknowledged PO: a median cannot be summed, so a
    # period's median is taken over the days' lists (a few thousand numbers at most).
    ack_minutes = models.JSONField(default=list, blank=True)  # a list (JSON: SQLite demo too)

    class Meta:
        ordering = ["day", "fc_code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "fc_code"], name="uniq_cockpit_day_fc")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.fc_code or '(no FC)'}"


class WeeklyFc(FcSums):
    """Per shop, week (Monday to Sunday) and FC, plus one row for all FCs (`fc_code` "*"):
    the week's DailyFc rows summed when a day of it is rolled up, so the 12-week view reads
    a few dozen rows instead of a quarter's daily lists (cockpit/weekly.py)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField(help_text="Monday of the week.")
    fc_code = models.CharField(max_length=10, blank=True)
    ack_median_minutes = models.FloatField(null=True, blank=True)
    # The week's minutes to acknowledge as [minutes, POs] pairs (a median over weeks merges
    # them): at most one pair per distinct minute, whatever the number of POs. Empty on the
    # all-FC row, which only needs its median.
    ack_minutes_hist = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["week", "fc_code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "week", "fc_code"], name="uniq_cockpit_week_fc")
        ]

    def __str__(self) -> str:
        return f"week of {self.week} {self.fc_code or '(no FC)'}"


class DailyProduct(models.Model):
    """Per shop, day, FC and product (ASIN, else SKU, else EAN): the unit sums."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    fc_code = models.CharField(max_length=10, blank=True)
    product = models.CharField(max_length=64)
    title = models.CharField(max_length=250, blank=True)
    units_ordered = models.PositiveIntegerField(default=0)
    units_accepted = models.PositiveIntegerField(default=0)
    units_backordered = models.PositiveIntegerField(default=0)
    units_rejected = models.PositiveIntegerField(default=0)
    units_shipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "fc_code", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "fc_code", "product"], name="uniq_cockpit_day_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.fc_code} {self.product}"


class WeeklySummary(models.Model):
    """The weekly e-mail of a shop: written before it is sent, so a rerun sends it once."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="Monday of the week summed up.")
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "week"], name="uniq_cockpit_weekly_summary")
        ]

    def __str__(self) -> str:
        return f"Summary of week {self.week} for shop {self.shop_id}"
