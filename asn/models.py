"""Group shipments: what ships of which order, how it is packed, and the ASN that tells Amazon.

A `GroupShipment` goes from one of the shop's warehouses to one Amazon FC and gathers one
`Shipment` per order; each shipment has `ShipmentLine`s (what ships of each order row, in
eaches). Packing is a tree of `Container`s (pallets, cartons on a pallet) and `Placement`s
(how much of a line sits in which container). The ASN itself is an outbox row
(`AsnSubmission`), written before anything is sent, exactly like acknowledgements.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.outbox import IN_FLIGHT, OutboxMessage, OutboxStatus, in_flight_index, one_in_flight
from orders.models import Order, OrderRow
from shops.models import Shop

SSCC_VALIDATOR = RegexValidator(r"^\d{18}$", "An SSCC is 18 digits.")


class Warehouse(models.Model):
    """Where shipments leave from: Amazon's shipFromParty (`code` is its party id)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="warehouses")
    code = models.CharField(
        max_length=20,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{1,20}$", "Letters, digits, - and _.")],
        help_text="The ship-from party id Amazon knows this warehouse by.",
    )
    name = models.CharField(max_length=120)
    address_line = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(
        max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", "Two capital letters.")]
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="uniq_warehouse_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def address(self) -> str:
        return f"{self.address_line}, {self.postal_code} {self.city}, {self.country}"


class ShipmentType(models.TextChoices):
    SMALL_PARCEL = "SmallParcel", "Small parcel"
    LTL = "LessThanTruckLoad", "Less than truckload (LTL)"
    TRUCKLOAD = "TruckLoad", "Truckload"


class GroupShipmentStatus(models.TextChoices):
    DRAFT = "draft", "Packing"  # editable
    SUBMITTED = "submitted", "ASN sent"  # an ASN is on its way or accepted; placement frozen
    CONFIRMED = "confirmed", "Confirmed by Amazon"


class GroupShipment(models.Model):
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="group_shipments", db_index=False
    )
    code = models.CharField(max_length=30, help_text="Our number; the ASN number by default.")
    status = models.CharField(
        max_length=12, choices=GroupShipmentStatus.choices, default=GroupShipmentStatus.DRAFT
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    fc_code = models.CharField("Ship to FC", max_length=10)
    shipment_type = models.CharField(
        max_length=20, choices=ShipmentType.choices, default=ShipmentType.LTL
    )
    carrier_scac = models.CharField(
        "Carrier SCAC",
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2,4}$", "A SCAC is 2–4 capital letters.")],
    )
    carrier_reference = models.CharField("Carrier reference (PRO)", max_length=40, blank=True)
    bill_of_lading = models.CharField("Bill of lading", max_length=40, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    estimated_delivery_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every change of content or packing, so a stale form or pack file is refused.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="uniq_group_shipment_code")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_editable(self) -> bool:
        return self.status == GroupShipmentStatus.DRAFT


class Shipment(models.Model):
    """What one order ships in a group shipment."""

    group = models.ForeignKey(GroupShipment, on_delete=models.CASCADE, related_name="shipments")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")

    class Meta:
        ordering = ["order__number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "order"], name="uniq_shipment_order"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.order_id}"


class ShipmentLine(models.Model):
    """How many eaches of one order row ship; all of them must be placed before the ASN."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    row = models.ForeignKey(OrderRow, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_weight_kg = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True, help_text="Weight of one each."
    )

    class Meta:
        ordering = ["row__position"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "row"], name="uniq_shipment_line_row"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.row_id} × {self.quantity}"


def _centimetres(label: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )


class ContainerKind(models.TextChoices):
    PALLET = "pallet", "Pallet"
    CARTON = "carton", "Carton"


class Container(models.Model):
    """A pallet, or a carton on a pallet. One table for both, so an identifier is either a
    pallet or a carton, never both; a carton has exactly one pallet (`pallet`)."""

    group = models.ForeignKey(GroupShipment, on_delete=models.CASCADE, related_name="containers")
    kind = models.CharField(max_length=6, choices=ContainerKind.choices)
    sscc = models.CharField("SSCC", max_length=18, validators=[SSCC_VALIDATOR])
    pallet = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cartons",
        help_text="For a carton: the pallet it sits on.",
    )
    tracking_number = models.CharField(max_length=40, blank=True)
    weight_kg = models.DecimalField(
        "Weight (kg)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Gross, as weighed; empty: goods plus the container's own weight.",
    )
    # Outer dimensions in centimetres; the ASN sends them in metres (Amazon takes In, Ft,
    # Meter or Yard). All three or none.
    length_cm = _centimetres("Length (cm)")
    width_cm = _centimetres("Width (cm)")
    height_cm = _centimetres("Height (cm)")

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "sscc"], name="uniq_container_sscc"),
            models.CheckConstraint(
                condition=Q(kind="pallet", pallet__isnull=True)
                | Q(kind="carton", pallet__isnull=False),
                name="carton_on_a_pallet",
            ),
            models.CheckConstraint(
                condition=Q(length_cm__isnull=True, width_cm__isnull=True, height_cm__isnull=True)
                | Q(length_cm__isnull=False, width_cm__isnull=False, height_cm__isnull=False),
                name="container_dimensions_all_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sscc}"

    @property
    def has_dimensions(self) -> bool:
        return self.length_cm is not None


class Placement(models.Model):
    """`quantity` eaches of a shipment line in a container (a carton, or loose on a pallet)."""

    line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="placements")
    container = models.ForeignKey(Container, on_delete=models.CASCADE, related_name="placements")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "container"], name="uniq_placement"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="placement_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} in {self.container_id} × {self.quantity}"


class SsccRecord(models.Model):
    """Every SSCC the shop has put on a container, generated or supplied. An SSCC must not be
    used again within 365 days (GS1); generated serials only go up, so ours never repeat."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    sscc = models.CharField(max_length=18, validators=[SSCC_VALIDATOR])
    # The group shipment that last used it: that shipment may use it again (a pack file
    # that drops a label and a corrected one that brings it back), no other may.
    group = models.ForeignKey(
        "GroupShipment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generated = models.BooleanField(default=True)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "sscc"], name="uniq_shop_sscc")]

    def __str__(self) -> str:
        return self.sscc


class SsccCounter(models.Model):
    """The next serial reference per shop and company prefix (row-locked when drawn)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    company_prefix = models.CharField(max_length=12)
    next_serial = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "company_prefix"], name="uniq_sscc_counter")
        ]

    def __str__(self) -> str:
        return f"{self.company_prefix}: next {self.next_serial}"


class DocumentKind(models.TextChoices):
    CARTON_LABEL = "carton_label", "Carton / ASN label"
    PALLET_LABEL = "pallet_label", "Pallet label"
    PACKING_LIST = "packing_list", "Packing list"


class PageSize(models.TextChoices):
    LABEL_4X6 = "4x6", "4 × 6 in label"
    A4 = "A4", "A4"


class DocumentTemplate(models.Model):
    """A shop's own version of a document; without one, the built-in default is used."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="document_templates")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    page_size = models.CharField(max_length=4, choices=PageSize.choices, default=PageSize.LABEL_4X6)
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind"], name="uniq_document_template")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.kind}"


class AsnType(models.TextChoices):
    ORIGINAL = "Original", "Original"
    REPLACE = "Replace", "Replace"


AsnStatus = OutboxStatus  # where an ASN is on its way to Amazon: the outbox states
IN_FLIGHT_ASN_STATUSES = IN_FLIGHT


class AsnSubmission(OutboxMessage):
    """One shipment confirmation of a group shipment: an outbox row. `payload` is exactly what
    goes to Amazon, fixed when the row is written, so a retry sends the same thing."""

    group = models.ForeignKey(GroupShipment, on_delete=models.CASCADE, related_name="submissions")
    confirmation_type = models.CharField(max_length=8, choices=AsnType.choices)
    asn_number = models.CharField(max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [one_in_flight("group", name="one_asn_in_flight")]
        indexes = [in_flight_index(name="asn_in_flight_idx")]

    def __str__(self) -> str:
        return f"ASN {self.asn_number} {self.confirmation_type} ({self.status})"


class PackSource(models.TextChoices):
    INBOX = "inbox", "File in the pack inbox"
    API = "api", "REST API"
    UPLOAD = "upload", "Uploaded on the page"


class PackImportStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    UNCHANGED = "unchanged", "Unchanged"
    REFUSED = "refused", "Refused"


class PackImport(models.Model):
    """One pack file, applied or refused, with its line-by-line report."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        GroupShipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="pack_imports"
    )
    source = models.CharField(max_length=8, choices=PackSource.choices)
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=PackImportStatus.choices)
    problems = models.JSONField(default=list, blank=True)
    lines = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
