"""Benchmark: what one order page costs the server (issue #19: about 25-30 ms of CPU each).

Run from the repository root with the venv active:

    python bench/order_page.py [--orders 10000] [--requests 50] [--profile 30]
        [--database-url postgres://postgres@127.0.0.1:5432/shopctrl_bench_order_page]

What it does, in order:

1. Sets up Django against a bench database as bench/orders_grid.py does (its helpers are
   reused: production-like settings, the set-based loader for `--orders` orders).
2. Builds, once, two Amazon orders in a shop of their own through the real import
   (`purchase_orders_upsert`) and the services: "shipped" is a PO of three lines changed
   twice at Amazon, linked to a completed Bulk Buy Offer, acknowledged (an earlier
   acknowledgement refused), shipped in a group shipment whose ASN Amazon accepted,
   received in part, invoiced, with a credit row, a parameter, an alert on the order, a
   grouped alert counting it and its audit trail; "new" is a New PO of three lines waiting
   for its acknowledgement (the line-by-line form shows, the rule says why it held it).
3. Requests each order page with `django.test.Client` as the shop's owner (every panel and
   form shows) `--requests` times and reports the medians: CPU (`time.process_time`), wall
   time, queries and their time as Django waited for them (`CaptureQueriesContext`, on
   separate requests so recording them does not weigh on the CPU figure), and PostgreSQL's
   own planning and execution time for the page's queries (EXPLAIN ANALYZE).
4. With `--profile N`, profiles the requests with cProfile and prints the N functions with
   the most cumulative and own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import orders_grid as og  # noqa: E402 - the bench helpers live beside this file

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopctrl_bench_order_page"
SHIPPED_PO = "PAGEBNCH1"
NEW_PO = "PAGEBNCH2"
SHOP_NAME = "Order Page Bench GmbH"  # its own shop: the loader reloads a shop whose count is off


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the bench shop")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per order")
    parser.add_argument("--profile", type=int, default=0, help="print the top N of a profile")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    if args.orders < 10_000:
        parser.error("--orders must be at least 10000 (the loader of orders_grid.py)")
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be between 1 and 10000")
    return args


# --- The orders ----------------------------------------------------------------------------


def _payload(number: str, quantities: list[int], *, state: str, ordered: datetime) -> dict:
    """A PO as Amazon sends it: three lines of the demo catalogue, shipping to LEJ1."""
    from orders.demo import PRODUCTS

    items = [
        {
            "itemSequenceNumber": str(i),
            "amazonProductIdentifier": asin,
            "vendorProductIdentifier": ean,
            "orderedQuantity": {"amount": quantity, "unitOfMeasure": "Eaches"},
            "netCost": {"amount": str(price), "currencyCode": "EUR"},
            "listPrice": {"amount": str(price * 2), "currencyCode": "EUR"},
            "isBackOrderAllowed": True,
        }
        for i, ((ean, asin, _sku, _title, price), quantity) in enumerate(
            zip(PRODUCTS, quantities, strict=False), start=1
        )
    ]
    party = {
        "partyId": "LEJ1",
        "address": {
            "name": "Amazon EU SARL",
            "addressLine1": "Amazonstraße 1",
            "city": "Leipzig",
            "postalCode": "04347",
            "countryCode": "DE",
        },
    }
    window = (ordered.date() + timedelta(days=7), ordered.date() + timedelta(days=10))
    return {
        "purchaseOrderNumber": number,
        "purchaseOrderState": state,
        "orderDetails": {
            "purchaseOrderDate": ordered.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "purchaseOrderChangedDate": ordered.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "purchaseOrderType": "RegularOrder",
            "paymentMethod": "Invoice",
            "deliveryWindow": f"{window[0]}T08:00:00Z--{window[1]}T17:00:00Z",
            "buyingParty": party,
            "sellingParty": {"partyId": "VNDR1"},
            "shipToParty": party,
            "billToParty": party,
            "items": items,
        },
    }


def _import(shop, raw: dict) -> None:
    from amazon1p.importing.sync import mapping_context
    from amazon1p.importing.upsert import PoBatch, purchase_orders_upsert
    from amazon1p.models import AmazonConnection
    from amazon1p.spapi.parsing import parse_purchase_order

    connection = AmazonConnection.objects.select_related("shop").get(shop=shop)
    purchase_orders_upsert(
        PoBatch(shop=shop, ctx=mapping_context(connection), orders=[parse_purchase_order(raw)])
    )


def _connection(shop):
    from amazon1p.connection.fulfillment_centers import default_fulfillment_centers
    from amazon1p.models import AmazonConnection, FulfillmentCenter
    from shops.models import OrderStatus

    connection = AmazonConnection.objects.filter(shop=shop).first()
    if connection is None:
        connection = AmazonConnection.objects.create(
            shop=shop,
            enabled=True,
            acknowledge_orders=True,
            export_shipments=True,
            vendor_code="VNDR1",
            gs1_company_prefix="4012345",
            auto_acknowledge_rule="stock_and_cost",
        )
        connection.acknowledgeable_statuses.set(
            OrderStatus.objects.filter(shop=shop, name__in=["New", "Acknowledged"])
        )
        FulfillmentCenter.objects.bulk_create(default_fulfillment_centers(connection))
    return connection


def _offer(shop, user, ordered: datetime):
    """A completed Bulk Buy Offer of the first three demo products, stage 1 around the PO's
    delivery window (through every approval stage, as staff would)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from bulkbuy.models import Offer, OfferRow
    from bulkbuy.services import offer_import
    from bulkbuy.stages import (
        offer_commerce_decide,
        offer_complete,
        offer_quantities_set,
        offer_stage_approve,
    )
    from orders.catalogue import products_fill_from_rows
    from orders.demo import PRODUCTS

    found = Offer.objects.filter(shop=shop, name="PAGE-BENCH").first()
    if found is not None:
        return found
    products_fill_from_rows(shop, [(ean, asin, title) for ean, asin, _s, title, _p in PRODUCTS])
    start = ordered.date() + timedelta(days=5)
    headers = ["ASIN", "EAN", "Title", "Unit cost", "Currency", "Stage 1 start", "Stage 1 end"]
    headers += ["Stage 1 quantity", "Approved", "Comment"]
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for ean, asin, _sku, title, price in PRODUCTS[:3]:
        sheet.append(
            [asin, ean, title, float(price), "EUR", start, start + timedelta(days=10), 500, "", ""]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile(
        "offer.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    offer = offer_import(actor=user, shop=shop, upload=upload, name="PAGE-BENCH")
    offer = offer_commerce_decide(actor=user, offer_id=offer.pk, revision=1, approve="all")
    offer = offer_stage_approve(
        actor=user, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )
    for stage in ("manufacture", "warehouse"):
        offer = offer_quantities_set(
            actor=user,
            offer_id=offer.pk,
            stage=stage,
            revision=offer.revision,
            quantities={r.pk: (400, None) for r in OfferRow.objects.filter(offer=offer)},
        )
        if stage == "manufacture":
            offer = offer_stage_approve(
                actor=user, offer_id=offer.pk, stage=stage, revision=offer.revision
            )
    return offer_complete(actor=user, offer_id=offer.pk, revision=offer.revision)


def _acknowledge(order, *, status: str, errors: list | None = None, backorder: int = 0) -> None:
    from django.utils import timezone

    from amazon1p.models import Acknowledgement, AcknowledgementLine, AmazonPurchaseOrder

    apo = AmazonPurchaseOrder.objects.get(order=order)
    ack = Acknowledgement.objects.create(
        shop=order.shop,
        order=order,
        purchase_order=apo,
        status=status,
        acknowledgement_date=timezone.now(),
        payload={},
        errors=errors or [],
        transaction_id=f"tx-{order.number}-{status}",
        finished_at=timezone.now(),
    )
    today = date.today()
    for row in order.rows.order_by("position"):
        held = backorder if row.position == 2 else 0
        AcknowledgementLine.objects.create(
            acknowledgement=ack,
            row=row,
            item_sequence_number=f"{row.position}",
            accepted=row.quantity - held - (1 if row.position == 3 else 0),
            backordered=held,
            rejected=1 if row.position == 3 else 0,
            rejection_reason="TemporarilyUnavailable" if row.position == 3 else "",
            scheduled_ship_date=today + timedelta(days=3) if held else None,
            scheduled_delivery_date=today + timedelta(days=6) if held else None,
        )


def _ship_and_receive(shop, user, order) -> None:
    from django.utils import timezone

    from asn.models import (
        AsnStatus,
        AsnSubmission,
        GroupShipmentStatus,
        ShipmentLine,
        ShipmentType,
        Warehouse,
    )
    from asn.shipments import GroupShipmentData, group_shipment_create, shipment_add_order
    from invoicing.models import InvoiceSettings, InvoiceStatus
    from invoicing.services import invoice_create_from_group, invoice_settings_save
    from receiving.models import LineReceipt, OrderReceiving, ReceiveStatus

    warehouse, _ = Warehouse.objects.get_or_create(
        shop=shop,
        code="WH1",
        defaults={
            "name": "Bench warehouse",
            "address_line": "Industriestraße 5",
            "postal_code": "04109",
            "city": "Leipzig",
            "country": "DE",
        },
    )
    group = group_shipment_create(
        shop=shop,
        data=GroupShipmentData(
            warehouse=warehouse,
            fc_code="LEJ1",
            shipment_type=ShipmentType.LTL,
            carrier_scac="DHLX",
            bill_of_lading=f"BOL-{order.number}",
            shipped_at=timezone.now() - timedelta(days=2),
        ),
        actor=user,
    )
    shipment_add_order(group=group, order=order, actor=user)
    AsnSubmission.objects.create(
        group=group,
        confirmation_type="Original",
        asn_number=group.code,
        status=AsnStatus.SUCCESS,
        payload={},
    )
    group.status = GroupShipmentStatus.CONFIRMED
    group.save(update_fields=["status"])
    for line in ShipmentLine.objects.filter(shipment__order=order).select_related("row"):
        got = line.quantity - (2 if line.row.position == 1 else 0)
        LineReceipt.objects.create(
            shop=shop,
            order=order,
            row=line.row,
            receive_status=ReceiveStatus.RECEIVED
            if got >= line.quantity
            else ReceiveStatus.PARTIALLY_RECEIVED,
            received_quantity=got,
            last_receive_date=timezone.now() - timedelta(hours=5),
        )
    OrderReceiving.objects.update_or_create(
        order=order,
        shop=shop,
        defaults={"shortage_alerted_at": timezone.now() - timedelta(hours=1)},
    )
    if not InvoiceSettings.objects.filter(shop=shop).exists():
        invoice_settings_save(
            shop=shop,
            actor=user,
            values={
                "legal_name": "Bench Vendor GmbH",
                "remit_to_party_id": "VNDR1",
                "address_line1": "Industriestraße 5",
                "postal_code": "04109",
                "city": "Leipzig",
                "country_code": "DE",
                "tax_registration_number": "DE123456789",
                "number_prefix": "BENCH-",
            },
        )
    invoice = invoice_create_from_group(group=group, basis="shipped", actor=user)
    invoice.status = InvoiceStatus.ACCEPTED
    invoice.save(update_fields=["status"])


def _alerts(shop, order) -> None:
    from shops.alerts import AlertGroup, alerts_group_raise
    from shops.models import AlertSeverity
    from shops.services import alert_raise

    alert_raise(
        shop=shop,
        severity=AlertSeverity.WARNING,
        message=f"Amazon received less than shipped of {order.number}.",
        target=order,
        kind="receiving",
    )
    alerts_group_raise(
        shop=shop,
        groups=[
            AlertGroup(
                key="bench.backorders",
                kind="acknowledgement",
                severity=AlertSeverity.INFO,
                message="Rows acknowledged as backordered.",
                item_model=type(order),
                object_ids=[order.pk],
            )
        ],
    )


def order_page_shop(user):
    """The shop of the two orders, the bench user its owner (found or created)."""
    from shops.models import AddressFormat, NameFormat, Shop
    from shops.services import shop_create, shop_update

    shop = Shop.objects.filter(name=SHOP_NAME, memberships__user=user).first()
    if shop is None:
        shop = shop_create(actor=user, name=SHOP_NAME, currency="EUR", country="DE")
        shop_update(
            actor=user,
            shop=shop,
            values={"address_format": AddressFormat.SINGLE, "name_format": NameFormat.SINGLE},
        )
    return shop


def build_orders(shop, user) -> dict[str, int]:
    """The two orders (built once; later runs reuse them): {name: order id}."""
    from django.db import transaction

    from bulkbuy.linking import order_link_check
    from orders.models import Order
    from orders.services import order_credit_row_add, order_parameter_set
    from shops.models import CreditReason, OrderStatus

    found = dict(
        Order.objects.filter(shop=shop, number__in=[SHIPPED_PO, NEW_PO]).values_list("number", "pk")
    )
    if len(found) == 2:
        return {"shipped": found[SHIPPED_PO], "new": found[NEW_PO]}
    ordered = datetime.now(UTC).replace(microsecond=0) - timedelta(days=6)
    with transaction.atomic():
        _connection(shop)
        _offer(shop, user, ordered)
        _import(shop, _payload(SHIPPED_PO, [24, 36, 12], state="New", ordered=ordered))
        _import(shop, _payload(SHIPPED_PO, [24, 30, 12], state="New", ordered=ordered))
        _import(shop, _payload(SHIPPED_PO, [24, 30, 12], state="Acknowledged", ordered=ordered))
        order = Order.objects.get(shop=shop, number=SHIPPED_PO)
        order_link_check(order_id=order.pk, actor=user)
        reason = CreditReason.objects.filter(shop=shop).first()
        order_credit_row_add(
            actor=user, order=order, row=order.rows.get(position=3), quantity=1, reason=reason
        )
        order_parameter_set(actor=user, order=order, key="WarehouseNote", value="Ramp 4")
        _acknowledge(
            order,
            status="error",
            errors=[{"code": "InvalidInput", "message": "Quantity too high", "details": "line 2"}],
        )
        _acknowledge(order, status="success", backorder=6)
        _ship_and_receive(shop, user, order)
        Order.objects.filter(pk=order.pk).update(
            main_status=OrderStatus.objects.get(shop=shop, name="Shipped")
        )
        _alerts(shop, order)

        _import(shop, _payload(NEW_PO, [12, 24, 48], state="New", ordered=ordered))
        new = Order.objects.get(shop=shop, number=NEW_PO)
        Order.objects.filter(pk=new.pk).update(
            main_status=OrderStatus.objects.get(shop=shop, name="New")
        )
    return {"shipped": order.pk, "new": new.pk}


def plain_order_url(shop) -> str:
    """The newest order of the loader's shop: what bench/load.py's users open (rows, no PO)."""
    from django.urls import reverse

    from orders.models import Order

    newest = Order.objects.filter(shop=shop).order_by("-ordered_at").values_list("pk", flat=True)
    return reverse("orders:order-detail", args=[shop.pk, newest[0]])


# --- Measuring -----------------------------------------------------------------------------


def measure(client, url: str, requests: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm up: templates compiled, connection open, caches filled
        assert client.get(url).status_code == 200
    cpu, wall = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    queries, sql = [], []
    for _ in range(min(requests, 20)):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.append(len(captured.captured_queries))
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return {
        "cpu_ms": statistics.median(cpu),
        "wall_ms": statistics.median(wall),
        "queries": statistics.median(queries),
        "sql_ms": statistics.median(sql),
        "pg_ms": postgres_ms([q["sql"] for q in captured.captured_queries]),
        "bytes": len(response.content),
    }


def postgres_ms(statements: list[str]) -> float:
    """PostgreSQL's own time for a page's queries: planning and execution, as EXPLAIN
    ANALYZE reports them (median of five), summed. The server's CPU too, on the same cores."""
    from django.db import connection

    total = 0.0
    with connection.cursor() as cursor:
        for sql in statements:
            cursor_for = re.match(r'DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR (.*)', sql, re.S)
            sql = cursor_for.group(1) if cursor_for else sql
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            times = []
            for _ in range(5):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0][0]
                times.append(plan["Planning Time"] + plan["Execution Time"])
            total += statistics.median(times)
    return total


def profile(client, url: str, requests: int, top: int) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU only: not the waits on PostgreSQL
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    og.configure_environment(args.database_url)
    og.ensure_database(args.database_url)
    og.setup_django()
    og.migrate()
    shops = og.ensure_shops()
    og.ensure_orders(shops, args.orders, reload=False)

    from django.test import Client
    from django.urls import reverse

    shop = order_page_shop(shops.user)
    ids = build_orders(shop, shops.user)
    pages = {name: reverse("orders:order-detail", args=[shop.pk, pk]) for name, pk in ids.items()}
    pages["plain"] = plain_order_url(shops.shop)
    client = Client()
    client.force_login(shops.user)
    print(
        f"{'order':<10} {'CPU ms':>8} {'wall ms':>8} {'queries':>8} {'SQL ms':>8} {'PG ms':>8}"
        f" {'KiB':>6}"
    )
    for name, url in pages.items():
        m = measure(client, url, args.requests)
        print(
            f"{name:<10} {m['cpu_ms']:>8.1f} {m['wall_ms']:>8.1f} {m['queries']:>8.0f}"
            f" {m['sql_ms']:>8.1f} {m['pg_ms']:>8.1f} {m['bytes'] / 1024:>6.1f}"
        )
    if args.profile:
        for name, url in pages.items():
            print(f"--- profile: {name} ---")
            profile(client, url, args.requests, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
