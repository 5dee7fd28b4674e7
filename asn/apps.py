from django.apps import AppConfig


class AsnConfig(AppConfig):
    """Group shipments, SSCC labels and shipment confirmations (ASN)."""

    name = "asn"
    verbose_name = "Shipments and ASN"
