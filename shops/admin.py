from django.contrib import admin

from shops import models
from shops.admin_audit import AuditedAdmin


class ShopOwnedAdmin(AuditedAdmin):
    list_filter = ["shop"]
    search_fields = ["name"]


@admin.register(models.Shop)
class ShopAdmin(AuditedAdmin):
    list_display = ["name", "currency", "country", "address_format", "name_format", "created_at"]
    search_fields = ["name"]


for model in (
    models.VatTariff,
    models.PaymentType,
    models.OrderStatus,
    models.PaymentStatus,
    models.CreditReason,
    models.Role,
):
    admin.site.register(model, ShopOwnedAdmin)


@admin.register(models.Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "shop", "created_at"]
    list_filter = ["shop"]
    filter_horizontal = ["roles"]


@admin.register(models.AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services, never edited."""

    list_display = ["created_at", "shop", "actor", "action", "target_repr"]
    list_filter = ["shop", "action"]
    readonly_fields = [f.name for f in models.AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Alert)
class AlertAdmin(AuditedAdmin):
    list_display = ["created_at", "shop", "severity", "message", "is_read"]
    list_filter = ["shop", "severity", "is_read"]


@admin.register(models.SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: security events are written by the sign-in code and services, never edited."""

    list_display = ["created_at", "kind", "username", "shop", "ip_address", "detail"]
    list_filter = ["kind", "shop"]
    search_fields = ["username", "ip_address"]
    readonly_fields = [f.name for f in models.SecurityEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # pruned only past the retention, by the beat job


@admin.register(models.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "shop", "username", "status", "expires_at"]
    list_filter = ["shop", "status"]
    readonly_fields = [f.name for f in models.Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # invitations come from the members page (escalation checks)
