"""A simulator on a free port behind an HTTP helper that logs in through its LWA endpoint
(tests/support/simulator_api.py).

These tests talk HTTP to an in-process simulator and need no database, so the suite-wide
PostgreSQL check is switched off here.
"""

from collections.abc import Iterator

import pytest

from tests.support.simulator_api import Api, make_api


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql() -> None:
    """No database here (overrides the suite-wide check of the same name)."""


@pytest.fixture
def api() -> Iterator[Api]:
    """A simulator with seed 7 and rate limits off (the rate-limit tests turn them on)."""
    yield from make_api(seed=7)
