from django.contrib import admin

from orders import models
from shops.admin_audit import AuditedAdmin


class OrderRowInline(admin.TabularInline):
    model = models.OrderRow
    extra = 0


class CreditRowInline(admin.TabularInline):
    model = models.CreditRow
    extra = 0


class OrderParameterInline(admin.TabularInline):
    model = models.OrderParameter
    extra = 0


@admin.register(models.Order)
class OrderAdmin(AuditedAdmin):
    list_display = ["number", "shop", "channel", "main_status", "payment_status", "ordered_at"]
    list_filter = ["shop", "channel", "purchase_type"]
    search_fields = ["number", "external_reference"]
    # A million orders: no full count, no status dropdown queries per row.
    show_full_result_count = False
    list_select_related = ["shop", "main_status", "payment_status"]
    raw_id_fields = ["main_status", "payment_status", "payment_type"]
    inlines = [OrderRowInline, CreditRowInline, OrderParameterInline]


@admin.register(models.Product)
class ProductAdmin(AuditedAdmin):
    list_display = [
        "title",
        "shop",
        "ean",
        "asin",
        "sku",
        "vat_tariff",
        "stock_quantity",
        "agreed_cost",
    ]
    list_filter = ["shop"]
    search_fields = ["title", "ean", "asin", "sku"]
    list_select_related = ["shop", "vat_tariff"]
    readonly_fields = ["created_at", "updated_at"]
