"""Amazon 1P: a shop's connection and sync settings, and what the sync imports and records.

Secrets are stored encrypted (amazon1p.crypto); the models hold ciphertext only.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from amazon1p.spapi.endpoints import EndpointKind, Region
from core.outbox import IN_FLIGHT, OutboxMessage, OutboxStatus
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


class SyncKind(models.TextChoices):
    NEW = "new", "New orders"
    CHANGED = "changed", "Changed orders"
    MISSING = "missing", "Missing orders"
    HISTORICAL = "historical", "Historical import"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Succeeded with errors"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


ACTIVE_SYNC_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncRun(models.Model):
    """One synchronization run: what it did, live while it runs."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=12, choices=SyncKind.choices)
    status = models.CharField(max_length=12, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    range_from = models.DateTimeField(null=True, blank=True)
    range_to = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Progress: where the run is, so a resumed run starts there.
    resume_from = models.DateTimeField(null=True, blank=True)
    windows_total = models.PositiveIntegerField(default=0)
    windows_done = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # Every SP-API call of every attempt (429s and retries included), counted as they happen.
    api_calls = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    # How many times a worker claimed the run (first start, retries, takeovers).
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # What a person should know about a run that succeeded (e.g. a sandbox's fixed examples).
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One active run per shop, whichever worker or button asks (two "Sync now" → one).
            models.UniqueConstraint(
                fields=["shop"],
                condition=Q(status__in=ACTIVE_SYNC_STATUSES),
                name="one_active_sync_run_per_shop",
            ),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="syncrun_shop_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def duration(self) -> timedelta | None:
        """From the first start to the end; for a run still active, the time so far."""
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class SyncRunError(models.Model):
    """A PO the run could not take in, with what was wrong; the run went on."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="errors")
    po_number = models.CharField(max_length=40, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.po_number or 'run'}: {self.message[:60]}"


class SyncCursor(models.Model):
    """A committed watermark per (shop, kind): advanced only after its window is stored."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_cursors")
    kind = models.CharField(max_length=12, choices=SyncKind.choices)
    position = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "kind"], name="uniq_sync_cursor")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.position:%Y-%m-%d %H:%M}"


class AmazonPurchaseOrder(models.Model):
    """A PO as Amazon sent it (latest version), linked to the order made from it."""

    # No index of its own: the unique (shop, po_number) index serves lookups by shop.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="amazon_pos", db_index=False
    )
    po_number = models.CharField(max_length=40)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="amazon_po"
    )
    state = models.CharField(max_length=16, blank=True)
    purchase_order_date = models.DateTimeField(null=True, blank=True)
    amazon_changed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    raw = models.JSONField()
    is_malformed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # Amazon's acknowledgement deadline while one is owed: 24 h after a new PO, 48 h after a
    # change; cleared by a successful acknowledgement. `ack_alerted` remembers which alert
    # went out (due soon, overdue) so each goes out once.
    ack_due_at = models.DateTimeField(null=True, blank=True)
    ack_alerted = models.PositiveSmallIntegerField(default=0)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    # When the stored payload last changed. A sync that finds a PO unchanged writes nothing,
    # so re-reading 20,000 unchanged POs costs reads only.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "po_number"], name="uniq_amazon_po_number")
        ]
        indexes = [
            # The deadline watch and the grid's "acknowledgement due" filter.
            models.Index(
                fields=["shop", "ack_due_at"],
                condition=models.Q(ack_due_at__isnull=False),
                name="amazon_po_ack_due_idx",
            ),
            # Partial: malformed POs are few, and an index over every PO costs every import.
            models.Index(
                fields=["shop"],
                condition=models.Q(is_malformed=True),
                name="amazon_po_malformed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.po_number


class AmazonPurchaseOrderVersion(models.Model):
    """Every distinct version of a PO, with what changed since the one before.

    The latest version's payload is the PO's own `raw`; its `raw` here stays empty (NULL)
    until a newer version arrives and moves it here. So a new PO's payload is stored once,
    not twice: at import volumes the second copy cost a tenth of the import. `payload`
    reads either.
    """

    purchase_order = models.ForeignKey(  # indexed by uniq_po_version, which leads with it
        AmazonPurchaseOrder, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64)
    raw = models.JSONField(null=True, blank=True)  # NULL: the latest; see the class doc
    diff = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["purchase_order", "version"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "version"], name="uniq_po_version")
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} v{self.version}"

    @property
    def payload(self) -> dict:
        """This version as Amazon sent it."""
        return self.raw if self.raw is not None else self.purchase_order.raw


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
        constraints = [
            # One acknowledgement on its way per order: buttons lock, a second click is refused.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=IN_FLIGHT_ACK_STATUSES),
                name="one_acknowledgement_in_flight",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=IN_FLIGHT_ACK_STATUSES),
                name="ack_in_flight_idx",
            )
        ]

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


class ApiToken(models.Model):
    """A shop's token for the REST API (pick results). Only its SHA-256 is stored: the token
    itself is shown once, when it is made; `hint` (its first characters) tells tokens apart."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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
