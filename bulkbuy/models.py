"""Bulk Buy Offers: Amazon's offer spreadsheet as imported, one row per product.

The uploaded workbook is kept byte for byte (`Offer.source_file`) with where each column
was found (`sheet_name`, `header_row`, `columns`), so the export can write the final
quantities into the very file Amazon sent.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from orders.models import Product
from shops.models import Shop


class OfferStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMMERCE = "commerce", "Commerce"
    MANUFACTURE = "manufacture", "Manufacture"
    WAREHOUSE = "warehouse", "Warehouse"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired"


class Offer(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="offers", db_index=False)
    name = models.CharField(max_length=200, help_text="Amazon's offer number or name.")
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.DRAFT)
    # The workbook as uploaded. In the database rather than a FileField: it is written in the
    # import's transaction (a refused or failed import leaves no orphan file), backed up with
    # the offer, and readable by web and workers without a shared media volume. Offer files
    # are small (5,000 rows ≈ 0.2 MB). Deferred by every list and detail query.
    source_file = models.BinaryField(editable=False)
    source_name = models.CharField(max_length=255)
    source_sha256 = models.CharField(max_length=64)
    sheet_name = models.CharField(max_length=100)
    header_row = models.PositiveIntegerField(help_text="Row number of the header in the sheet.")
    columns = models.JSONField(
        default=dict, help_text="Our field name → 0-based column index in the sheet."
    )
    currency = models.CharField(max_length=3)
    value = models.DecimalField(
        max_digits=18, decimal_places=4, help_text="Σ unit cost × quantity of all stages."
    )
    row_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(
        default=1, help_text="Bumped by every approval step; stale forms and files are refused."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "-created_at", "-id"], name="offer_list_idx")]

    def __str__(self) -> str:
        return self.name


class OfferRow(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField(help_text="Row number in the sheet.")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="offer_rows")
    asin = models.CharField(max_length=10, blank=True)
    ean = models.CharField(max_length=14, blank=True)
    title = models.CharField(max_length=500, blank=True)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3)
    stage1_from = models.DateField()
    stage1_to = models.DateField()
    stage1_qty = models.PositiveIntegerField()
    stage2_from = models.DateField(null=True, blank=True)
    stage2_to = models.DateField(null=True, blank=True)
    stage2_qty = models.PositiveIntegerField(null=True, blank=True)
    approved = models.BooleanField(null=True, blank=True, help_text="Yes, no, or not decided.")
    comment = models.TextField(blank=True)
    # Quantities each stage can supply per delivery stage: None = pending, 0 = none.
    manufacture_qty1 = models.PositiveIntegerField(null=True, blank=True)
    manufacture_qty2 = models.PositiveIntegerField(null=True, blank=True)
    warehouse_qty1 = models.PositiveIntegerField(null=True, blank=True)
    warehouse_qty2 = models.PositiveIntegerField(null=True, blank=True)
    # db_default: the import writes rows with COPY, which knows no Python defaults.
    changed_revision = models.PositiveIntegerField(
        db_default=0, help_text="Offer revision of the last approval-stage change to this row."
    )

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "row_number"], name="uniq_offer_row_number"),
            models.CheckConstraint(
                condition=models.Q(stage1_from__lte=models.F("stage1_to")),
                name="offer_row_stage1_window",
            ),
            models.CheckConstraint(
                # All or nothing: a second delivery stage has a window and a quantity.
                condition=models.Q(
                    stage2_from__isnull=True, stage2_to__isnull=True, stage2_qty__isnull=True
                )
                | models.Q(
                    stage2_from__isnull=False,
                    stage2_to__isnull=False,
                    stage2_qty__isnull=False,
                    stage2_from__lte=models.F("stage2_to"),
                ),
                name="offer_row_stage2_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} row {self.row_number}"

    @property
    def quantity(self) -> int:
        return self.stage1_qty + (self.stage2_qty or 0)

    @property
    def line_value(self):
        return self.unit_cost * self.quantity


# --- Approval stages ----------------------------------------------------------------------
# Offer.status is the stage the offer waits in: commerce → manufacture → warehouse →
# completed. A freshly imported (draft) offer waits for Commerce. OfferRow.approved is
# Commerce's decision (the file's Approved column seeds it).


class OfferStage(models.TextChoices):
    COMMERCE = "commerce", "Commerce"
    MANUFACTURE = "manufacture", "Manufacture"
    WAREHOUSE = "warehouse", "Warehouse"


class OfferEventAction(models.TextChoices):
    IMPORT = "import", "Offer imported"
    DECIDE = "decide", "Rows decided"
    QUANTITIES = "quantities", "Quantities entered"
    UPLOAD = "upload", "Stage file uploaded"
    APPROVE = "approve", "Stage approved"
    REVOKE = "revoke", "Approval revoked"
    COMPLETE = "complete", "Offer completed"


class OfferStageLook(models.Model):
    """The offer revision a stage's approver last worked on: rows changed since then are
    highlighted for that stage."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="stage_looks")
    stage = models.CharField(max_length=16, choices=OfferStage.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revision = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "stage"], name="uniq_offer_stage_look")
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.stage} @{self.revision}"


class OfferEvent(models.Model):
    """One step in an offer's history (its import, then each approval step): who, when, as
    which stage, what changed."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Blank for the import: it comes before the stages and needs none of their permissions.
    stage = models.CharField(max_length=16, choices=OfferStage.choices, blank=True)
    action = models.CharField(max_length=16, choices=OfferEventAction.choices)
    revision = models.PositiveIntegerField(help_text="The offer's revision after this step.")
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["offer", "-at", "-id"], name="offer_event_idx")]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.action} by {self.user_id}"


# --- Linking purchase orders --------------------------------------------------------------
# Each Amazon order is checked against the shop's completed offers (bulkbuy.linking). The
# outcome is the order's purchase type (Order.purchase_type, which the orders grid filters
# on); OrderLink keeps what the check decided and why, OrderLinkLine what it took from the
# offer. Both are rewritten by every check that changes the outcome.


class OrderLink(models.Model):
    """The last linking check of one order: the offer and delivery stage it is linked to
    (Bulk buy), or the discrepancies that kept it from linking (Undefined)."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="offer_link"
    )
    # PROTECT: an offer with linked orders cannot be deleted from under them.
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="order_links"
    )
    stage = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Delivery stage.")
    discrepancies = models.JSONField(default=list, blank=True)
    po_hash = models.CharField(
        max_length=64, blank=True, help_text="The PO's content hash when it was checked."
    )
    by_hand = models.BooleanField(default=False)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    acknowledgement_note = models.CharField(
        max_length=500, blank=True, help_text="Why a linked order was not acknowledged itself."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offer__isnull=True, stage__isnull=True)
                | models.Q(offer__isnull=False, stage__in=(1, 2)),
                name="order_link_offer_has_stage",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.offer_id or '—'} stage {self.stage or '—'}"


class OrderLinkLine(models.Model):
    """What one order row takes from one offer row's delivery stage, in eaches."""

    link = models.ForeignKey(OrderLink, on_delete=models.CASCADE, related_name="lines")
    order_row = models.OneToOneField(
        "orders.OrderRow", on_delete=models.CASCADE, related_name="offer_link_line"
    )
    offer_row = models.ForeignKey(
        OfferRow, on_delete=models.PROTECT, related_name="order_link_lines", db_index=False
    )
    stage = models.PositiveSmallIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # What is left of an offer row's stage: summed under the offer's lock.
            models.Index(fields=["offer_row", "stage"], name="order_link_line_usage_idx")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × offer row {self.offer_row_id} stage {self.stage}"
