"""Invoices to Amazon: a shop's invoicing settings (legal entity, remit-to party, number
series, payment terms, basis), invoices and credit notes with their lines, an invoice's
charges and allowances, and the outbox rows that carry them to Amazon (one per send;
`payload` fixed when written).

Quantities are in eaches, like order rows, shipment lines and receipts. Money is in the
invoice's currency (one per invoice).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from asn.models import GroupShipment
from core.outbox import OutboxMessage, in_flight_index, one_in_flight
from orders.models import OrderRow, PriceUnit
from shops.models import Shop


class InvoiceBasis(models.TextChoices):
    """What quantities a new invoice bills."""

    SHIPPED = "shipped", "Shipped (the confirmed ASN)"
    RECEIVED = "received", "Received (what Amazon's FC counted)"


class TaxRegistrationType(models.TextChoices):
    VAT = "VAT", "VAT"
    GST = "GST", "GST"


class InvoiceSettings(models.Model):
    """A shop's invoicing: who bills Amazon and is paid, how invoices are numbered."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="invoice_settings")
    legal_name = models.CharField("Legal entity", max_length=200)
    remit_to_party_id = models.CharField(
        "Remit-to party ID",
        max_length=20,
        help_text="Your vendor code or the payee ID Amazon gave you.",
    )
    address_line1 = models.CharField("Address", max_length=200)
    address_line2 = models.CharField("Address line 2", max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100)
    country_code = models.CharField(
        "Country",
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Two capital letters (ISO 3166).")],
    )
    tax_registration_type = models.CharField(
        max_length=3, choices=TaxRegistrationType.choices, default=TaxRegistrationType.VAT
    )
    tax_registration_number = models.CharField("Tax registration number", max_length=40)
    tax_type = models.CharField(
        max_length=20,
        default="VAT",
        help_text="Amazon's taxType on each line (VAT, MwSt., TVA, GST ...).",
    )
    number_prefix = models.CharField(
        "Invoice number prefix",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9-]*$", "Letters, digits and dashes only.")],
    )
    next_number = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    payment_terms_days = models.PositiveSmallIntegerField("Payment terms (days)", default=60)
    default_basis = models.CharField(
        max_length=10, choices=InvoiceBasis.choices, default=InvoiceBasis.RECEIVED
    )
    pdf_template = models.TextField(
        "PDF template",
        blank=True,
        help_text="The invoice PDF's template (document markup); empty: the built-in one.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"invoicing of {self.shop_id}"


class InvoiceType(models.TextChoices):
    INVOICE = "Invoice", "Invoice"
    CREDIT_NOTE = "CreditNote", "Credit note"


class CreditKind(models.TextChoices):
    RETURN = "return", "Returns"
    PRICE = "price", "Price difference"
    SHORTAGE = "shortage", "Accepted shortage"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent to Amazon"  # a submission is on its way
    ACCEPTED = "accepted", "Accepted by Amazon"
    REFUSED = "refused", "Refused by Amazon"  # fix and send again


class Invoice(models.Model):
    """An invoice or credit note of one ship-to party, over one or more POs."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice_type = models.CharField(
        max_length=10, choices=InvoiceType.choices, default=InvoiceType.INVOICE
    )
    number = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    basis = models.CharField(max_length=10, choices=InvoiceBasis.choices, blank=True)
    group = models.ForeignKey(
        GroupShipment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoices",
        help_text="The group shipment it bills, if made from one.",
    )
    ship_to_party_id = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    invoice_date = models.DateTimeField(default=timezone.now)
    reference = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        help_text="A credit note's invoice.",
    )
    credit_kind = models.CharField(max_length=10, choices=CreditKind.choices, blank=True)
    returns_reference = models.CharField("Returns notice number", max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="uniq_invoice_number"),
        ]

    def __str__(self) -> str:
        return f"{self.get_invoice_type_display()} {self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.invoice_type == InvoiceType.CREDIT_NOTE

    @property
    def can_send(self) -> bool:
        return self.status in (InvoiceStatus.DRAFT, InvoiceStatus.REFUSED)


class InvoiceLine(models.Model):
    """One billed (or credited) PO line. `net_cost` is per each, or per `price_unit` for a
    line priced by weight, which then bills `weight` (in that unit)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    row = models.ForeignKey(OrderRow, on_delete=models.PROTECT, related_name="invoice_lines")
    po_number = models.CharField(max_length=40)
    item_sequence_number = models.PositiveIntegerField()
    asin = models.CharField(max_length=10, blank=True)
    ean = models.CharField(max_length=14, blank=True)
    quantity = models.PositiveIntegerField(help_text="In eaches.")
    net_cost = models.DecimalField(max_digits=12, decimal_places=4)
    price_unit = models.CharField(max_length=10, blank=True, choices=PriceUnit.choices)
    weight = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    net_amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["po_number", "item_sequence_number", "id"]

    def __str__(self) -> str:
        return f"{self.po_number}/{self.item_sequence_number} × {self.quantity}"


class AdjustmentKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    ALLOWANCE = "allowance", "Allowance"


class ChargeType(models.TextChoices):
    """Amazon's ChargeDetails.type (vendorInvoices model)."""

    FREIGHT = "Freight", "Freight"
    PACKING = "Packing", "Packing fee"
    DUTY = "Duty", "Duty"
    SERVICE = "Service", "Service fee"
    SMALL_ORDER = "SmallOrder", "Small order fee"
    INSURANCE_PLACEMENT_COST = "InsurancePlacementCost", "Insurance placement cost"
    INSURANCE_FEE = "InsuranceFee", "Insurance fee"
    SPECIAL_HANDLING_SERVICE = "SpecialHandlingService", "Special handling service"
    COLLECTION_AND_RECYCLING_SERVICE = (
        "CollectionAndRecyclingService",
        "Collection and recycling service",
    )
    ENVIRONMENTAL_PROTECTION_SERVICE = (
        "EnvironmentalProtectionService",
        "Environmental protection service",
    )
    TAX_COLLECTED_AT_SOURCE = "TaxCollectedAtSource", "Tax collected at source"


class AllowanceType(models.TextChoices):
    """Amazon's AllowanceDetails.type (vendorInvoices model)."""

    DISCOUNT = "Discount", "Discount"
    DISCOUNT_INCENTIVE = "DiscountIncentive", "Discount incentive"
    DEFECTIVE = "Defective", "Defective items"
    PROMOTIONAL = "Promotional", "Promotional"
    UNSALEABLE_MERCHANDISE = "UnsaleableMerchandise", "Unsaleable merchandise"
    SPECIAL = "Special", "Special"


ADJUSTMENT_DESCRIPTION_MAX = 200

ADJUSTMENT_TYPES = {
    AdjustmentKind.CHARGE: ChargeType,
    AdjustmentKind.ALLOWANCE: AllowanceType,
}


class InvoiceAdjustment(models.Model):
    """A charge (freight, packing ...) added to an invoice, or an allowance (a promotional
    or other discount) taken off it, over the whole invoice: Amazon's Invoice.chargeDetails
    and allowanceDetails. `amount` is net, in the invoice's currency; `tax_amount` is its
    tax at `tax_rate` (an allowance lowers the invoice's tax as it lowers its net)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=10, choices=AdjustmentKind.choices)
    type = models.CharField(max_length=40, choices=[*ChargeType.choices, *AllowanceType.choices])
    description = models.CharField(max_length=ADJUSTMENT_DESCRIPTION_MAX, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-kind", "id"]  # charges, then allowances
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=AdjustmentKind.CHARGE, type__in=ChargeType.values)
                    | models.Q(kind=AdjustmentKind.ALLOWANCE, type__in=AllowanceType.values)
                ),
                name="invoice_adjustment_type_of_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.type} {self.amount}"

    @property
    def is_allowance(self) -> bool:
        return self.kind == AdjustmentKind.ALLOWANCE


class InvoiceSubmission(OutboxMessage):
    """One send of an invoice to Amazon: an outbox row (see invoicing/outbox.py)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="submissions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [one_in_flight("invoice", name="one_invoice_in_flight")]
        indexes = [in_flight_index(name="invoice_in_flight_idx")]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} ({self.status})"
