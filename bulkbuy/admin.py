"""Offers in the Django admin: for looking up and fixing names or expiry; the approval
workflow (stages, quantities, completion) stays in the app, so its fields are read-only
here, and the stored workbook (`source_file`) is never loaded."""

from django.contrib import admin

from bulkbuy import models
from shops.admin_audit import AuditedAdmin

ROW_FIELDS = (
    "row_number",
    "product",
    "ean",
    "asin",
    "unit_cost",
    "currency",
    "stage1_from",
    "stage1_to",
    "stage1_qty",
    "stage2_from",
    "stage2_to",
    "stage2_qty",
    "approved",
    "manufacture_qty1",
    "manufacture_qty2",
    "warehouse_qty1",
    "warehouse_qty2",
    "comment",
)


class OfferRowInline(admin.TabularInline):
    model = models.OfferRow
    fields = ROW_FIELDS
    readonly_fields = ROW_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Offer)
class OfferAdmin(AuditedAdmin):
    list_display = ["name", "shop", "status", "expires_at", "value", "currency", "row_count"]
    list_filter = ["shop", "status"]
    search_fields = ["name", "source_name"]
    list_select_related = ["shop"]
    exclude = ["source_file"]
    readonly_fields = [
        "shop",
        "status",
        "source_name",
        "source_sha256",
        "sheet_name",
        "header_row",
        "columns",
        "currency",
        "value",
        "row_count",
        "created_by",
        "created_at",
        "updated_at",
        "revision",
    ]
    inlines = [OfferRowInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source_file")

    def has_add_permission(self, request) -> bool:
        return False  # offers come from Amazon's workbook: upload it on the offers page
