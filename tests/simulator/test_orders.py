"""getPurchaseOrders, getPurchaseOrder and getPurchaseOrdersStatus: shapes, paging, filters,
validation and the generated history."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from simulator.catalogue import FULFILMENT_CENTRES, ean13_check_digit
from tests.support.simulator_api import (
    ORDERS,
    STATUS,
    Api,
    assert_schema,
    iso,
    iso_days_ago,
    make_api,
)

DECIMAL = re.compile(r"^-?(0|([1-9]\d*))(\.\d+)?([eE][+-]?\d+)?$")
WINDOW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ--\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def assert_realistic(order: dict) -> None:
    """Formats the importers rely on, beyond what the schema checks."""
    assert re.fullmatch(r"[0-9A-Z]{8}", order["purchaseOrderNumber"])
    details = order["orderDetails"]
    assert "shipWindow" in details or "deliveryWindow" in details
    for key in ("shipWindow", "deliveryWindow"):
        if key in details:
            assert WINDOW.match(details[key]), details[key]
    currencies = set()
    for item in details["items"]:
        assert re.fullmatch(r"B0[0-9A-Z]{8}", item["amazonProductIdentifier"])
        ean = item["vendorProductIdentifier"]
        assert len(ean) == 13 and int(ean[-1]) == ean13_check_digit(ean[:12])
        assert "listPrice" in item  # a line without netCost still has its list price
        for money in (item.get("netCost"), item["listPrice"]):
            if money is None:
                continue
            assert DECIMAL.match(money["amount"])
            assert money.get("unitOfMeasure") in (None, "POUNDS", "OUNCES", "GRAMS", "KILOGRAMS")
            currencies.add(money["currencyCode"])
        quantity = item["orderedQuantity"]
        assert quantity["unitOfMeasure"] in ("Cases", "Eaches") and quantity["unitSize"] >= 1
    # the world's currency, or (a few POs, as in Amazon's examples) the foreign one
    assert currencies in ({"EUR"}, {"INR"})


def test_purchase_orders_page_matches_the_model(api: Api) -> None:
    response = api.get(ORDERS, limit=50)

    assert response.status_code == 200
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert_schema("vendorOrders", "GetPurchaseOrdersResponse", body)
    orders = body["payload"]["orders"]
    assert len(orders) == 50
    assert body["payload"]["pagination"]["nextToken"]
    for order in orders:
        assert_realistic(order)


def test_purchase_order_matches_the_model(api: Api) -> None:
    number = api.get(ORDERS, limit=1).json()["payload"]["orders"][0]["purchaseOrderNumber"]

    response = api.get(f"{ORDERS}/{number}")

    assert response.status_code == 200
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
    assert_schema("vendorOrders", "GetPurchaseOrderResponse", response.json())
    assert response.json()["payload"]["purchaseOrderNumber"] == number


def test_status_page_matches_the_model(api: Api) -> None:
    response = api.get(STATUS, createdAfter=iso_days_ago(3), createdBefore=iso_days_ago(0))

    assert response.status_code == 200
    body = response.json()
    assert_schema("vendorOrders", "GetPurchaseOrdersStatusResponse", body)
    statuses = body["payload"]["ordersStatus"]
    assert statuses and {s["purchaseOrderStatus"] for s in statuses} <= {"OPEN", "CLOSED"}


def test_paging_returns_every_po_in_the_window_exactly_once(api: Api) -> None:
    window = {"createdAfter": iso_days_ago(7), "createdBefore": iso_days_ago(0)}
    everything = api.all_orders(**window, limit=100, includeDetails="false")

    paged = api.all_orders(**window, limit=7, includeDetails="false", sortOrder="DESC")

    numbers = [order["purchaseOrderNumber"] for order in paged]
    assert len(numbers) == len(set(numbers)) == len(everything) > 200
    assert set(numbers) == {order["purchaseOrderNumber"] for order in everything}


def test_short_pages_still_reach_every_po() -> None:
    for api in make_api(seed=7, short_pages=True):
        window = {"createdAfter": iso_days_ago(2), "createdBefore": iso_days_ago(0)}
        first = api.get(ORDERS, **window, limit=20).json()["payload"]
        assert 0 < len(first["orders"]) < 20 and first["pagination"]["nextToken"]

        numbers = [o["purchaseOrderNumber"] for o in api.all_orders(**window, limit=20)]

        api.control("POST", "faults", {"short_pages": False})
        full = [o["purchaseOrderNumber"] for o in api.all_orders(**window, limit=100)]
        assert sorted(numbers) == sorted(full) and len(set(numbers)) == len(numbers)


def test_next_token_keeps_the_original_filters(api: Api) -> None:
    first = api.get(ORDERS, limit=5, purchaseOrderState="Acknowledged").json()["payload"]

    # Only the token: the filters travel inside it.
    second = api.get(ORDERS, nextToken=first["pagination"]["nextToken"]).json()["payload"]

    assert len(second["orders"]) == 5
    assert {o["purchaseOrderState"] for o in second["orders"]} == {"Acknowledged"}
    assert not {o["purchaseOrderNumber"] for o in first["orders"]} & {
        o["purchaseOrderNumber"] for o in second["orders"]
    }


def _six_months_and(days: int) -> str:
    return iso(datetime.now(UTC) - timedelta(days=183 + days))


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        (ORDERS, {"createdAfter": iso_days_ago(20), "createdBefore": iso_days_ago(0)}, "7 days"),
        (ORDERS, {"createdAfter": iso_days_ago(8)}, "7 days"),
        (
            ORDERS,
            {"changedAfter": iso_days_ago(3), "changedBefore": iso_days_ago(5)},
            "changedAfter",
        ),
        (ORDERS, {"createdAfter": _six_months_and(5), "createdBefore": _six_months_and(1)}, "6"),
        (ORDERS, {"createdBefore": "2019-09-2100:00:00"}, "createdBefore"),
        (ORDERS, {"changedAfter": "yesterday"}, "changedAfter"),
        (ORDERS, {"limit": 0}, "limit"),
        (ORDERS, {"limit": 101}, "limit"),
        (ORDERS, {"limit": "ten"}, "limit"),
        (ORDERS, {"sortOrder": "NEWEST"}, "sortOrder"),
        (ORDERS, {"purchaseOrderState": "Open"}, "purchaseOrderState"),
        (ORDERS, {"poItemState": "Rejected"}, "poItemState"),
        (ORDERS, {"includeDetails": "yes"}, "includeDetails"),
        (ORDERS, {"nextToken": "MDAwMDAwMDAwMQ=="}, "nextToken"),
        (ORDERS, {"nextToken": "not base64!"}, "nextToken"),
        (STATUS, {"updatedAfter": iso_days_ago(9), "updatedBefore": iso_days_ago(1)}, "7 days"),
        (STATUS, {"itemReceiveStatus": "PARTIALLY_RECEIVE"}, "itemReceiveStatus"),
        (STATUS, {"purchaseOrderStatus": "OPEN", "limit": 500}, "limit"),
    ],
)
def test_bad_input_is_refused_like_amazon(api: Api, path, params, named) -> None:
    response = api.get(path, **params)

    assert response.status_code == 400
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
    [error] = response.json()["errors"]
    assert error["code"] == "InvalidInput"
    assert named in error["message"]


def test_next_token_of_another_operation_is_refused(api: Api) -> None:
    token = api.get(STATUS, limit=1).json()["payload"]["pagination"]["nextToken"]

    response = api.get(ORDERS, nextToken=token)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


@pytest.mark.parametrize("number", ["ZZZZZZZZ", "2JK3S9VC", "NOPE"])
def test_unknown_po_is_404_with_the_envelope(api: Api, number: str) -> None:
    response = api.get(f"{ORDERS}/{number}")

    assert response.status_code == 404
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
    assert_schema("vendorOrders", "GetPurchaseOrderResponse", response.json())
    assert response.json()["errors"][0]["message"]


def test_without_details_only_number_and_state(api: Api) -> None:
    orders = api.get(ORDERS, includeDetails="false", limit=10).json()["payload"]["orders"]

    assert {tuple(sorted(order)) for order in orders} == {
        ("purchaseOrderNumber", "purchaseOrderState")
    }


def test_filters_select_what_they_say(api: Api) -> None:
    window = {"createdAfter": iso_days_ago(7), "createdBefore": iso_days_ago(0)}
    changed = api.all_orders(**window, isPOChanged="true")
    cancelled = api.all_orders(**window, poItemState="Cancelled")
    new = api.all_orders(**window, purchaseOrderState="New")
    newest_first = api.all_orders(**window, sortOrder="DESC", includeDetails="true")

    assert changed and all("purchaseOrderChangedDate" in o["orderDetails"] for o in changed)
    assert cancelled and all(
        any(i["orderedQuantity"]["amount"] == 0 for i in o["orderDetails"]["items"])
        for o in cancelled
    )
    assert new and {o["purchaseOrderState"] for o in new} == {"New"}
    dates = [o["orderDetails"]["purchaseOrderDate"] for o in newest_first]
    assert dates == sorted(dates, reverse=True)
    first_change = min(o["orderDetails"]["purchaseOrderChangedDate"] for o in changed)
    by_change = api.all_orders(changedAfter=iso_days_ago(7), changedBefore=iso_days_ago(0))
    assert first_change in {o["orderDetails"].get("purchaseOrderChangedDate") for o in by_change}


def test_vendor_code_filters_list_and_status() -> None:
    for api in make_api(seed=3, vendor_codes=("VNDR1", "VNDR2")):
        orders = api.all_orders(orderingVendorCode="VNDR2")
        statuses = api.get(STATUS, orderingVendorCode="VNDR1").json()["payload"]["ordersStatus"]

        assert orders and {o["orderDetails"]["sellingParty"]["partyId"] for o in orders} == {
            "VNDR2"
        }
        assert statuses and {s["sellingParty"]["partyId"] for s in statuses} == {"VNDR1"}


def test_status_filters_by_po_number_and_updated_date(api: Api) -> None:
    number = api.get(ORDERS, limit=1).json()["payload"]["orders"][0]["purchaseOrderNumber"]
    one = api.get(STATUS, purchaseOrderNumber=number).json()["payload"]["ordersStatus"]
    updated = api.get(
        STATUS, updatedAfter=iso_days_ago(1), updatedBefore=iso_days_ago(0), limit=100
    )

    assert [s["purchaseOrderNumber"] for s in one] == [number]
    statuses = updated.json()["payload"]["ordersStatus"]
    assert statuses and all(s["lastUpdatedDate"] >= iso_days_ago(1) for s in statuses)


def test_six_months_of_history_hold_every_kind_of_po() -> None:
    for api in make_api(seed=11, orders_per_day=8):
        orders = []
        for week in range(26):
            window = {
                "createdAfter": iso_days_ago(7 * week + 7),
                "createdBefore": iso_days_ago(7 * week),
            }
            orders += api.all_orders(**window)

        assert len({o["purchaseOrderNumber"] for o in orders}) == len(orders) > 1300
        for order in orders[::50]:
            assert_schema("vendorOrders", "Order", order)
        details = [o["orderDetails"] for o in orders]
        assert {d["purchaseOrderType"] for d in details} == {
            "RegularOrder",
            "RushOrder",
            "NewProductIntroduction",
            "ConsignedOrder",
        }
        assert Counter(o["purchaseOrderState"] for o in orders).keys() == {
            "New",
            "Acknowledged",
            "Closed",
        }
        assert any("dealCode" in d for d in details)
        assert any(d.get("importDetails", {}).get("internationalCommercialTerms") for d in details)
        assert any("purchaseOrderChangedDate" in d for d in details)
        fcs = {d["shipToParty"]["partyId"] for d in details}
        assert fcs - set(FULFILMENT_CENTRES) and len(fcs & set(FULFILMENT_CENTRES)) >= 12


def test_old_pos_carry_acknowledgement_and_receiving_history(api: Api) -> None:
    window = {"createdAfter": iso_days_ago(120), "createdBefore": iso_days_ago(114)}

    statuses = api.get(STATUS, **window, limit=100).json()["payload"]["ordersStatus"]

    items = [item for status in statuses for item in status["itemStatus"]]
    assert {s["purchaseOrderStatus"] for s in statuses} == {"CLOSED"}
    confirmations = Counter(i["acknowledgementStatus"]["confirmationStatus"] for i in items)
    assert confirmations["ACCEPTED"] > confirmations["REJECTED"] > 0
    assert confirmations["PARTIALLY_ACCEPTED"] > 0
    assert {i["receivingStatus"]["receiveStatus"] for i in items} >= {"RECEIVED"}
    assert all("acceptedQuantity" in i["acknowledgementStatus"] for i in items)


def test_same_seed_same_pos_other_seed_other_pos() -> None:
    window = {"createdAfter": iso_days_ago(3), "createdBefore": iso_days_ago(1)}
    runs = []
    for seed in (5, 5, 6):
        for api in make_api(seed=seed):
            runs.append(api.all_orders(**window))

    assert runs[0] == runs[1] and len(runs[0]) > 50
    assert {o["purchaseOrderNumber"] for o in runs[0]}.isdisjoint(
        o["purchaseOrderNumber"] for o in runs[2]
    )


def test_updated_window_on_a_dense_schedule_pages_to_the_end() -> None:
    for api in make_api(seed=4, orders_per_day=800):
        window = {
            "updatedAfter": iso_days_ago(1 / 24),
            "updatedBefore": iso_days_ago(0),
            "limit": 100,
        }
        seen, token, pages = [], None, 0
        while pages < 100:
            page = api.get(STATUS, **window, **({"nextToken": token} if token else {}))
            payload = page.json()["payload"]
            seen += payload["ordersStatus"]
            pages += 1
            token = payload.get("pagination", {}).get("nextToken")
            if not token:
                break

        assert not token and len(seen) > 50
        assert len({s["purchaseOrderNumber"] for s in seen}) == len(seen)
        assert all(window["updatedAfter"] < s["lastUpdatedDate"] for s in seen)
