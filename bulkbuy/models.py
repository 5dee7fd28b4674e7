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
