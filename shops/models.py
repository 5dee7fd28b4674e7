"""Shops, their trade settings, members and roles, plus the audit log and alerts.

Every setting row belongs to one shop; names are unique within it.
"""

from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

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
    require_mfa = models.BooleanField(
        "Require two-factor sign-in",
        default=False,
        help_text="Members must sign in with an authenticator app code before any page of "
        "this shop.",
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


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """An offer of membership with roles, which the invited user accepts or declines.

    Addressed by user name, not to a user row: an invitation for a name that has no account
    looks exactly like any other, so inviting reveals nothing about which accounts exist.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invitations")
    username = models.CharField(max_length=150, help_text="Lower case; matched on sign-in")
    roles = models.ManyToManyField(Role, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "username"],
                condition=models.Q(status="pending"),
                name="uniq_pending_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.username} to {self.shop}"

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at > timezone.now()


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOCKOUT = "lockout", "Locked out after failed sign-ins"
    LOGOUT = "logout", "Signed out"
    MFA_VERIFIED = "mfa_verified", "Second factor accepted"
    MFA_FAILED = "mfa_failed", "Wrong second-factor code"
    MFA_ENABLED = "mfa_enabled", "Two-factor sign-in set up"
    MFA_DISABLED = "mfa_disabled", "Two-factor sign-in removed"
    RECOVERY_CODES = "recovery_codes", "New recovery codes"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    ROLE_CHANGE = "role_change", "Roles or membership changed"
    SECRET_CHANGE = "secret_change", "Secret changed"
    POLICY_CHANGE = "policy_change", "Sign-in policy changed"


class SecurityEvent(models.Model):
    """One security-relevant event, kept at least 90 days (Amazon's Data Protection Policy).

    `user` is the account concerned (null for a failed sign-in with an unknown name, or once
    the user is deleted: `username` keeps the name); `actor` who did it, when someone else did;
    `shop` the shop it concerns, for events that belong to one.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
    )
    username = models.CharField(max_length=150, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "-created_at"], name="security_shop_idx"),
            models.Index(fields=["user", "-created_at"], name="security_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class ChangeLine(NamedTuple):
    """One field of an audit entry as the page shows it: `old` is None for a value set."""

    field: str
    old: str | None
    new: str | None


def _change_text(value: Any) -> str | None:
    """A stored value as text: lists joined, nested changes (an offer's rows) spelled out."""
    if value is None:
        return None
    if isinstance(value, dict):
        parts = []
        for key, inner in value.items():
            if isinstance(inner, list) and len(inner) == 2 and not isinstance(inner[0], list):
                old, new = (_change_text(v) for v in inner)
                parts.append(f"{key}: {old} → {new}" if old is not None else f"{key}: {new}")
            else:
                parts.append(f"{key}: {_change_text(inner)}")
        return "; ".join(parts)
    if isinstance(value, list | tuple):
        return ", ".join(str(_change_text(v)) for v in value)
    return str(value)


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

    @property
    def change_lines(self) -> list[ChangeLine]:
        """`changes` read as "field: old → new". Entries are `[old, new]` pairs; rows written
        before every writer stored pairs hold a bare value, which reads as the value set."""
        lines = []
        for field, change in (self.changes or {}).items():
            if isinstance(change, list) and len(change) == 2:
                old, new = change
            else:
                old, new = None, change
            lines.append(ChangeLine(field, _change_text(old), _change_text(new)))
        return lines


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


class ApiToken(models.Model):
    """A shop's token for the REST API (pick results, pack files). Only its SHA-256 is stored:
    the token itself is shown once, when it is made; `hint` (its first characters) tells
    tokens apart. Made and checked in shops.tokens."""

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
        # The table keeps the name it had when the model lived in amazon1p.
        db_table = "amazon1p_apitoken"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
