"""POST /_simulator/offers: the POs Amazon sends for an uploaded Bulk Buy offer, served like
generated POs; and the `upload-offer` command line."""

import io
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import cast

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from simulator.__main__ import main
from simulator.offers import MAX_LINES_PER_PO, SPLIT_UNITS
from tests.support.offer_workbooks import XLSX, line, offer_workbook
from tests.support.simulator_api import (
    ACKS,
    DELAY,
    ORDERS,
    STATUS,
    Api,
    ack_body,
    assert_schema,
    iso,
    make_api,
    settled,
    submit,
)

TODAY = datetime.now(UTC).date()
STAGE1 = (TODAY + timedelta(days=30), TODAY + timedelta(days=36))
STAGE2 = (TODAY + timedelta(days=60), TODAY + timedelta(days=66))


@pytest.fixture
def api() -> Iterator[Api]:
    yield from make_api(seed=7, transaction_delay=DELAY)


def upload(api: Api, content: bytes, content_type: str = XLSX, **query: str) -> httpx.Response:
    return api.http.post(
        "/_simulator/offers", content=content, params=query, headers={"Content-Type": content_type}
    )


def created(api: Api, content: bytes, **query: str) -> list[dict]:
    """Upload an offer; its POs as getPurchaseOrder serves them."""
    response = upload(api, content, **query)
    assert response.status_code == 200, response.text
    orders = []
    for number in response.json()["purchaseOrders"]:
        answer = api.get(f"{ORDERS}/{number}")
        assert answer.status_code == 200
        assert_schema("vendorOrders", "GetPurchaseOrderResponse", answer.json())
        orders.append(answer.json()["payload"])
    return orders


def window(order: dict) -> tuple[datetime, datetime]:
    start, end = order["orderDetails"]["deliveryWindow"].split("--")
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


def inside(order: dict, stage: tuple[date, date]) -> bool:
    start, end = window(order)
    return stage[0] <= start.date() <= end.date() <= stage[1] and start < end


def quantities(orders: list[dict]) -> dict[str, int]:
    total: dict[str, int] = {}
    for order in orders:
        for item in order["orderDetails"]["items"]:
            total[item["amazonProductIdentifier"]] = (
                total.get(item["amazonProductIdentifier"], 0) + item["orderedQuantity"]["amount"]
            )
    return total


def test_an_offer_becomes_new_bulk_pos_at_its_costs_inside_its_stages(api: Api) -> None:
    rows = [line(1, 40, 20), line(2, 0, 30), line(3, 50, None, approved="no")]
    content = offer_workbook(rows, stage1=STAGE1, stage2=STAGE2)

    first, second = created(api, content, vendor_code="VNDR1", ship_to="LEJ1")

    assert inside(first, STAGE1) and inside(second, STAGE2)
    assert quantities([first]) == {"B0OFFER001": 40}
    assert quantities([second]) == {"B0OFFER001": 20, "B0OFFER002": 30}
    for order in (first, second):
        details = order["orderDetails"]
        assert order["purchaseOrderState"] == "New"
        assert details["purchaseOrderType"] == "RegularOrder"
        assert details["sellingParty"]["partyId"] == "VNDR1"
        assert details["shipToParty"]["partyId"] == "LEJ1"
        assert details["purchaseOrderDate"] >= iso(datetime.now(UTC) - timedelta(minutes=1))
        for item in details["items"]:
            assert item["orderedQuantity"] == {
                "amount": item["orderedQuantity"]["amount"],
                "unitOfMeasure": "Eaches",
                "unitSize": 1,
            }
            number = int(item["amazonProductIdentifier"][-3:])
            assert item["netCost"] == {
                "currencyCode": "EUR",
                "amount": str(Decimal("12.50") + number),
            }
            assert item["vendorProductIdentifier"] == f"4000000{number:06d}"
            assert "listPrice" not in item


def test_a_stage_of_many_rows_is_cut_into_pos_of_ten_with_their_own_days(api: Api) -> None:
    rows = [line(n, 5) for n in range(1, MAX_LINES_PER_PO + 3)]

    orders = created(api, offer_workbook(rows, stage1=STAGE1))

    assert [len(o["orderDetails"]["items"]) for o in orders] == [MAX_LINES_PER_PO, 2]
    (_, first_end), (second_start, _) = window(orders[0]), window(orders[1])
    assert first_end.date() < second_start.date()
    assert all(inside(order, STAGE1) for order in orders)


def test_a_large_stage_arrives_as_two_pos_sharing_the_quantity(api: Api) -> None:
    rows = [line(1, SPLIT_UNITS + 1), line(2, 1)]

    first, second = created(api, offer_workbook(rows, stage1=STAGE1))

    assert quantities([first]) == {"B0OFFER001": SPLIT_UNITS // 2 + 1, "B0OFFER002": 1}
    assert quantities([second]) == {"B0OFFER001": SPLIT_UNITS // 2}
    assert inside(first, STAGE1) and inside(second, STAGE1)
    assert window(first)[1] < window(second)[0]


def test_an_offer_without_an_approved_column_orders_every_row_with_a_quantity(api: Api) -> None:
    headers = (
        "ASIN",
        "EAN",
        "Title",
        "Cost",
        "Currency",
        "Stage 1 Start",
        "Stage 1 End",
        "Stage 1 Quantity",
    )
    content = offer_workbook([line(1, 12), line(2, 0)], stage1=STAGE1, headers=headers)

    [order] = created(api, content)

    assert quantities([order]) == {"B0OFFER001": 12}


def test_nothing_approved_creates_no_po(api: Api) -> None:
    content = offer_workbook([line(1, 10, approved="no"), line(2, 0)], stage1=STAGE1)

    assert upload(api, content).json() == {"purchaseOrders": []}


def test_offer_pos_are_listed_acknowledged_and_shipped_like_generated_ones(api: Api) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    [order] = created(api, offer_workbook([line(1, 30)], stage1=STAGE1))
    number = order["purchaseOrderNumber"]
    window_now = {
        "createdAfter": iso(before),
        "createdBefore": iso(datetime.now(UTC) + timedelta(seconds=5)),
    }

    listed = api.all_orders(**window_now)
    [status] = api.get(STATUS, purchaseOrderNumber=number).json()["payload"]["ordersStatus"]
    assert number in {o["purchaseOrderNumber"] for o in listed}
    assert number in {o["purchaseOrderNumber"] for o in api.all_orders(purchaseOrderState="New")}
    assert status["itemStatus"][0]["acknowledgementStatus"]["confirmationStatus"] == "UNCONFIRMED"

    assert settled(api, submit(api, ACKS, ack_body(order)))["status"] == "Success"

    assert api.get(f"{ORDERS}/{number}").json()["payload"]["purchaseOrderState"] == "Acknowledged"
    updated = api.get(STATUS, updatedAfter=iso(before), updatedBefore=window_now["createdBefore"])
    assert number in {s["purchaseOrderNumber"] for s in updated.json()["payload"]["ordersStatus"]}


def test_reset_forgets_offer_pos_and_never_reuses_their_numbers(api: Api) -> None:
    content = offer_workbook([line(1, 30)], stage1=STAGE1)
    [first] = upload(api, content).json()["purchaseOrders"]

    api.control("POST", "reset")

    assert api.get(f"{ORDERS}/{first}").status_code == 404
    [second] = upload(api, content).json()["purchaseOrders"]
    assert second != first


def _bad_date(rows: list) -> bytes:
    """The offer with text that is no date as the second row's Stage 1 start."""
    book = load_workbook(io.BytesIO(offer_workbook(rows, stage1=STAGE1)))
    cast(Worksheet, book.active).cell(row=6, column=6, value="soon")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "query", "status", "says"),
    [
        (b"ASIN;EAN\n", {}, 400, "not an xlsx workbook"),
        (b"PK\x03\x04damaged", {}, 400, "could not be read as xlsx"),
        (
            offer_workbook([line(1, 5)], stage1=STAGE1, headers=("ASIN", "Name")),
            {},
            400,
            "No header row",
        ),
        (_bad_date([line(1, 5), line(2, 5)]), {}, 400, "Row 6: Stage 1 start “soon” is not a date"),
        (offer_workbook([line(1, 5)], stage1=STAGE1, currency="USD"), {}, 400, "Row 5: USD"),
        (offer_workbook([line(1, 5)], stage1=STAGE1), {"vendor_code": "NOPE"}, 400, "'NOPE'"),
        (offer_workbook([line(1, 5)], stage1=STAGE1), {"ship_to": "XXX9"}, 400, "'XXX9'"),
        (
            offer_workbook([line(1, 5)], stage1=(STAGE1[1], STAGE1[0])),
            {},
            400,
            "ends before it starts",
        ),
    ],
)
def test_a_bad_upload_is_refused_with_the_reason(api: Api, content, query, status, says) -> None:
    response = upload(api, content, **query)

    assert response.status_code == status
    assert says in response.json()["error"]


def test_an_upload_must_be_sent_as_xlsx(api: Api) -> None:
    response = upload(api, offer_workbook([line(1, 5)], stage1=STAGE1), content_type="text/csv")

    assert response.status_code == 415
    assert XLSX in response.json()["error"]


def test_the_command_line_uploads_an_offer_file(api: Api, tmp_path, capsys) -> None:
    offer = tmp_path / "offer-final.xlsx"
    offer.write_bytes(offer_workbook([line(1, 7)], stage1=STAGE1))

    code = main(["upload-offer", str(offer), "--url", api.base_url, "--ship-to", "MUC3"])

    [number] = capsys.readouterr().out.split()
    assert code == 0
    assert (
        api.get(f"{ORDERS}/{number}").json()["payload"]["orderDetails"]["shipToParty"]["partyId"]
        == "MUC3"
    )


def test_the_command_line_reports_a_refused_offer(api: Api, tmp_path, capsys) -> None:
    offer = tmp_path / "offer.xlsx"
    offer.write_bytes(b"not a workbook")

    code = main(["upload-offer", str(offer), "--url", api.base_url])

    assert code == 1
    assert (
        "The simulator refused the offer: The body is not an xlsx workbook."
        in capsys.readouterr().err
    )


def test_a_restarted_simulator_gives_an_offer_new_po_numbers() -> None:
    content = offer_workbook([line(1, 30)], stage1=STAGE1)
    numbers = []
    for _ in range(2):
        for api in make_api(seed=7):
            numbers += upload(api, content).json()["purchaseOrders"]
        time.sleep(0.05)  # offer numbers start from the start time, 64 a second

    assert len(set(numbers)) == 2
