"""A VendorClient aimed at a fake host that respx answers, with no real waiting."""

import json
import random

import pytest
import respx

from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.ratelimit import LocalRateLimiter, Pacing
from amazon1p.spapi.types import Credentials

BASE = "http://sp.test"
SECRET = "amzn1.oa2-cs.v1.topsecretclientsecret"
REFRESH = "Atzr|refresh-token-that-must-never-leak"
ACCESS = "Atza|access-token-that-must-never-leak"


class Recorder:
    """Stands in for time.sleep: records the delays instead of waiting."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def token_response(expires_in: int = 3600):
    import httpx

    return httpx.Response(
        200,
        json={
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "token_type": "bearer",
            "expires_in": expires_in,
        },
    )


def envelope(status: int, code: str, message: str):
    import httpx

    return httpx.Response(
        status,
        json={"errors": [{"code": code, "message": message}]},
        headers={"x-amzn-RequestId": "req-123"},
    )


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


def body_of(call) -> dict:
    return json.loads(call.request.content or b"{}")
