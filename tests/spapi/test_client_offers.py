"""The Bulk Buy loop through the real client: an exported offer uploaded to the simulator
comes back as POs that getPurchaseOrders lists, at the offer's prices and final quantities,
inside its delivery stages — and they can be acknowledged and shipped."""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.ratelimit import LocalRateLimiter
from amazon1p.spapi.types import (
    AcknowledgementItem,
    ContainerIdentifier,
    ContainerItem,
    Credentials,
    ItemAcknowledgement,
    OrderAcknowledgement,
    Pallet,
    Party,
    PurchaseOrder,
    ShipmentConfirmation,
    ShippedItem,
)
from simulator import SimulatorConfig
from tests.support.offer_workbooks import XLSX, line, offer_workbook

CREDENTIALS = Credentials("amzn1.application-oa2-client.offer", "secret", "Atzr|offer-token")
TODAY = datetime.now(UTC).date()
STAGE1 = (TODAY + timedelta(days=30), TODAY + timedelta(days=36))
STAGE2 = (TODAY + timedelta(days=58), TODAY + timedelta(days=61))
ROWS = [
    line(1, 1200, 300),  # stage 1 orders 1,240 units: two POs share it
    line(2, 40, 0),
    line(3, 0, 0, approved="no"),  # declined: the export writes 0 and "no"
    line(4, 0, 25),
]


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=3, transaction_delay=0.2)


@pytest.fixture
def client(sim):
    connection = ApiAccess(
        account_key="offer", endpoint=Endpoint.custom(sim.base_url), credentials=CREDENTIALS
    )
    with VendorClient(
        connection,
        rate_limiter=LocalRateLimiter(),
        retry=RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.5),
    ) as vendor_client:
        yield vendor_client


def uploaded(sim) -> list[str]:
    response = httpx.post(
        f"{sim.base_url}/_simulator/offers",
        content=offer_workbook(ROWS, stage1=STAGE1, stage2=STAGE2),
        params={"ship_to": "DTM2"},
        headers={"Content-Type": XLSX},
    )
    assert response.status_code == 200, response.text
    return response.json()["purchaseOrders"]


def stage_of(po: PurchaseOrder) -> int:
    """The delivery stage whose dates hold the PO's delivery window (0: none)."""
    window = po.delivery_window
    assert window is not None
    for number, (first, last) in enumerate((STAGE1, STAGE2), start=1):
        if first <= window.start.date() and window.end.date() <= last and window.start < window.end:
            return number
    return 0


def final(client: VendorClient, transaction_id: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = client.get_transaction(transaction_id)
        if status.is_final:
            return status.status
        time.sleep(0.1)
    raise AssertionError("the transaction never left Processing")


def test_an_uploaded_offer_comes_back_as_pos_inside_its_stages(sim, client) -> None:
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    numbers = uploaded(sim)

    pages = client.list_purchase_orders(
        created_after=before, created_before=datetime.now(UTC) + timedelta(seconds=2)
    )
    pos = [po for page in pages for po in page.orders if po.number in numbers]

    assert sorted(po.number for po in pos) == sorted(numbers)
    assert len(pos) == 3
    assert sorted(stage_of(po) for po in pos) == [1, 1, 2]  # two POs share stage 1
    ordered: Counter[tuple[str, int]] = Counter()
    for po in pos:
        assert po.state == "New" and po.purchase_order_type == "RegularOrder"
        assert po.ship_to_party.party_id == "DTM2"
        assert po.purchase_order_date >= before
        for item in po.items:
            row = next(r for r in ROWS if r.asin == item.asin)
            assert item.vendor_product_id == row.ean
            assert item.net_cost.amount == row.cost and item.net_cost.currency == "EUR"
            assert item.ordered_quantity.unit == "Eaches"
            ordered[(item.asin, stage_of(po))] += item.ordered_quantity.amount
    offered: Counter[tuple[str, int]] = Counter()
    for row in ROWS:
        if row.approved == "yes":
            offered.update({(row.asin, 1): row.stage1, (row.asin, 2): row.stage2 or 0})
    assert ordered == +offered  # `+` drops the zero quantities
    assert client.get_purchase_order(pos[0].number) == pos[0]


def test_an_offer_po_can_be_acknowledged_and_shipped(sim, client) -> None:
    number = uploaded(sim)[-1]  # stage 2: rows 1 and 4
    po = client.get_purchase_order(number)
    items = tuple(
        AcknowledgementItem(
            ordered_quantity=item.ordered_quantity,
            acknowledgements=(ItemAcknowledgement("Accepted", item.ordered_quantity),),
            sequence_number=item.sequence_number,
            asin=item.asin,
            vendor_product_id=item.vendor_product_id,
            net_cost=item.net_cost,
        )
        for item in po.items
    )
    ack = OrderAcknowledgement(po.number, po.selling_party, datetime.now(UTC), items)
    assert final(client, client.submit_acknowledgements([ack])) == "Success"
    assert client.get_purchase_order(number).state == "Acknowledged"

    sequence = [f"{n:03d}" for n in range(1, len(po.items) + 1)]
    asn = ShipmentConfirmation(
        shipment_identifier=f"OFFER-{number}",
        confirmation_type="Original",
        confirmation_date=datetime.now(UTC),
        shipped_date=datetime.now(UTC) - timedelta(minutes=30),
        selling_party=Party(po.selling_party.party_id),
        ship_from_party=Party("WH01"),
        ship_to_party=Party("DTM2"),
        shipment_structure="PalletOfItems",
        shipped_items=tuple(
            ShippedItem(seq, item.ordered_quantity, purchase_order_number=number, asin=item.asin)
            for seq, item in zip(sequence, po.items, strict=True)
        ),
        pallets=(
            Pallet(
                identifiers=(ContainerIdentifier("SSCC", "040123450000000016"),),
                items=tuple(
                    ContainerItem(seq, item.ordered_quantity)
                    for seq, item in zip(sequence, po.items, strict=True)
                ),
            ),
        ),
    )
    assert final(client, client.submit_shipment_confirmations([asn])) == "Success"
