from django.apps import AppConfig


class Amazon1PConfig(AppConfig):
    """Amazon Vendor Central (1P): the SP-API client (spapi/) and one package per sub-domain
    (connection/, importing/, acknowledgements/, picks/); their models register through
    amazon1p/models.py under this app's label."""

    name = "amazon1p"
    verbose_name = "Amazon 1P"

    def ready(self) -> None:
        # Lower apps offer registries; amazon1p fills them here (docs/architecture.md).
        from amazon1p.acknowledgements.panels import order_page_acknowledgement
        from amazon1p.connection import checks  # noqa: F401  (registers the deploy check)
        from amazon1p.connection.services import contact_info_change_check
        from amazon1p.importing.panels import order_page_purchase_order
        from orders.panels import ORDER_PANELS, OrderPanel, PanelSlot
        from shops.guards import SHOP_CHANGE_CHECKS

        SHOP_CHANGE_CHECKS.register("amazon1p.contact-info", contact_info_change_check, priority=10)
        ORDER_PANELS.register(
            "amazon1p.acknowledgement",
            OrderPanel(
                key="acknowledgement",
                template="amazon1p/_order_acknowledgement.html",
                slot=PanelSlot.TOP,
                build=order_page_acknowledgement,
            ),
            priority=10,
        )
        ORDER_PANELS.register(
            "amazon1p.purchase-order",
            OrderPanel(
                key="amazon",
                template="amazon1p/_order_purchase_order.html",
                slot=PanelSlot.BOTTOM,
                build=order_page_purchase_order,
                related=("amazon_po",),  # read with the order (the panels above ask for it)
            ),
            priority=40,
        )
