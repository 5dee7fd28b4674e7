"""A VendorClient aimed at a fake host that respx answers, with no real waiting (the host and
its answers: tests/support/spapi_fakes.py)."""

import random

import pytest
import respx

from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.ratelimit import LocalRateLimiter, Pacing
from amazon1p.spapi.types import Credentials
from tests.support.spapi_fakes import BASE, REFRESH, SECRET, Recorder, token_response


@pytest.fixture
def sleeper():
    return Recorder()


@pytest.fixture
def make_client(sleeper):
    clients = []

    def build(*, max_attempts: int = 4, clock=None) -> VendorClient:
        connection = ApiAccess(
            account_key="acct-1",
            endpoint=Endpoint.custom(BASE),
            credentials=Credentials(
                lwa_client_id="amzn1.application-oa2-client.abc",
                lwa_client_secret=SECRET,
                refresh_token=REFRESH,
            ),
        )
        kwargs = {"clock": clock} if clock else {}
        client = VendorClient(
            connection,
            rate_limiter=LocalRateLimiter(pacing=Pacing(), sleep=sleeper),
            retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.5, max_delay=8),
            sleep=sleeper,
            rng=random.Random(1),
            **kwargs,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def amazon():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post("/auth/o2/token", name="lwa").mock(return_value=token_response())
        yield mock
