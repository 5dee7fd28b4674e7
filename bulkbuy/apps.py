from django.apps import AppConfig


class BulkBuyConfig(AppConfig):
    """Bulk Buy Offers: import, staged approval, export and PO linking."""

    name = "bulkbuy"
    verbose_name = "Bulk Buy Offers"
