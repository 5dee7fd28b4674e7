from django.apps import AppConfig


class ReceivingConfig(AppConfig):
    """What Amazon's fulfillment centers received of our shipments, and what is at stake."""

    name = "receiving"
    default_auto_field = "django.db.models.BigAutoField"
