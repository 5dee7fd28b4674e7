"""A simulator that receives shipments quickly, and an order shipped to it with an ASN that
Amazon accepted (imported, acknowledged and shipped through our own services)."""

import time

import pytest

from amazon1p.connection.models import AmazonStatus, StatusMapping
from asn.models import AsnStatus
from asn.submission import asn_submit
from shops.models import OrderStatus, PaymentStatus
from tests.amazon1p_sync.conftest import client_for
from tests.asn.test_asn_submit import _group, follow, shipped_order  # noqa: F401 (fixture)

RECEIVE_DELAY = 0.5


@pytest.fixture(scope="module")
def sim():
    from simulator import SimulatorConfig, start_simulator

    config = SimulatorConfig(
        seed=53,
        orders_per_day=80,
        transaction_delay=0.1,
        rate_limits=False,
        receive_delay=RECEIVE_DELAY,
        shortage_rate=0.0,
    )
    with start_simulator(config) as running:
        yield running


@pytest.fixture
def api(sim):
    sim.simulator.update_config({"shortage_rate": 0.0, "error_rate": 0.0})
    with client_for(sim) as client:
        yield client


def map_partially_received(shop) -> None:
    StatusMapping.objects.update_or_create(
        connection=shop.amazon_connection,
        amazon_status=AmazonStatus.PARTIALLY_RECEIVED,
        defaults={
            "main_status": OrderStatus.objects.get(shop=shop, name="Acknowledged"),
            "payment_status": PaymentStatus.objects.get(shop=shop, name="Unpaid"),
        },
    )


def ship(shop, order, admin_user, api):
    """Pack `order` in full into a group shipment and have Amazon accept its ASN."""
    group, _ = _group(shop, order, admin_user)
    sent = asn_submit(group=group, actor=admin_user)
    assert follow(sent, api).status == AsnStatus.SUCCESS
    map_partially_received(shop)
    return group


def wait_for_receipt() -> None:
    time.sleep(RECEIVE_DELAY + 0.3)
