"""The Vendor Central simulator in tests: one way to start it, and one `sim` fixture.

A folder (in its conftest) or a module states only the configuration its tests need:

    @pytest.fixture(scope="module")
    def simulator_config() -> SimulatorConfig:
        return SimulatorConfig(seed=31, orders_per_day=120, rate_limits=False)

and its tests ask for `sim`: one simulator per test module, so state that a module changes
for good (acknowledged POs, accepted ASNs) never reaches another module. A test that needs a
simulator of its own (a fault sequence or request log from request 1) asks for
`simulator_factory`; code that is not a fixture uses `running_simulator`.

Registered for the whole suite by `pytest_plugins` in tests/conftest.py.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from simulator import RunningSimulator, SimulatorConfig, start_simulator


@contextmanager
def running_simulator(**options: Any) -> Iterator[RunningSimulator]:
    """A simulator serving on a free port with `options` (SimulatorConfig's fields)."""
    with start_simulator(SimulatorConfig(**options)) as running:
        yield running


@pytest.fixture(scope="module")
def sim(simulator_config: SimulatorConfig) -> Iterator[RunningSimulator]:
    """The module's simulator, configured by the nearest `simulator_config` fixture."""
    with start_simulator(simulator_config) as running:
        yield running


@pytest.fixture
def simulator_factory() -> Iterator[Callable[..., RunningSimulator]]:
    """Starts simulators (`simulator_factory(seed=5, ...)`) that stop when the test ends."""
    with ExitStack() as stack:

        def start(**options: Any) -> RunningSimulator:
            return stack.enter_context(running_simulator(**options))

        yield start
