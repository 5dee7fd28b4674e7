"""Pick results from the warehouse: each pick file (or API call) and what it did per order."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from amazon1p.acknowledgements.models import Acknowledgement
from shops.models import ApiToken, Shop


class PickSource(models.TextChoices):
    FOLDER = "folder", "Watched folder"
    API = "api", "REST API"


class PickImportStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    DUPLICATE = "duplicate", "Already imported"
    FAILED = "failed", "Refused"


class PickImport(models.Model):
    """One pick file (or API call) from the warehouse and what came of it.

    A file is all or nothing: `applied` changed what it had to, `failed` changed nothing (the
    report lists every problem), `duplicate` had the content of an applied one and changed
    nothing. `shop` is empty only for a refused file that named no known shop.
    """

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="pick_imports"
    )
    source = models.CharField(max_length=8, choices=PickSource.choices)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=PickImportStatus.choices)
    report = models.TextField(blank=True)
    line_count = models.PositiveIntegerField(default=0)
    po_count = models.PositiveIntegerField(default=0)
    api_token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="pick_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same content is applied once per shop, however often it arrives, even when
            # two workers or two API calls race (the loser sees the winner's row).
            models.UniqueConstraint(
                fields=["shop", "sha256"],
                condition=Q(status="applied"),
                name="uniq_applied_pick_import",
            ),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="pick_import_shop_idx")]

    def __str__(self) -> str:
        return f"Pick import #{self.pk} ({self.status})"


class PickImportOrder(models.Model):
    """What an applied pick import did to one PO's order: the picks (`rows`: per row ordered,
    picked and credited by the picks), the credit rows it made and its acknowledgement.

    `credit_rows` are the live link that lets a later file for the same PO replace them; staff
    credit rows are never linked, so picks never touch them.
    """

    pick_import = models.ForeignKey(PickImport, on_delete=models.CASCADE, related_name="orders")
    # No index of its own: pick_order_latest_idx leads with it.
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    picked_at = models.DateTimeField()
    rows = models.JSONField(default=list)
    unchanged = models.BooleanField(default=False)
    credit_rows = models.ManyToManyField("orders.CreditRow", blank=True, related_name="pick_orders")
    acknowledgement = models.ForeignKey(
        Acknowledgement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pick_import", "id"]
        indexes = [models.Index(fields=["order", "-picked_at"], name="pick_order_latest_idx")]

    def __str__(self) -> str:
        return f"Picks of order {self.order_id} at {self.picked_at:%Y-%m-%d %H:%M}"
