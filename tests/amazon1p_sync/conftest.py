"""A shop connected to the Vendor Central simulator, with FCs, status mappings and credit
reasons configured as on the settings page (tests/support/amazon.py)."""

import pytest

from simulator import SimulatorConfig
from tests.support.amazon import connect


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=11, orders_per_day=48, transaction_delay=0.1, rate_limits=False)


@pytest.fixture(autouse=True)
def _calm(sim):
    sim.simulator.update_config({"malformed_rate": 0, "error_rate": 0, "throttle_rate": 0})


@pytest.fixture
def connected(shop, sim):
    return connect(shop, sim)
