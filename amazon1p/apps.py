from django.apps import AppConfig


class Amazon1PConfig(AppConfig):
    """Amazon Vendor Central (1P): SP-API client, simulator, sync and acknowledgement."""

    name = "amazon1p"
    verbose_name = "Amazon 1P"
