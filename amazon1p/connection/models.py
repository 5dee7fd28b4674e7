"""Amazon 1P connection settings: everything on the shop's "Amazon 1P Synchronization" page.

Secrets are stored encrypted (amazon1p.crypto); the models hold ciphertext only.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from amazon1p.spapi.endpoints import EndpointKind, Region
from shops.models import CreditReason, OrderStatus, PaymentStatus, Shop


class AmazonStatus(models.TextChoices):
    """Incoming PO states (purchaseOrderState), refined by the status API."""

    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PARTIALLY_ACCEPTED = "partially_accepted", "Acknowledged – partially accepted"
    REJECTED = "rejected", "Closed – rejected"
    CANCELLED = "cancelled", "Closed – cancelled"
    CLOSED = "closed", "Closed"
    RECEIVED = "received", "Closed – received"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"


class AmazonConnection(models.Model):
    """Everything on the shop's "Amazon 1P Synchronization" page."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="amazon_connection")
    enabled = models.BooleanField(default=False, help_text="Master switch: nothing runs while off")

    # Connection
    region = models.CharField(
        max_length=2, choices=[(r.value, r.value) for r in Region], default=Region.EU
    )
    marketplace_id = models.CharField(max_length=20, blank=True)
    endpoint_kind = models.CharField(
        max_length=12,
        choices=[(k.value, k.value.title()) for k in EndpointKind],
        default=EndpointKind.PRODUCTION,
    )
    custom_base_url = models.URLField(blank=True, help_text="For the Vendor Central simulator")
    vendor_code = models.CharField(
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z0-9]{3,10}$", "Vendor codes are 3–10 capital letters or digits.")
        ],
    )
    lwa_client_id = models.CharField(max_length=200, blank=True)
    lwa_client_secret_encrypted = models.TextField(blank=True)
    lwa_client_secret_hint = models.CharField(max_length=8, blank=True)
    lwa_client_secret_changed_at = models.DateTimeField(null=True, blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    refresh_token_hint = models.CharField(max_length=8, blank=True)
    # endpoints.secrets_fingerprint of the endpoint and client id the stored secrets were
    # saved for: the client factory sends them nowhere else.
    secrets_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True)
    last_test_message = models.CharField(max_length=500, blank=True)

    # Synchronization customization
    orders_integration = models.BooleanField(default=True)
    import_new_orders = models.BooleanField(default=True)
    import_missing_orders = models.BooleanField(default=True)
    acknowledge_orders = models.BooleanField(default=False)
    export_shipments = models.BooleanField(default=False)

    # Order sync settings
    credit_reason_rejected = models.ForeignKey(
        CreditReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    credit_reason_cancelled = models.ForeignKey(
        CreditReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ignore_orders_before = models.DateTimeField(null=True, blank=True)
    history_from = models.DateField(null=True, blank=True)
    history_to = models.DateField(null=True, blank=True)
    acknowledgeable_statuses = models.ManyToManyField(OrderStatus, blank=True, related_name="+")
    auto_acknowledge_bulk_buy = models.BooleanField(default=False)
    auto_acknowledge_rule = models.CharField(
        "Acknowledge automatically",
        max_length=20,
        choices=[
            ("off", "No"),
            ("stock_and_cost", "When every line is in stock at the agreed cost"),
        ],
        default="off",
        help_text="Checked against the Products catalogue (stock and agreed net cost).",
    )
    ack_warn_hours = models.PositiveSmallIntegerField(
        "Warn this many hours before an acknowledgement is due",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(23)],
    )
    ack_stuck_after_minutes = models.PositiveSmallIntegerField(
        "Alert when an acknowledgement is still processing after (minutes)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text="Amazon usually decides within minutes; past this, the PO status is checked "
        "and you get an alert.",
    )

    # BulkBuy settings
    offer_expiry_alert_days = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(7)]
    )
    offer_link_min_days_ahead = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(365)]
    )

    # ASN sync settings
    label_per_pallet = models.BooleanField(default=False)
    pallet_weight_kg = models.DecimalField(
        max_digits=6, decimal_places=2, default=25, validators=[MinValueValidator(0)]
    )
    carton_weight_kg = models.DecimalField(
        max_digits=6, decimal_places=2, default=0.5, validators=[MinValueValidator(0)]
    )
    gs1_company_prefix = models.CharField(
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{6,12}$", "A GS1 company prefix is 6–12 digits.")],
    )
    bol_as_asn_number = models.BooleanField(default=True)
    shortage_grace_days = models.PositiveSmallIntegerField(
        "Shortage alert after (days)",
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
        help_text="Days after Amazon's last receipt before a line received short of its ASN "
        "raises an alert (late cartons often turn up meanwhile).",
    )

    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Amazon 1P of {self.shop}"

    @property
    def has_credentials(self) -> bool:
        return bool(
            self.lwa_client_id and self.lwa_client_secret_encrypted and self.refresh_token_encrypted
        )


class StatusMapping(models.Model):
    """Incoming Amazon status → the shop's main status and payment status."""

    connection = models.ForeignKey(
        AmazonConnection, on_delete=models.CASCADE, related_name="status_mappings"
    )
    amazon_status = models.CharField(max_length=24, choices=AmazonStatus.choices)
    main_status = models.ForeignKey(
        OrderStatus, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment_status = models.ForeignKey(
        PaymentStatus, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "amazon_status"], name="uniq_status_mapping"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_amazon_status_display()} → {self.main_status} / {self.payment_status}"


class FulfillmentCenter(models.Model):
    """An Amazon FC (Ship To Party) and the shop's internal reference for it."""

    connection = models.ForeignKey(
        AmazonConnection, on_delete=models.CASCADE, related_name="fulfillment_centers"
    )
    code = models.CharField(
        max_length=10,
        validators=[
            RegexValidator(r"^[A-Z0-9]{3,10}$", "FC codes are capital letters and digits.")
        ],
    )
    name = models.CharField(max_length=120, blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    ship_to_party_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["connection", "code"], name="uniq_fc_code")]

    def __str__(self) -> str:
        return self.code
