"""Demo: connect a shop to the Vendor Central simulator and ask for a first import (called by
the demo command, shopctrl/demo.py)."""

from django.contrib.auth.models import User
from django.db import transaction

from amazon1p.connection import services
from amazon1p.importing.models import SyncKind
from amazon1p.importing.services import sync_run_request
from shops.models import OrderStatus, Shop

DEMO_CLIENT_ID = "amzn1.application-oa2-client.shopctrl-demo"
DEMO_CLIENT_SECRET = "demo-client-secret"  # the simulator accepts any non-empty secret
DEMO_REFRESH_TOKEN = "Atzr|shopctrl-demo-refresh-token"
DEMO_VENDOR_CODE = "VNDR1"  # the simulator's default vendor code
DEMO_GS1_PREFIX = "4012345"  # SSCCs of the demo's pallets and cartons
DEMO_SIMULATOR_SEED = 7  # bin/demo starts the simulator with --seed 7


@transaction.atomic
def amazon_demo_connect(*, shop: Shop, actor: User, simulator_url: str) -> None:
    """Point the shop's Amazon 1P settings at the simulator, enable sync and queue an import.

    Idempotent: run again, it re-points the URL (the simulator's port may have changed) and
    the queued run is the one already active, if any.
    """
    connection = services.amazon_connection_for(shop)
    services.fulfillment_centers_add_defaults(actor=actor, connection=connection)
    fcs = [
        (fc, {"ship_to_party_ref": fc.ship_to_party_ref or f"WH-{fc.code}"})
        for fc in connection.fulfillment_centers.all()
    ]
    mappings = [
        {
            "amazon_status": m.amazon_status,
            "main_status": m.main_status,
            "payment_status": m.payment_status,
        }
        for m in connection.status_mappings.select_related("main_status", "payment_status")
    ]
    values = {
        "enabled": True,
        "region": "EU",
        "marketplace_id": "A1PA6795UKMFR9",
        "endpoint_kind": "custom",
        "custom_base_url": simulator_url.rstrip("/"),
        "vendor_code": DEMO_VENDOR_CODE,
        "lwa_client_id": DEMO_CLIENT_ID,
        "orders_integration": True,
        "import_new_orders": True,
        "import_missing_orders": True,
        # Staff can acknowledge New POs (and lower an acknowledgement later) on the order page.
        "acknowledge_orders": True,
        "acknowledgeable_statuses": list(
            OrderStatus.objects.filter(shop=shop, name__in=["New", "Acknowledged"])
        ),
        # Group shipments: SSCCs from a demo GS1 company prefix, ASNs to the simulator.
        "export_shipments": True,
        "gs1_company_prefix": DEMO_GS1_PREFIX,
        # The simulator receives a shipment a minute after its ASN, some lines a case
        # short (bin/demo): alert about a shortage at once, not after a week.
        "shortage_grace_days": 0,
    }
    # The simulator's URL may differ from the last run, and stored secrets only go where
    # they were saved for: the demo types its own secrets again each time.
    secrets = {"lwa_client_secret": DEMO_CLIENT_SECRET, "refresh_token": DEMO_REFRESH_TOKEN}
    services.amazon_settings_save(
        actor=actor,
        connection=connection,
        values=values,
        secrets=secrets,
        mappings=mappings,
        fulfillment_centers=fcs,
    )
    sync_run_request(shop=shop, kind=SyncKind.NEW, actor=actor)
