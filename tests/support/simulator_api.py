"""Talking HTTP to the simulator as SP-API callers do: an LWA-authenticated httpx helper,
the API paths, and builders for acknowledgements and transactions."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from simulator import schema_errors
from tests.support.simulator import running_simulator

REFRESH_TOKEN = "Atzr|simulator-test-refresh-token"
CLIENT_ID = "amzn1.application-oa2-client.simulatortest"
CLIENT_SECRET = "amzn1.oa2-cs.v1.simulator-test-secret"
ORDERS = "/vendor/orders/v1/purchaseOrders"
STATUS = "/vendor/orders/v1/purchaseOrdersStatus"
ACKS = "/vendor/orders/v1/acknowledgements"
ASNS = "/vendor/shipping/v1/shipmentConfirmations"
TRANSACTIONS = "/vendor/transactions/v1/transactions"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_days_ago(days: float) -> str:
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
    """An Api against a simulator of its own (rate limits off unless `options` say so)."""
    options.setdefault("rate_limits", False)
    with running_simulator(**options) as running:
        api = Api(running.base_url)
        yield api
        api.http.close()


DELAY = 0.1  # seconds the simulator takes to settle a transaction in these tests


def new_order(api: Api, *, where=lambda order: True) -> dict:
    for order in api.all_orders(purchaseOrderState="New"):
        if where(order):
            return order
    raise AssertionError("no New PO fits")


def ack_body(order: dict, **overrides) -> dict:
    """An acknowledgement accepting every line as ordered."""
    details = order["orderDetails"]
    items = [
        {
            "itemSequenceNumber": item["itemSequenceNumber"],
            "amazonProductIdentifier": item["amazonProductIdentifier"],
            "vendorProductIdentifier": item["vendorProductIdentifier"],
            "orderedQuantity": item["orderedQuantity"],
            "netCost": item["netCost"],
            "itemAcknowledgements": [
                {"acknowledgementCode": "Accepted", "acknowledgedQuantity": item["orderedQuantity"]}
            ],
        }
        for item in details["items"]
    ]
    ack = {
        "purchaseOrderNumber": order["purchaseOrderNumber"],
        "sellingParty": {"partyId": details["sellingParty"]["partyId"]},
        "acknowledgementDate": iso(datetime.now(UTC)),
        "items": items,
        **overrides,
    }
    return {"acknowledgements": [ack]}


def submit(api: Api, path: str, body: dict) -> str:
    response = api.post(path, body)
    assert response.status_code == 202, response.text
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
    if path == ACKS:
        assert_schema("vendorOrders", "SubmitAcknowledgementResponse", response.json())
    else:
        assert_schema("vendorShipments", "SubmitShipmentConfirmationsResponse", response.json())
    return response.json()["payload"]["transactionId"]


def transaction(api: Api, transaction_id: str) -> dict:
    response = api.get(f"{TRANSACTIONS}/{transaction_id}")
    assert response.status_code == 200
    assert_schema("vendorTransactionStatus", "GetTransactionResponse", response.json())
    return response.json()["payload"]["transactionStatus"]


def settled(api: Api, transaction_id: str) -> dict:
    time.sleep(DELAY + 0.05)
    return transaction(api, transaction_id)
