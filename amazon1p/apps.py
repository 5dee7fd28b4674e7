from django.apps import AppConfig


class Amazon1PConfig(AppConfig):
    """Amazon Vendor Central (1P): the SP-API client (spapi/) and one package per sub-domain
    (connection/, importing/, acknowledgements/, picks/); their models register through
    amazon1p/models.py under this app's label."""

    name = "amazon1p"
    verbose_name = "Amazon 1P"

    def ready(self) -> None:
        from amazon1p.connection import checks  # noqa: F401  (registers the deploy check)
        from amazon1p.connection.services import contact_info_change_check
        from shops.guards import shop_change_check_register

        shop_change_check_register(contact_info_change_check)
