"""The channel-neutral order book: orders, rows, credit rows and free-form parameters.

Customer name and address are stored in the shape the shop's contact-info settings ask for:
single fields (`customer_name`, `address_line`) or split ones; the other set stays blank.
"""

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from shops.models import CreditReason, OrderStatus, PaymentStatus, PaymentType, Shop, VatTariff


class Channel(models.TextChoices):
    MANUAL = "manual", "Manual"
    AMAZON_1P = "amazon_1p", "Amazon 1P"


class PurchaseType(models.TextChoices):
    NONE = "", "Not applicable"
    BULK_BUY = "bulk_buy", "Bulk buy"
    WEEKLY = "weekly", "Weekly"
    UNDEFINED = "undefined", "Undefined"


class PriceUnit(models.TextChoices):
    """What a row's price is per: each (blank) or a weight unit (Amazon's names)."""

    EACH = "", "each"
    POUNDS = "POUNDS", "lb"
    OUNCES = "OUNCES", "oz"
    GRAMS = "GRAMS", "g"
    KILOGRAMS = "KILOGRAMS", "kg"


PRICE_UNIT_LABELS = {choice.value: choice.label for choice in PriceUnit if choice.value}


PARTY_LABELS = (
    ("buying", "Buying party"),
    ("selling", "Selling party"),
    ("bill_to", "Bill-to party (invoices)"),
    ("ship_to", "Ship-to party"),
)


class Order(models.Model):
    # db_index=False here and on the FKs below: a composite or unique index leading with the
    # same column already serves every lookup, and each index costs every bulk import.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders", db_index=False)
    number = models.CharField(max_length=40)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.MANUAL)
    external_reference = models.CharField(max_length=64, blank=True)
    main_status = models.ForeignKey(OrderStatus, on_delete=models.PROTECT, related_name="+")
    payment_status = models.ForeignKey(PaymentStatus, on_delete=models.PROTECT, related_name="+")
    payment_type = models.ForeignKey(
        PaymentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purchase_type = models.CharField(
        max_length=16, choices=PurchaseType.choices, default=PurchaseType.NONE, blank=True
    )
    currency = models.CharField(max_length=3)
    ordered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    customer_name = models.CharField(max_length=200, blank=True)
    customer_first_name = models.CharField(max_length=100, blank=True)
    customer_last_name = models.CharField(max_length=100, blank=True)
    address_line = models.CharField(max_length=250, blank=True)
    street = models.CharField(max_length=200, blank=True)
    house_number = models.CharField(max_length=20, blank=True)
    house_number_ext = models.CharField(max_length=20, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # The parties a channel names, by role ("buying", "selling", "bill_to", "ship_to"): id,
    # address fields and tax registration, as the channel sent them. Invoices go to
    # "bill_to". One JSON value, so a bulk import writes it in the order's own COPY.
    parties = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="uniq_order_number"),
        ]
        # The grid pages by (ordered_at, id) with a keyset; each common filter gets an index
        # that serves both the filter and the sort, so no page needs a sort or a COUNT(*).
        indexes = [
            models.Index(fields=["shop", "-ordered_at", "-id"], name="order_grid_idx"),
            models.Index(
                fields=["shop", "main_status", "-ordered_at", "-id"], name="order_grid_status_idx"
            ),
            models.Index(
                fields=["shop", "payment_status", "-ordered_at", "-id"],
                name="order_grid_payment_idx",
            ),
            # "Shipped but unpaid": without it a pair that matches little scans every row
            # of the status.
            models.Index(
                fields=["shop", "main_status", "payment_status", "-ordered_at", "-id"],
                name="order_grid_status_pay_idx",
            ),
            models.Index(
                fields=["shop", "purchase_type", "-ordered_at", "-id"],
                name="order_grid_purchase_idx",
            ),
            models.Index(
                fields=["shop", "channel", "-ordered_at", "-id"], name="order_grid_channel_idx"
            ),
            models.Index(fields=["shop", "external_reference"], name="order_extref_idx"),
            # Prefix search on the number (LIKE 'PO12%') under any collation (PostgreSQL;
            # other databases ignore opclasses).
            models.Index(
                fields=["shop", "number"],
                name="order_number_prefix_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_display_name(self) -> str:
        return self.customer_name or " ".join(
            part for part in (self.customer_first_name, self.customer_last_name) if part
        )

    @property
    def party_list(self) -> list[tuple[str, dict]]:
        """(label, party) in a fixed order, for the order page."""
        return [
            (label, self.parties[role])
            for role, label in PARTY_LABELS
            if isinstance(self.parties, dict) and role in self.parties
        ]

    @property
    def address_display(self) -> str:
        street = self.address_line or " ".join(
            part for part in (self.street, self.house_number, self.house_number_ext) if part
        )
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (street, place, self.country) if part)


# Rows and parameters come by the hundred thousand in an Amazon import, and PostgreSQL
# checks a foreign key constraint per row at commit, a large share of the import's time
# (bench/README.md, "Performance notes"). Their parents are created with them in one
# transaction and deleted only through the ORM, which cascades (or protects) in Python
# either way, so these keys are left unchecked by the database (`db_constraint=False`);
# every other key is checked.
UNCHECKED: dict[str, Any] = {"db_constraint": False}


class OrderRow(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="rows", db_index=False, **UNCHECKED
    )
    position = models.PositiveIntegerField()
    sku = models.CharField(max_length=64, blank=True)
    ean = models.CharField(max_length=14, blank=True)
    asin = models.CharField(max_length=10, blank=True)
    title = models.CharField(max_length=250, blank=True)
    quantity = models.PositiveIntegerField(help_text="In eaches (single units).")
    # Empty when the channel sent no price (Amazon: a line without netCost): unknown, which
    # is not zero; staff set it (`order_row_price_set`).
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # The price is per this weight unit, not per each (Amazon's variable-weight items:
    # Money.unitOfMeasure POUNDS, OUNCES, GRAMS or KILOGRAMS); "" = per each. Such a row's
    # total is only known once the shipped weight is.
    price_unit = models.CharField(max_length=10, blank=True, choices=PriceUnit.choices)
    vat_tariff = models.ForeignKey(
        VatTariff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", **UNCHECKED
    )
    # What the channel ordered, where it orders by the case (Amazon's orderedQuantity with
    # unitOfMeasure "Cases"): `ordered_cases` × `case_size` eaches. Empty for orders in eaches.
    ordered_cases = models.PositiveIntegerField(null=True, blank=True)
    case_size = models.PositiveIntegerField(null=True, blank=True, help_text="Eaches per case.")
    list_price = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Retail price per each (or per `list_price_unit`).",
    )
    list_price_unit = models.CharField(max_length=10, blank=True, choices=PriceUnit.choices)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="uniq_order_row_position"),
        ]
        # The grid's product filter (an ASIN, EAN or SKU: the cockpit's product drill-down)
        # reads the rows of one product through these, OR-ed in a bitmap, instead of probing
        # every order of the date range (bench/README.md, `cockpit.py`). Partial: rows
        # without the identifier (manual orders without an EAN, rows without a SKU) cost the
        # import nothing; PostgreSQL proves `asin = 'B0…'` implies `asin <> ''`.
        indexes = [
            models.Index(fields=["asin"], name="order_row_asin_idx", condition=~models.Q(asin="")),
            models.Index(fields=["ean"], name="order_row_ean_idx", condition=~models.Q(ean="")),
            models.Index(fields=["sku"], name="order_row_sku_idx", condition=~models.Q(sku="")),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.position} {self.title or self.sku or self.ean}"

    @property
    def price_is_estimate(self) -> bool:
        """The row's total is not known yet: priced per weight unit, or not priced."""
        return bool(self.price_unit) or self.unit_price is None

    @property
    def line_total(self):
        """Price × quantity for rows priced per each; None while it is not known."""
        if self.price_is_estimate or self.unit_price is None:
            return None
        return self.unit_price * self.quantity

    @property
    def price_unit_label(self) -> str:
        return PRICE_UNIT_LABELS.get(self.price_unit, "")

    @property
    def list_price_unit_label(self) -> str:
        return PRICE_UNIT_LABELS.get(self.list_price_unit, "")


class CreditRow(models.Model):
    """Part of a row the customer will not get (reduced, rejected or cancelled)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="credit_rows")
    row = models.ForeignKey(OrderRow, on_delete=models.CASCADE, related_name="credit_rows")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    reason = models.ForeignKey(CreditReason, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="credit_row_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"-{self.quantity} × row {self.row_id} ({self.reason})"


class OrderParameter(models.Model):
    """Free-form key/value on an order, e.g. ShipToPartyRef from the FC mapping."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="parameters", db_index=False, **UNCHECKED
    )
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["order", "key"], name="uniq_order_parameter_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Product(models.Model):
    """One product of the shop's catalogue, known by EAN, ASIN and/or SKU.

    Channel-neutral: Bulk Buy Offers match their rows against it, and Amazon imports add
    the products their POs name (`orders.catalogue.products_fill_from_rows`).
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    ean = models.CharField("EAN", max_length=14, blank=True)
    asin = models.CharField("ASIN", max_length=10, blank=True)
    sku = models.CharField("SKU", max_length=64, blank=True)
    title = models.CharField(max_length=250, blank=True)
    # What rule-based acknowledgement checks (amazon1p/acknowledgements/rules.py); empty
    # means unknown, and an unknown value never confirms a line.
    stock_quantity = models.PositiveIntegerField(
        "Stock (eaches)", null=True, blank=True, help_text="Available to promise."
    )
    agreed_cost = models.DecimalField(
        "Agreed net cost",
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Per each, as agreed with Amazon.",
    )
    # The product's VAT category: one of the shop's VAT tariffs (e.g. "Reduced 7 %"). Empty:
    # the shop's default tariff. Order rows of the product take it when they are created
    # (`orders.catalogue.ProductTariffs`), and invoices bill each row at its row's tariff.
    # PROTECT: a tariff products are filed under cannot be deleted from under them.
    vat_tariff = models.ForeignKey(
        VatTariff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name="VAT category",
        help_text="One of the shop's VAT tariffs; empty: the shop's default tariff.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            # Partial: many products may have no EAN (or no ASIN), but a given one names
            # exactly one product of the shop. Imports rely on them for ON CONFLICT DO NOTHING.
            models.UniqueConstraint(
                fields=["shop", "ean"],
                condition=~models.Q(ean=""),
                name="uniq_product_ean",
                violation_error_code="ean_taken",
                violation_error_message="Another product of this shop has this EAN.",
            ),
            models.UniqueConstraint(
                fields=["shop", "asin"],
                condition=~models.Q(asin=""),
                name="uniq_product_asin",
                violation_error_code="asin_taken",
                violation_error_message="Another product of this shop has this ASIN.",
            ),
            models.CheckConstraint(
                condition=~models.Q(ean="", asin="", sku=""),
                name="product_has_an_identifier",
                violation_error_code="no_identifier",
                violation_error_message="Give the product an EAN, an ASIN or a SKU.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.sku or self.ean or self.asin


class ProductAsin(models.Model):
    """The other ASINs a channel named for a product's EAN: Amazon may list one EAN under
    several ASINs (a merged or re-listed detail page). The product keeps its first ASIN in
    `Product.asin`; this table every further one, and importers alert on a new one."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="asins")
    asin = models.CharField("ASIN", max_length=10)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_seen_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "asin"], name="uniq_product_asin_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.asin}"
