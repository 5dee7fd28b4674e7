"""A PO status Amazon sends that cannot be read is not dropped in silence: the missing-orders
reconciliation still takes its PO number, and the run lists the status's problem. (respx:
the simulator serves only well-formed statuses.)"""

from types import SimpleNamespace

import httpx
import pytest
import respx

from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.models import AmazonPurchaseOrder, SyncKind, SyncStatus
from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.ratelimit import LocalRateLimiter
from tests.support.amazon import GOOD, connect, days_ago
from tests.support.spapi_schema import load_model

pytestmark = pytest.mark.django_db

BASE = "http://sp.test"


def sandbox_response(operation: str, index: int = 0) -> dict:
    """A 200 response recorded in vendorOrders.json for `operation`."""
    for methods in load_model("vendorOrders")["paths"].values():
        for operation_spec in methods.values():
            if isinstance(operation_spec, dict) and operation_spec["operationId"] == operation:
                return operation_spec["responses"]["200"]["x-amzn-api-sandbox"]["static"][index][
                    "response"
                ]
    raise LookupError(operation)


def test_an_unreadable_status_still_names_its_missing_po_and_the_problem(shop):
    connect(shop, SimpleNamespace(base_url=BASE))  # settings only; respx answers
    status = sandbox_response("getPurchaseOrdersStatus")["payload"]["ordersStatus"][0]
    status = {**status, "purchaseOrderNumber": "BROKEN01"}
    status["itemStatus"] = [
        {**status["itemStatus"][0], "acknowledgementStatus": {"confirmationStatus": "PENDING"}}
    ]
    po = sandbox_response("getPurchaseOrder")["payload"]
    run, _ = sync_run_request(
        shop=shop,
        kind=SyncKind.MISSING,
        range_from=days_ago(1),
        range_to=days_ago(0),
        enqueue=False,
    )

    with respx.mock(base_url=BASE, assert_all_called=True) as amazon:
        amazon.post("/auth/o2/token").respond(
            200, json={"access_token": "Atza|t", "expires_in": 3600}
        )
        amazon.get("/vendor/orders/v1/purchaseOrdersStatus").respond(
            200, json={"payload": {"ordersStatus": [status]}}
        )
        amazon.get("/vendor/orders/v1/purchaseOrders").respond(
            200, json={"payload": {"orders": []}}
        )
        amazon.get("/vendor/orders/v1/purchaseOrders/BROKEN01").mock(
            return_value=httpx.Response(
                200, json={"payload": {**po, "purchaseOrderNumber": "BROKEN01"}}
            )
        )
        client = VendorClient(
            ApiAccess("respx", Endpoint.custom(BASE), GOOD),
            rate_limiter=LocalRateLimiter(),
            retry=RetryPolicy(max_attempts=1),
        )
        with client:
            run = sync_run_execute(run_id=run.pk, client=client)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert AmazonPurchaseOrder.objects.filter(shop=shop, po_number="BROKEN01").exists()
    assert list(run.errors.values_list("po_number", "message")) == [
        (
            "BROKEN01",
            "getPurchaseOrdersStatus answered unreadably: PO BROKEN01: "
            "itemStatus[0].acknowledgementStatus.confirmationStatus: "
            "“PENDING” is not a value Amazon documents",
        )
    ]
    assert run.api_calls == 3
