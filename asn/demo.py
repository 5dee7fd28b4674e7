"""Demo: the vendor warehouse the demo's group shipments leave from (called by the demo
command, shopctrl/demo.py)."""

from asn.models import Warehouse
from shops.models import Shop


def asn_demo_warehouse(*, shop: Shop) -> Warehouse:
    """The demo warehouse (created once; idempotent by shop and code)."""
    warehouse, _ = Warehouse.objects.get_or_create(
        shop=shop,
        code="DEMO-WH1",
        defaults={
            "name": "Demo Vendor warehouse",
            "address_line": "Lagerstraße 1",
            "postal_code": "04103",
            "city": "Leipzig",
            "country": "DE",
        },
    )
    return warehouse
