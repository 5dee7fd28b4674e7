"""Receiving: per PO line what Amazon's FC received (with a row per change), and per PO
whether receiving is complete and whether its shortage alert went out.

Quantities are in eaches, like order rows and shipment lines.
"""

from django.db import models
from django.utils import timezone

from orders.models import Order, OrderRow
from shops.models import Shop


class ReceiveStatus(models.TextChoices):
    """Amazon's receiveStatus (getPurchaseOrdersStatus)."""

    NOT_RECEIVED = "NOT_RECEIVED", "Not received"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED", "Partially received"
    RECEIVED = "RECEIVED", "Received"


class LineReceipt(models.Model):
    """The latest receiving status Amazon reports for one order row (PO line)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_receipts")
    row = models.OneToOneField(OrderRow, on_delete=models.CASCADE, related_name="receipt")
    receive_status = models.CharField(max_length=20, choices=ReceiveStatus.choices)
    received_quantity = models.PositiveIntegerField(default=0, help_text="In eaches.")
    last_receive_date = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["shop", "receive_status"], name="receipt_shop_status")]

    def __str__(self) -> str:
        return f"{self.row_id}: {self.receive_status} {self.received_quantity}"


class LineReceiptChange(models.Model):
    """One receiving state a line went through (history); the same state is stored once."""

    receipt = models.ForeignKey(LineReceipt, on_delete=models.CASCADE, related_name="changes")
    receive_status = models.CharField(max_length=20, choices=ReceiveStatus.choices)
    received_quantity = models.PositiveIntegerField()
    last_receive_date = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "receive_status", "received_quantity", "last_receive_date"],
                name="uniq_receipt_change",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.receive_status} {self.received_quantity}"


class OrderReceiving(models.Model):
    """Receiving of one shipped PO as a whole."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="receiving")
    fully_received = models.BooleanField(default=False)
    # When the row was last written: the first look, or its completeness changed.
    checked_at = models.DateTimeField(null=True, blank=True)
    shortage_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "fully_received"], name="receiving_shop_open"),
        ]

    def __str__(self) -> str:
        return f"receiving of {self.order_id}"
