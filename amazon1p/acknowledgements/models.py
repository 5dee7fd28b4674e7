"""Acknowledgements of POs to Amazon: outbox rows and what each order row answers."""

from django.conf import settings
from django.db import models

from amazon1p.importing.models import AmazonPurchaseOrder
from core.outbox import IN_FLIGHT, OutboxMessage, OutboxStatus, in_flight_index, one_in_flight
from shops.models import Shop

# Where an acknowledgement is on its way to Amazon (the order shows it): the outbox states.
AckStatus = OutboxStatus
IN_FLIGHT_ACK_STATUSES = IN_FLIGHT


class AckOrigin(models.TextChoices):
    MANUAL = "manual", "By hand"
    RULE = "rule", "By rule"
    PICK = "pick", "From pick results"
    BULK_BUY = "bulk_buy", "Bulk Buy Offer"


class RejectionReason(models.TextChoices):
    """Amazon's reasons for a rejected quantity (OrderItemAcknowledgement.rejectionReason)."""

    TEMPORARILY_UNAVAILABLE = "TemporarilyUnavailable", "Temporarily unavailable"
    INVALID_PRODUCT_IDENTIFIER = "InvalidProductIdentifier", "Invalid product identifier"
    OBSOLETE_PRODUCT = "ObsoleteProduct", "Obsolete product"


class Acknowledgement(OutboxMessage):
    """One acknowledgement of a PO: an outbox row, written before anything is sent.

    `payload` is exactly what goes to Amazon, fixed when the row is written, so a retry
    sends the same thing. `acknowledgement_date` (whole seconds) is also how a retry finds
    out, from Amazon's PO status, whether an earlier attempt arrived (Amazon has no
    idempotency key).
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="acknowledgements"
    )
    purchase_order = models.ForeignKey(
        AmazonPurchaseOrder, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    origin = models.CharField(max_length=10, choices=AckOrigin.choices, default=AckOrigin.MANUAL)
    acknowledgement_date = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # One acknowledgement on its way per order: buttons lock, a second click is refused.
        constraints = [one_in_flight("order", name="one_acknowledgement_in_flight")]
        indexes = [in_flight_index(name="ack_in_flight_idx")]

    def __str__(self) -> str:
        return f"Acknowledgement #{self.pk} of {self.purchase_order_id} ({self.status})"


class AcknowledgementLine(models.Model):
    """What one order row answers, in eaches: accepted + backordered + rejected = ordered."""

    acknowledgement = models.ForeignKey(
        Acknowledgement, on_delete=models.CASCADE, related_name="lines"
    )
    row = models.ForeignKey("orders.OrderRow", on_delete=models.CASCADE, related_name="+")
    item_sequence_number = models.CharField(max_length=20)
    accepted = models.PositiveIntegerField(default=0)
    backordered = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejection_reason = models.CharField(max_length=30, choices=RejectionReason.choices, blank=True)
    scheduled_ship_date = models.DateField(null=True, blank=True)
    scheduled_delivery_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["row__position"]

    def __str__(self) -> str:
        return f"{self.item_sequence_number}: +{self.accepted} ~{self.backordered} -{self.rejected}"

    @property
    def committed(self) -> int:
        """What the vendor promises to ship: accepted now or later."""
        return self.accepted + self.backordered
