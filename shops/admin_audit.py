"""Django admin changes go to our audit log too, so it holds every back-office change."""

from django.contrib import admin

from shops.audit import audit_record


def _shop_of(obj):
    shop = getattr(obj, "shop", None)
    if shop is None and obj._meta.label_lower == "shops.shop":
        return obj
    return shop


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose additions, changes and deletions are written to the audit log."""

    def log_addition(self, request, obj, message):
        audit_record(
            actor=request.user,
            shop=_shop_of(obj),
            action="admin.create",
            target=obj,
            changes={"admin": [None, str(message)]},
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(
            actor=request.user,
            shop=_shop_of(obj),
            action="admin.update",
            target=obj,
            changes={"admin": [None, str(message)]},
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(
                actor=request.user,
                shop=_shop_of(obj),
                action="admin.delete",
                target=obj,
                changes={"admin": [str(obj), None]},
            )
        return super().log_deletions(request, queryset)
