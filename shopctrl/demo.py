"""The demo, composed: each app seeds its own part, in the order the apps build on each other.

This is the one place that knows every app's demo (docs/architecture.md): a lower app's
demo never calls a higher one's. Idempotent: run again, each part adds only what is missing.
"""

from dataclasses import dataclass

from django.db import transaction

from amazon1p.demo import DEMO_SIMULATOR_SEED, DEMO_VENDOR_CODE, amazon_demo_connect
from asn.demo import asn_demo_warehouse
from bulkbuy.demo import demo_offer_create
from cockpit.demo import HISTORY_WEEKS, cockpit_demo_history
from invoicing.demo import invoicing_demo_settings
from orders.demo import orders_demo_build
from shops.demo import shops_demo_build
from shops.models import Shop


@dataclass(frozen=True)
class DemoResult:
    shop: Shop
    created_orders: int
    history_orders: int  # the cockpit's past Amazon POs created by this run


def demo_build(
    *,
    orders: int = 240,
    history_weeks: int = HISTORY_WEEKS,
    simulator_url: str | None = None,
    seed: int = 7,
) -> DemoResult:
    """The demo shop, its logins and sample orders; with `history_weeks`, weeks of Amazon
    history for the cockpit; with `simulator_url`, the shop connected to that Vendor Central
    simulator (Amazon 1P settings, a warehouse for group shipments, a Bulk Buy offer) and
    its first import queued. Connected, the Amazon orders come from the simulator, so the
    samples are manual orders only (at most 40). Either way the shop's invoicing is set up
    (legal entity, remit-to party, numbers; received quantities by default)."""
    connected = bool(simulator_url)
    with transaction.atomic():
        shop, admin = shops_demo_build()
        created = orders_demo_build(
            shop=shop,
            orders=min(orders, 40) if connected else orders,
            seed=seed,
            amazon_samples=not connected,
        )
        invoicing_demo_settings(shop=shop, actor=admin)
    history = cockpit_demo_history(shop=shop, weeks=history_weeks) if history_weeks > 0 else 0
    if simulator_url:
        # One transaction: the import queued by amazon_demo_connect starts once the
        # warehouse and the offer are there too.
        with transaction.atomic():
            amazon_demo_connect(shop=shop, actor=admin, simulator_url=simulator_url)
            asn_demo_warehouse(shop=shop)
            demo_offer_create(
                shop=shop,
                actor=admin,
                simulator_seed=DEMO_SIMULATOR_SEED,
                vendor_code=DEMO_VENDOR_CODE,
            )
    return DemoResult(shop=shop, created_orders=created, history_orders=history)
