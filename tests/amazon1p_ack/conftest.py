"""A shop with imported New POs, acknowledging switched on, against its own simulator (the
acknowledgements change the simulator's state for good)."""

import time

import pytest

from amazon1p.acknowledgements.models import Acknowledgement
from amazon1p.acknowledgements.outbox import acknowledgement_check, acknowledgement_send
from amazon1p.importing.models import AmazonPurchaseOrder, SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from orders.models import Order
from shops.models import OrderStatus
from simulator import SimulatorConfig, start_simulator
from tests.amazon1p_sync.conftest import client_for, connect, days_ago

TRANSACTION_DELAY = 0.3


@pytest.fixture(scope="module")
def sim():
    # Every line priced per each in EUR: these tests are about acknowledging; weight prices,
    # missing net costs and foreign currencies are test_data_fidelity's (its own simulator).
    config = SimulatorConfig(
        seed=31,
        orders_per_day=120,
        transaction_delay=TRANSACTION_DELAY,
        rate_limits=False,
        weight_price_rate=0,
        no_net_cost_rate=0,
        foreign_currency_rate=0,
    )
    with start_simulator(config) as running:
        yield running


@pytest.fixture
def connected(shop, sim):
    connection = connect(shop, sim)
    connection.acknowledge_orders = True
    connection.save()
    connection.acknowledgeable_statuses.set(
        OrderStatus.objects.filter(shop=shop, name__in=["New", "Acknowledged"])
    )
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0), enqueue=False
    )
    with client_for(sim) as client:
        assert sync_run_execute(run_id=run.pk, client=client).status == SyncStatus.SUCCEEDED
    return connection


@pytest.fixture
def api(sim):
    with client_for(sim) as client:
        yield client


USED_PO_NUMBERS: set[str] = set()  # POs an earlier test acknowledged (the simulator remembers)


def fresh_order(shop, *, where=lambda po: True) -> Order:
    """An imported order whose PO is New at Amazon, fits `where` (given the parsed PO), and
    no earlier test of this module has acknowledged."""
    from amazon1p.spapi.mapping import parse_purchase_order

    pos = AmazonPurchaseOrder.objects.filter(shop=shop, state="New").select_related("order")
    for apo in pos.order_by("po_number"):
        if apo.po_number not in USED_PO_NUMBERS and where(parse_purchase_order(apo.raw)):
            USED_PO_NUMBERS.add(apo.po_number)
            return apo.order
    raise AssertionError("no fresh New PO fits")


def deliver(ack: Acknowledgement, client, seconds: float = 15) -> Acknowledgement:
    """Run the outbox as the tasks would, until Amazon (the simulator) decides."""
    acknowledgement_send(ack.pk, client)
    deadline = time.monotonic() + seconds
    while True:
        ack.refresh_from_db()
        if not ack.in_flight:
            return ack
        assert time.monotonic() < deadline, f"acknowledgement still {ack.status}"
        time.sleep(0.1)
        acknowledgement_check(ack.pk, client)


def acknowledgement_posts(sim, number: str) -> int:
    """How many submitAcknowledgement calls named PO `number` (the simulator's request log)."""
    return sum(
        1
        for entry in sim.requests()
        if entry.get("operation") == "submitAcknowledgement"
        and any(
            ack.get("purchaseOrderNumber") == number
            for ack in (entry.get("body") or {}).get("acknowledgements", [])
        )
    )
