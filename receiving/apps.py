from django.apps import AppConfig


class ReceivingConfig(AppConfig):
    """What Amazon's fulfillment centers received of our shipments, and what is at stake."""

    name = "receiving"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The order page (a lower app) offers a panel registry (docs/architecture.md).
        from orders.panels import ORDER_PANELS, OrderPanel, PanelSlot
        from receiving.panels import order_page_receiving

        ORDER_PANELS.register(
            "receiving.order",
            OrderPanel(
                key="receiving",
                template="receiving/_order_panel.html",
                slot=PanelSlot.BOTTOM,
                build=order_page_receiving,
                related=("receiving",),  # the order's OrderReceiving: its shortage alert
            ),
            priority=30,
        )
