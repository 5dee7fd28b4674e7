"""Shops, their trade settings, members and roles, plus the audit log and alerts.

Every setting row belongs to one shop; names are unique within it.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from shops.permissions import SHOP_OWNER_ADMIN, Perm

currency_code_validator = RegexValidator(
    r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. EUR."
)
country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166 code, e.g. DE.")


class AddressFormat(models.TextChoices):
    SEPARATE = "separate", "Separate fields for street, house number and extension"
    SINGLE = "single", "One field for street name, house number and extension"


class NameFormat(models.TextChoices):
    FIRST_LAST = "first_last", "First and last name"
    SINGLE = "single", "One single field for contact person name"


class Shop(models.Model):
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    country = models.CharField(max_length=2, validators=[country_code_validator])
    address_format = models.CharField(
        max_length=16, choices=AddressFormat.choices, default=AddressFormat.SEPARATE
    )
    name_format = models.CharField(
        max_length=16, choices=NameFormat.choices, default=NameFormat.FIRST_LAST
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_single_field_contact_info(self) -> bool:
        """Amazon sends names and addresses as single fields; sync needs both set so."""
        return self.address_format == AddressFormat.SINGLE and self.name_format == NameFormat.SINGLE


class ShopSetting(models.Model):
    """Base for the named, per-shop lists edited on the settings pages (each adds `shop`)."""

    name = models.CharField(max_length=80)

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class VatTariff(ShopSetting):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="vat_tariffs")
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent, e.g. 19.00",
    )
    is_default = models.BooleanField(default=False)

    class Meta(ShopSetting.Meta):
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="uniq_vat_tariff_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate}%)"


class PaymentType(ShopSetting):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="payment_types")
    code = models.SlugField(max_length=40, help_text="Stable code used by integrations")

    class Meta(ShopSetting.Meta):
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="uniq_payment_type_name"),
            models.UniqueConstraint(fields=["shop", "code"], name="uniq_payment_type_code"),
        ]


class BaseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class OrderStatus(ShopSetting):
    """A shop's main order status; the base status is what reports and rules reason on."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="order_statuses")
    base_status = models.CharField(max_length=16, choices=BaseStatus.choices)
    position = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False, help_text="Given to new orders")

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name_plural = "order statuses"
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="uniq_order_status_name"),
        ]


class PaymentBaseStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    CREDITED = "credited", "Fully credited"


class PaymentStatus(ShopSetting):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="payment_statuses")
    base_status = models.CharField(max_length=16, choices=PaymentBaseStatus.choices)
    position = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False, help_text="Given to new orders")

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name_plural = "payment statuses"
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="uniq_payment_status_name"),
        ]


class CreditReason(ShopSetting):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="credit_reasons")

    class Meta(ShopSetting.Meta):
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="uniq_credit_reason_name"),
        ]


class Role(models.Model):
    """A named bundle of permissions, per shop. The Shop Owner Admin role is locked."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=80)
    permissions = models.JSONField(default=list, help_text="Codes from shops.permissions.Perm")
    is_locked = models.BooleanField(
        default=False, help_text="Locked roles keep every permission and cannot be deleted"
    )

    class Meta:
        ordering = ["-is_locked", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="uniq_role_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_owner_admin(self) -> bool:
        return self.is_locked and self.name == SHOP_OWNER_ADMIN

    @property
    def permission_labels(self) -> list[str]:
        labels = dict(Perm.choices)
        return [labels[code] for code in self.permissions if code in labels]


class Membership(models.Model):
    """A user's place in a shop: the roles they hold there."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    roles = models.ManyToManyField(Role, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop}"


class AuditEntry(models.Model):
    """One change made in the back office: who, when, what. Secrets arrive masked."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="audit_entries", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["shop", "target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"


class AlertSeverity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


class AlertKind(models.TextChoices):
    """What an alert is about: the Alerts page filters by it."""

    OTHER = "", "Other"
    SYNC = "sync", "Synchronization"
    IMPORT = "import", "Import summary"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    FULFILLMENT_CENTER = "fulfillment_center", "Fulfillment center"
    ORDER_DATA = "order_data", "Order data"
    OFFER = "offer", "Bulk Buy Offer"
    SHIPMENT = "shipment", "Shipment"
    PICKS = "picks", "Pick results"


class Alert(models.Model):
    """Something staff should see: on the shop, or hung on any object (order, offer, ...).

    A *grouped* alert stands for many objects of one kind (e.g. every PO shipping to the
    unknown fulfillment center ZRH2): it has a `group_key`, unique among the shop's open
    (unread) alerts, its objects as `AlertItem`s and `count` = how many. Reading it clears
    the key, so the next occurrence opens a new group.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="alerts")
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices)
    kind = models.CharField(max_length=24, choices=AlertKind.choices, blank=True, default="")
    message = models.TextField()
    is_read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    # NULL for a single alert (NULLs never collide), so a grouped raise is one upsert.
    group_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    count = models.PositiveIntegerField(default=1)
    last_raised_at = models.DateTimeField(null=True, blank=True)
    item_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "is_read", "-created_at"], name="alert_shop_unread_idx"),
            models.Index(fields=["target_type", "target_id"], name="alert_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "group_key"], name="alert_one_open_group"),
        ]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.message[:60]}"

    @property
    def is_grouped(self) -> bool:
        return self.item_type_id is not None


class AlertItem(models.Model):
    """One object a grouped alert stands for; unique, so raising it twice counts it once."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="items")
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "object_id"], name="alert_item_once"),
        ]
        indexes = [models.Index(fields=["object_id"], name="alert_item_object_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id}:{self.object_id}"
