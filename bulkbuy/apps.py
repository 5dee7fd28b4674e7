from django.apps import AppConfig


class BulkBuyConfig(AppConfig):
    """Bulk Buy Offers: import, staged approval, export and PO linking."""

    name = "bulkbuy"
    verbose_name = "Bulk Buy Offers"

    def ready(self) -> None:
        # Lower apps offer registries; bulkbuy fills them here (docs/architecture.md).
        from amazon1p.importing.events import PURCHASE_ORDERS_IMPORTED
        from bulkbuy.panels import dashboard_offers_pipeline, order_page_bulk_buy
        from bulkbuy.tasks import purchase_orders_link_soon
        from orders.panels import ORDER_PANELS, OrderPanel, PanelSlot
        from shops.dashboard import DASHBOARD_CARDS, DashboardCard

        # After a sync, check the shop's new and changed POs against the offers.
        PURCHASE_ORDERS_IMPORTED.register("bulkbuy.link", purchase_orders_link_soon, priority=10)
        ORDER_PANELS.register(
            "bulkbuy.order-link",
            OrderPanel(
                key="bulk_buy",
                template="bulkbuy/_order_bulk_buy.html",
                slot=PanelSlot.BOTTOM,
                build=order_page_bulk_buy,
                related=("offer_link",),  # read with the order; an offer, if linked, after
            ),
            priority=20,
        )
        DASHBOARD_CARDS.register(
            "bulkbuy.pipeline",
            DashboardCard(
                key="pipeline",
                title="Bulk Buy Offers",
                template="bulkbuy/_dashboard_pipeline.html",
                build=dashboard_offers_pipeline,
            ),
            priority=10,
        )
