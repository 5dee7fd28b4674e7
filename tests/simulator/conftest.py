"""A simulator on a free port, and an HTTP helper that logs in through its LWA endpoint.

These tests talk HTTP to an in-process simulator and need no database, so the suite-wide
PostgreSQL check is switched off here.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from simulator import SimulatorConfig, schema_errors, start_simulator

REFRESH_TOKEN = "Atzr|simulator-test-refresh-token"
CLIENT_ID = "amzn1.application-oa2-client.simulatortest"
CLIENT_SECRET = "amzn1.oa2-cs.v1.simulator-test-secret"
ORDERS = "/vendor/orders/v1/purchaseOrders"
STATUS = "/vendor/orders/v1/purchaseOrdersStatus"
ACKS = "/vendor/orders/v1/acknowledgements"
ASNS = "/vendor/shipping/v1/shipmentConfirmations"
TRANSACTIONS = "/vendor/transactions/v1/transactions"


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql() -> None:
    """No database here (overrides the suite-wide check of the same name)."""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(days: float) -> str:
    return iso(datetime.now(UTC) - timedelta(days=days))


def assert_schema(model: str, definition: str, body: Any) -> None:
    problems = schema_errors(model, definition, body)
    assert not problems, problems[:5]


class Api:
    """httpx against one simulator, with an LWA access token for one account."""

    def __init__(self, base_url: str, refresh_token: str = REFRESH_TOKEN) -> None:
        self.base_url = base_url
        # Plain http: skip loading the CA bundle (50 ms per client).
        self.http = httpx.Client(base_url=base_url, timeout=10, verify=False)
        self.token = self.login(refresh_token).json()["access_token"]

    def login(self, refresh_token: str = REFRESH_TOKEN, **form: str) -> httpx.Response:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **form,
        }
        return self.http.post("/auth/o2/token", data=data)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers={"x-amz-access-token": self.token})

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers={"x-amz-access-token": self.token})

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"/_simulator/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def all_orders(self, **params: Any) -> list[dict[str, Any]]:
        """Every PO of a query, following nextTokens."""
        orders, token = [], None
        for _ in range(200):
            page = self.get(ORDERS, **params, **({"nextToken": token} if token else {}))
            assert page.status_code == 200, page.text
            payload = page.json()["payload"]
            orders += payload["orders"]
            token = payload.get("pagination", {}).get("nextToken")
            if not token:
                return orders
        raise AssertionError("paging did not end")


def make_api(**options: Any) -> Iterator[Api]:
    options.setdefault("rate_limits", False)
    with start_simulator(SimulatorConfig(**options)) as running:
        api = Api(running.base_url)
        yield api
        api.http.close()


@pytest.fixture
def api() -> Iterator[Api]:
    """A simulator with seed 7 and rate limits off (the rate-limit tests turn them on)."""
    yield from make_api(seed=7)
