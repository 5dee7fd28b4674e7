"""Linkers running at the same time, on their own database connections: they never give an
offer away twice, and overlapping beat runs check each order once."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from bulkbuy.linking import LinkRun, order_link_check, purchase_orders_link
from bulkbuy.models import Offer, OrderLinkLine
from orders.models import Order, PurchaseType
from tests.support.linking import Line, completed_offer, connect, import_po

pytestmark = pytest.mark.django_db(transaction=True)  # the threads need committed rows


def in_threads(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread (own connection), all released at once."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results, errors  # type: ignore[return-value]


def finish(threads, errors) -> None:
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a linker hung"
    assert errors == []


def waiting_for_locks() -> int:
    """Sessions of the test database waiting for a lock. Read inside the caller's
    transaction, so the statistics snapshot PostgreSQL keeps for it is cleared first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def offer(shop, admin_user):
    connect(shop)
    return completed_offer(shop, admin_user, products=(1,), final=100)


def test_two_checks_after_the_last_units_never_over_allocate(shop, offer):
    first = import_po(shop, "PO-1", [Line(1, 60)])
    second = import_po(shop, "PO-2", [Line(1, 60)])

    with transaction.atomic():
        # Hold the offer so both checks reach it before either may read what is left.
        Offer.objects.select_for_update().get(pk=offer.pk)
        threads, _, errors = in_threads(
            lambda: order_link_check(order_id=first.pk),
            lambda: order_link_check(order_id=second.pk),
        )
        # Both blocked (or, were the offer not locked, both done) before it is released.
        wait_until(lambda: waiting_for_locks() + sum(not t.is_alive() for t in threads) == 2)
    finish(threads, errors)

    types = sorted(Order.objects.filter(shop=shop).values_list("purchase_type", flat=True))
    assert types == [PurchaseType.BULK_BUY, PurchaseType.UNDEFINED]
    assert sum(OrderLinkLine.objects.values_list("quantity", flat=True)) == 60


def test_overlapping_beat_runs_check_each_order_once_within_the_offer(shop, offer):
    orders = [import_po(shop, f"PO-{n}", [Line(1, 20)]) for n in range(6)]  # 120 of 100

    threads, results, errors = in_threads(
        lambda: purchase_orders_link(shop_id=shop.pk),
        lambda: purchase_orders_link(shop_id=shop.pk),
    )
    finish(threads, errors)

    runs: list[LinkRun] = results
    assert sum(run.checked for run in runs) == len(orders)
    types = list(Order.objects.filter(shop=shop).values_list("purchase_type", flat=True))
    assert sorted(types).count(PurchaseType.BULK_BUY) == 5
    assert types.count(PurchaseType.UNDEFINED) == 1
    assert sum(OrderLinkLine.objects.values_list("quantity", flat=True)) == 100


def test_an_order_locked_by_another_check_is_skipped_then_linked_by_the_next_run(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 20)])

    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)  # another check holds it
        threads, results, errors = in_threads(lambda: purchase_orders_link(shop_id=shop.pk))
        finish(threads, errors)
    (run,) = results

    assert (run.checked, run.skipped) == (0, 1)
    assert Order.objects.get(pk=order.pk).purchase_type == PurchaseType.NONE
    assert purchase_orders_link(shop_id=shop.pk).checked == 1
    assert Order.objects.get(pk=order.pk).purchase_type == PurchaseType.BULK_BUY
