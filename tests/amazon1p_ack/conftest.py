"""A shop with imported New POs, acknowledging switched on, against its own simulator (the
acknowledgements change the simulator's state for good)."""

import pytest

from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.models import SyncKind, SyncStatus
from shops.models import OrderStatus
from simulator import SimulatorConfig
from tests.support.acknowledgements import TRANSACTION_DELAY
from tests.support.amazon import connect, days_ago, vendor_client_for


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    # Every line priced per each in EUR: these tests are about acknowledging; weight prices,
    # missing net costs and foreign currencies are test_data_fidelity's (its own simulator).
    return SimulatorConfig(
        seed=31,
        orders_per_day=120,
        transaction_delay=TRANSACTION_DELAY,
        rate_limits=False,
        weight_price_rate=0,
        no_net_cost_rate=0,
        foreign_currency_rate=0,
    )


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
    with vendor_client_for(sim) as client:
        assert sync_run_execute(run_id=run.pk, client=client).status == SyncStatus.SUCCEEDED
    return connection


@pytest.fixture
def api(sim):
    with vendor_client_for(sim) as client:
        yield client
