"""What the simulator's PO status API shows of a shipment it received, on the wire: the
receivingStatus of every line, valid against Amazon's model, with the filter on it."""

import pytest

from amazon1p.importing.models import AmazonPurchaseOrder
from tests.receiving.conftest import ship, wait_for_receipt
from tests.simulator.conftest import Api, assert_schema

pytestmark = pytest.mark.django_db

STATUS_PATH = "/vendor/orders/v1/purchaseOrdersStatus"


def _status(raw_api: Api, number: str, **filters) -> dict:
    response = raw_api.get(STATUS_PATH, purchaseOrderNumber=number, **filters)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_schema("vendorOrders", "GetPurchaseOrdersStatusResponse", body)
    return body


def test_received_short_lines_show_on_the_wire(shop, shipped_order, admin_user, api, sim):
    sim.simulator.update_config({"shortage_rate": 1.0})
    number = AmazonPurchaseOrder.objects.get(order=shipped_order).po_number
    raw_api = Api(sim.base_url)
    ship(shop, shipped_order, admin_user, api)

    before = _status(raw_api, number)["payload"]["ordersStatus"][0]
    assert {i["receivingStatus"]["receiveStatus"] for i in before["itemStatus"]} == {"NOT_RECEIVED"}
    wait_for_receipt()
    after = _status(raw_api, number)["payload"]["ordersStatus"][0]

    assert after["purchaseOrderStatus"] == "OPEN"  # not everything accepted arrived
    for item in after["itemStatus"]:
        receiving = item["receivingStatus"]
        accepted = item["acknowledgementStatus"]["acceptedQuantity"]["amount"]
        assert receiving["receivedQuantity"]["amount"] < accepted
        assert receiving["receiveStatus"] in ("PARTIALLY_RECEIVED", "NOT_RECEIVED")
        if receiving["receivedQuantity"]["amount"]:
            assert "lastReceiveDate" in receiving
    filtered = _status(raw_api, number, itemReceiveStatus="RECEIVED")
    assert filtered["payload"]["ordersStatus"] == []
    raw_api.http.close()
