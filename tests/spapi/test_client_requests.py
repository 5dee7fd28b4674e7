"""What the client puts on the wire: paths, params, bodies, headers, windows, paging."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx

from amazon1p.spapi.types import (
    AcknowledgementItem,
    ContainerIdentifier,
    ContainerItem,
    ItemAcknowledgement,
    Money,
    OrderAcknowledgement,
    Pallet,
    Party,
    Quantity,
    ShipmentConfirmation,
    ShippedItem,
)
from tests.support.spapi_fakes import ACCESS

LIST = "/vendor/orders/v1/purchaseOrders"
MARKETPLACE_KEYS = {"MarketplaceId", "MarketplaceIds", "marketplace_ids", "marketplaceIds"}


def _query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(call.request.url)).query)


def test_a_long_range_is_cut_into_seven_day_windows_with_iso_utc_dates(amazon, make_client):
    route = amazon.get(LIST).mock(return_value=httpx.Response(200, json={"payload": {}}))
    start = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)

    pages = list(
        make_client().list_purchase_orders(
            created_after=start,
            created_before=start + timedelta(days=20),
            include_details=False,
            purchase_order_state="New",
        )
    )

    assert len(pages) == route.call_count == 3
    queries = [_query(call) for call in route.calls]
    assert [q["createdAfter"][0] for q in queries] == [
        "2026-10-01T08:30:00Z",
        "2026-10-08T08:30:00Z",
        "2026-10-15T08:30:00Z",
    ]
    assert queries[-1]["createdBefore"] == ["2026-10-21T08:30:00Z"]
    for q in queries:
        assert q["includeDetails"] == ["false"] and q["purchaseOrderState"] == ["New"]
        assert not MARKETPLACE_KEYS & set(q)


def test_next_token_paging_keeps_the_filters_and_reads_every_page(amazon, make_client):
    def page(request):
        token = parse_qs(request.url.query.decode()).get("nextToken", [None])[0]
        number = {None: "PO000001", "t1": "PO000002", "t2": "PO000003"}[token]
        following = {None: "t1", "t1": "t2", "t2": None}[token]
        payload = {"orders": [{"purchaseOrderNumber": number, "purchaseOrderState": "New"}]}
        if following:
            payload["pagination"] = {"nextToken": following}
        return httpx.Response(200, json={"payload": payload})

    route = amazon.get(LIST).mock(side_effect=page)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    pages = list(
        make_client().list_purchase_orders(
            changed_after=start, changed_before=start + timedelta(days=2)
        )
    )

    assert [o.number for p in pages for o in p.orders] == ["PO000001", "PO000002", "PO000003"]
    assert all("changedAfter" in _query(c) for c in route.calls)


def test_headers_name_the_real_host_and_carry_the_token(amazon, make_client):
    route = amazon.get("/vendor/orders/v1/purchaseOrders/X1").mock(
        return_value=httpx.Response(
            200, json={"payload": {"purchaseOrderNumber": "X1", "purchaseOrderState": "New"}}
        )
    )
    make_client().get_purchase_order("X1")
    request = route.calls.last.request
    assert request.headers["host"] == "sp.test"  # the library would send "test"
    assert request.headers["x-amz-access-token"] == ACCESS
    assert not MARKETPLACE_KEYS & set(_query(route.calls.last))


def test_acknowledgement_body_is_amazons_shape_without_marketplace_keys(amazon, make_client):
    route = amazon.post("/vendor/orders/v1/acknowledgements").mock(
        return_value=httpx.Response(202, json={"payload": {"transactionId": "tx-9"}})
    )
    ack = OrderAcknowledgement(
        purchase_order_number="2JK3S9VC",
        selling_party=Party(party_id="VNDR1"),
        acknowledgement_date=datetime(2026, 11, 2, 9, tzinfo=UTC),
        items=(
            AcknowledgementItem(
                sequence_number="1",
                asin="B07DFVDRAB",
                vendor_product_id="8806098286500",
                ordered_quantity=Quantity(8, "Cases", 12),
                net_cost=Money(Decimal("10.50"), "EUR"),
                acknowledgements=(
                    ItemAcknowledgement("Accepted", Quantity(6, "Cases", 12)),
                    ItemAcknowledgement(
                        "Rejected",
                        Quantity(2, "Cases", 12),
                        rejection_reason="TemporarilyUnavailable",
                    ),
                ),
            ),
        ),
    )

    assert make_client().submit_acknowledgements([ack]) == "tx-9"
    body = json.loads(route.calls.last.request.content)
    assert set(body) == {"acknowledgements"}
    sent = body["acknowledgements"][0]
    assert sent["acknowledgementDate"] == "2026-11-02T09:00:00Z"
    assert sent["items"][0]["netCost"] == {"currencyCode": "EUR", "amount": "10.50"}
    assert sent["items"][0]["itemAcknowledgements"][1] == {
        "acknowledgementCode": "Rejected",
        "rejectionReason": "TemporarilyUnavailable",
        "acknowledgedQuantity": {"amount": 2, "unitOfMeasure": "Cases", "unitSize": 12},
    }


def test_shipment_confirmation_body_has_no_injected_marketplace_keys(amazon, make_client):
    route = amazon.post("/vendor/shipping/v1/shipmentConfirmations").mock(
        return_value=httpx.Response(202, json={"payload": {"transactionId": "tx-asn"}})
    )
    asn = ShipmentConfirmation(
        shipment_identifier="BOL12345",
        confirmation_type="Original",
        confirmation_date=datetime(2026, 11, 3, tzinfo=UTC),
        selling_party=Party("VNDR1"),
        ship_from_party=Party("WH1"),
        ship_to_party=Party("LEJ1"),
        shipped_items=(
            ShippedItem(
                "001",
                Quantity(24),
                purchase_order_number="2JK3S9VC",
                vendor_product_id="8806098286500",
            ),
        ),
        pallets=(
            Pallet(
                identifiers=(ContainerIdentifier("SSCC", "001234560000000018"),),
                items=(ContainerItem("001", Quantity(24)),),
            ),
        ),
    )

    assert make_client().submit_shipment_confirmations([asn]) == "tx-asn"
    body = json.loads(route.calls.last.request.content)
    assert set(body) == {"shipmentConfirmations"}
    sent = body["shipmentConfirmations"][0]
    assert sent["pallets"][0]["palletIdentifiers"][0]["containerIdentificationNumber"] == (
        "001234560000000018"
    )
    assert sent["shippedItems"][0]["itemDetails"] == {"purchaseOrderNumber": "2JK3S9VC"}


def test_transaction_status_is_read(amazon, make_client):
    amazon.get("/vendor/transactions/v1/transactions/tx-1").mock(
        return_value=httpx.Response(
            200,
            json={
                "payload": {
                    "transactionStatus": {
                        "transactionId": "tx-1",
                        "status": "Failure",
                        "errors": [{"code": "INVALID_ORDER_ID", "message": "Invalid order ID."}],
                    }
                }
            },
        )
    )
    status = make_client().get_transaction("tx-1")
    assert status.status == "Failure" and status.is_final
    assert status.errors[0].code == "INVALID_ORDER_ID"
