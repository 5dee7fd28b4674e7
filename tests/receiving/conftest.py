"""A simulator that receives shipments quickly, and an order shipped to it with an ASN that
Amazon accepted (`shipped_order`, imported, acknowledged and shipped through our own
services: tests/support/asn.py)."""

import pytest

from simulator import SimulatorConfig
from tests.support.amazon import vendor_client_for
from tests.support.receiving import RECEIVE_DELAY


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(
        seed=53,
        orders_per_day=80,
        transaction_delay=0.1,
        rate_limits=False,
        receive_delay=RECEIVE_DELAY,
        shortage_rate=0.0,
    )


@pytest.fixture
def api(sim):
    sim.simulator.update_config({"shortage_rate": 0.0, "error_rate": 0.0})
    with vendor_client_for(sim) as client:
        yield client
