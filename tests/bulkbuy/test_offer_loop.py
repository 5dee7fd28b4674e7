"""The whole Bulk Buy loop against the simulator, as the demo runs it: the demo offer is
approved through the stages and exported, the export is uploaded to Vendor Central (the
simulator), Amazon's POs for it are imported, and linking makes every one of them Bulk buy
on that offer within the offered quantities."""

import httpx
import pytest

from amazon1p.importing.models import SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from bulkbuy.demo import demo_offer_create
from bulkbuy.export import final_quantities, offer_export
from bulkbuy.linking import purchase_orders_link
from bulkbuy.models import OfferRow, OrderLinkLine
from bulkbuy.stages import (
    offer_commerce_decide,
    offer_complete,
    offer_quantities_set,
    offer_stage_approve,
)
from orders.models import Order, PurchaseType
from simulator import SimulatorConfig
from tests.support.amazon import connect, days_ago, vendor_client_for

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=7, orders_per_day=12, transaction_delay=0.1, rate_limits=False)


def _walk_through_the_stages(offer, actor):
    offer = offer_commerce_decide(actor=actor, offer_id=offer.pk, revision=1, approve="all")
    offer = offer_stage_approve(
        actor=actor, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )
    for stage in ("manufacture", "warehouse"):
        # Each stage can supply all of stage 1 and half of stage 2.
        offer = offer_quantities_set(
            actor=actor,
            offer_id=offer.pk,
            stage=stage,
            revision=offer.revision,
            quantities={
                r.pk: (r.stage1_qty, r.stage2_qty // 2)
                for r in OfferRow.objects.filter(offer=offer)
            },
        )
        if stage == "manufacture":
            offer = offer_stage_approve(
                actor=actor, offer_id=offer.pk, stage=stage, revision=offer.revision
            )
    return offer_complete(actor=actor, offer_id=offer.pk, revision=offer.revision)


def test_an_exported_offer_comes_back_as_linked_bulk_buy_pos(shop, admin_user, sim):
    connect(shop, sim)
    offer = demo_offer_create(shop=shop, actor=admin_user, simulator_seed=7, vendor_code="VNDR1")
    offer = _walk_through_the_stages(offer, admin_user)
    _, workbook = offer_export(offer)

    answer = httpx.post(
        f"{sim.base_url}/_simulator/offers", content=workbook, headers={"Content-Type": XLSX}
    )
    assert answer.status_code == 200, answer.text
    numbers = set(answer.json()["purchaseOrders"])
    assert len(numbers) >= 2  # two delivery stages: at least one PO each

    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(-1), enqueue=False
    )
    with vendor_client_for(sim) as client:
        assert sync_run_execute(run_id=run.pk, client=client).status == SyncStatus.SUCCEEDED
    purchase_orders_link(shop_id=shop.pk)

    offer_orders = Order.objects.filter(shop=shop, number__in=numbers)
    assert set(offer_orders.values_list("number", flat=True)) == numbers
    assert set(offer_orders.values_list("purchase_type", flat=True)) == {PurchaseType.BULK_BUY}
    assert {o.offer_link.offer_id for o in offer_orders} == {offer.pk}
    for row in OfferRow.objects.filter(offer=offer):
        finals = final_quantities(row)
        for stage, final in ((1, finals[0]), (2, finals[1] or 0)):
            linked = sum(
                line.quantity for line in OrderLinkLine.objects.filter(offer_row=row, stage=stage)
            )
            assert linked == final, (row.row_number, stage)
    others = Order.objects.filter(shop=shop).exclude(number__in=numbers)
    assert others.exists()
    assert PurchaseType.BULK_BUY not in set(others.values_list("purchase_type", flat=True))
