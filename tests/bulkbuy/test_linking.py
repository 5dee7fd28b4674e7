"""Linking imported POs to completed offers: Bulk buy, Weekly or Undefined, and why."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from bulkbuy.linking import (
    LinkRefusedError,
    order_link_by_hand,
    order_link_check,
    purchase_orders_link,
)
from bulkbuy.matching import money
from bulkbuy.models import OrderLink, OrderLinkLine
from bulkbuy.tasks import purchase_orders_link_task
from core.errors import ShopCtrlError
from orders.models import Channel, Order, PurchaseType
from orders.services import order_credit_row_add
from shopctrl.celery import app
from shops.models import Alert, AuditEntry, CreditReason
from tests.support.factories import make_order
from tests.support.linking import (
    STAGE2,
    Line,
    completed_offer,
    connect,
    ean,
    import_po,
)
from tests.support.offers import make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(shop, admin_user):
    connect(shop)
    return completed_offer(shop, admin_user, products=(1, 2), final=100)


def purchase_type(order) -> str:
    return Order.objects.get(pk=order.pk).purchase_type


def taken(order) -> list[tuple[int, int, int]]:
    """(row position, stage, quantity) the order takes from its offer."""
    return sorted(
        OrderLinkLine.objects.filter(link__order=order).values_list(
            "order_row__position", "stage", "quantity"
        )
    )


def discrepancies(order) -> list[str]:
    return OrderLink.objects.get(order=order).discrepancies


def link_alerts(order) -> list[str]:
    return [
        a.message for a in Alert.objects.filter(target_id=str(order.pk)) if "Bulk Buy" in a.message
    ]


def credit(order, position: int, quantity: int, user):
    reason = CreditReason.objects.get(shop=order.shop, name="Out of stock")
    row = order.rows.get(position=position)
    order_credit_row_add(actor=user, order=order, row=row, quantity=quantity, reason=reason)


# --- The verdicts -------------------------------------------------------------------------


def test_full_match_links_the_order_to_the_offer_stage(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40), Line(2, 60)])

    run = purchase_orders_link(shop_id=shop.pk)

    assert (run.checked, run.changed) == (1, 1)
    assert purchase_type(order) == PurchaseType.BULK_BUY
    link = OrderLink.objects.get(order=order)
    assert (link.offer_id, link.stage, link.discrepancies, link.by_hand) == (offer.pk, 1, [], False)
    assert taken(order) == [(1, 1, 40), (2, 1, 60)]
    assert link_alerts(order) == []
    entry = AuditEntry.objects.get(action="order.offer_link", target_id=str(order.pk))
    assert entry.actor is None and entry.changes["offer"] == [None, "OFFER-1 stage 1"]


def test_quantity_beyond_the_offer_is_undefined_with_an_alert(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40), Line(2, 120)])

    purchase_orders_link(shop_id=shop.pk)

    assert purchase_type(order) == PurchaseType.UNDEFINED
    assert discrepancies(order) == [
        f"row 2 EAN {ean(2)}: quantity 120 exceeds the 100 left on offer OFFER-1 stage 1"
    ]
    assert taken(order) == []
    (alert,) = link_alerts(order)
    assert "quantity 120 exceeds the 100 left on offer OFFER-1 stage 1" in alert


def test_price_other_than_the_offer_cost_is_undefined(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40, Decimal("9.80")), Line(2, 10)])

    purchase_orders_link(shop_id=shop.pk)

    assert purchase_type(order) == PurchaseType.UNDEFINED
    assert discrepancies(order) == [f"row 1 EAN {ean(1)}: price 9.80 ≠ offer 10.50"]


def test_delivery_window_too_close_to_the_po_date_is_undefined(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40)], ordered=_at(2026, 12, 24))

    purchase_orders_link(shop_id=shop.pk)

    assert purchase_type(order) == PurchaseType.UNDEFINED
    assert discrepancies(order) == ["delivery window starts 12 days after the PO date, minimum 30"]


def test_the_shops_minimum_days_ahead_applies(shop, offer):
    shop.amazon_connection.offer_link_min_days_ahead = 40
    shop.amazon_connection.save()
    order = import_po(shop, "PO-1", [Line(1, 40)])

    purchase_orders_link(shop_id=shop.pk)

    assert discrepancies(order) == ["delivery window starts 35 days after the PO date, minimum 40"]


def test_delivery_window_reaching_past_the_stage_is_undefined(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40), Line(2, 5)], window=(_d(1, 8), _d(1, 12)))

    purchase_orders_link(shop_id=shop.pk)

    assert discrepancies(order) == [
        "delivery window 2027-01-08 – 2027-01-12 outside offer OFFER-1 stage 1 window "
        "2027-01-04 – 2027-01-10 (rows 1, 2)"
    ]


def test_product_missing_from_the_offer_is_undefined(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 40), Line(3, 5)])

    purchase_orders_link(shop_id=shop.pk)

    assert discrepancies(order) == [f"row 2 EAN {ean(3)}: product not in offer OFFER-1 stage 1"]


def test_po_sharing_nothing_with_a_completed_offer_is_weekly(shop, offer):
    other_product = import_po(shop, "PO-1", [Line(3, 5)])
    other_window = import_po(shop, "PO-2", [Line(1, 5)], window=(_d(3, 1), _d(3, 5)))

    purchase_orders_link(shop_id=shop.pk)

    assert purchase_type(other_product) == purchase_type(other_window) == PurchaseType.WEEKLY
    assert Alert.objects.filter(message__contains="Bulk Buy").count() == 0
    assert not AuditEntry.objects.filter(action="order.offer_link").exists()


def test_open_offers_do_not_link(shop, admin_user):
    connect(shop)
    make_offer(shop, admin_user, rows=2)  # a draft: same products and window, not completed
    order = import_po(shop, "PO-1", [Line(1, 40)])

    purchase_orders_link(shop_id=shop.pk)

    assert purchase_type(order) == PurchaseType.WEEKLY


def test_a_shop_without_completed_offers_makes_every_po_weekly_at_once(
    shop, admin_user, django_assert_max_num_queries
):
    connect(shop)
    make_offer(shop, admin_user, rows=2)  # open, not completed
    orders = [import_po(shop, f"PO-{n}", [Line(1, 40)]) for n in range(1, 6)]

    with django_assert_max_num_queries(6):  # no per-order check: one UPDATE for them all
        run = purchase_orders_link(shop_id=shop.pk)

    assert run.checked == 5
    assert {purchase_type(order) for order in orders} == {PurchaseType.WEEKLY}
    assert purchase_orders_link(shop_id=shop.pk).checked == 0  # nothing due any more


def test_second_delivery_stage_links_with_its_own_quantity(shop, admin_user):
    connect(shop)
    offer = completed_offer(shop, admin_user, products=(1,), final=10, final2=150)
    order = import_po(
        shop, "PO-1", [Line(1, 150)], window=(STAGE2[0], STAGE2[1]), ordered=_at(2026, 12, 20)
    )

    purchase_orders_link(shop_id=shop.pk)

    link = OrderLink.objects.get(order=order)
    assert (link.offer_id, link.stage) == (offer.pk, 2)
    assert taken(order) == [(1, 2, 150)]


def test_two_pos_share_an_offer_until_it_is_used_up(shop, offer):
    first = import_po(shop, "PO-1", [Line(1, 50)])
    second = import_po(shop, "PO-2", [Line(1, 30), Line(2, 100)])
    third = import_po(shop, "PO-3", [Line(1, 21)])

    purchase_orders_link(shop_id=shop.pk)

    assert [purchase_type(o) for o in (first, second, third)] == [
        PurchaseType.BULK_BUY,
        PurchaseType.BULK_BUY,
        PurchaseType.UNDEFINED,
    ]
    assert discrepancies(third) == [
        f"row 1 EAN {ean(1)}: quantity 21 exceeds the 20 left on offer OFFER-1 stage 1"
    ]


def test_orders_entered_by_hand_are_not_linked(shop, offer):
    manual = make_order(shop, "M-1", channel=Channel.MANUAL)

    assert purchase_orders_link(shop_id=shop.pk).checked == 0
    assert purchase_type(manual) == PurchaseType.NONE
    with pytest.raises(ShopCtrlError, match="Only Amazon purchase orders"):
        order_link_check(order_id=manual.pk)


# --- Idempotency, changes and restarts ----------------------------------------------------


def test_linking_again_changes_nothing(shop, offer, admin_user):
    linked = import_po(shop, "PO-1", [Line(1, 50)])
    undefined = import_po(shop, "PO-2", [Line(1, 70)])
    weekly = import_po(shop, "PO-3", [Line(4, 1)])
    purchase_orders_link(shop_id=shop.pk)
    before = _snapshot(shop)

    run = purchase_orders_link(shop_id=shop.pk)
    for order in (linked, undefined, weekly):
        assert order_link_check(order_id=order.pk).changed is False

    assert (run.checked, run.changed) == (0, 0)
    assert _snapshot(shop) == before


def test_a_run_killed_halfway_leaves_the_orders_due_and_the_next_run_links_them(shop, offer):
    orders = [import_po(shop, f"PO-{n}", [Line(1, 10)]) for n in range(3)]

    class Killed(BaseException):
        pass

    with pytest.raises(Killed), transaction.atomic():
        purchase_orders_link(shop_id=shop.pk)
        raise Killed  # the worker dies before its last transaction commits

    assert {purchase_type(o) for o in orders} == {PurchaseType.NONE}
    assert not OrderLinkLine.objects.exists()
    run = purchase_orders_link(shop_id=shop.pk)
    assert run.checked == 3
    assert {purchase_type(o) for o in orders} == {PurchaseType.BULK_BUY}
    assert OrderLinkLine.objects.count() == 3


def test_a_po_changed_at_amazon_is_checked_afresh(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 60)])
    rival = import_po(shop, "PO-2", [Line(1, 30)])
    purchase_orders_link(shop_id=shop.pk)
    assert taken(order) == [(1, 1, 60)]

    import_po(shop, "PO-1", [Line(1, 90)])  # Amazon raised the quantity: 90 + 30 > 100
    run = purchase_orders_link(shop_id=shop.pk)

    assert run.checked == 1
    assert purchase_type(order) == PurchaseType.UNDEFINED
    assert taken(order) == []  # its 60 are released
    assert discrepancies(order) == [
        f"row 1 EAN {ean(1)}: quantity 90 exceeds the 70 left on offer OFFER-1 stage 1"
    ]
    assert taken(rival) == [(1, 1, 30)]
    entry = AuditEntry.objects.filter(action="order.offer_link", target_id=str(order.pk)).first()
    assert entry.changes["offer"] == ["OFFER-1 stage 1", None]


def test_a_change_that_still_fits_keeps_the_stage_with_the_new_quantity(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 60)])
    purchase_orders_link(shop_id=shop.pk)

    import_po(shop, "PO-1", [Line(1, 100)])  # all of it: its own 60 do not count against it
    purchase_orders_link(shop_id=shop.pk)

    assert purchase_type(order) == PurchaseType.BULK_BUY
    assert taken(order) == [(1, 1, 100)]


# --- Credit rows and linking by hand ------------------------------------------------------


def test_crediting_the_excess_then_rechecking_links(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 130), Line(3, 4)])
    purchase_orders_link(shop_id=shop.pk)
    assert len(discrepancies(order)) == 2

    credit(order, 1, 30, admin_user)
    credit(order, 2, 4, admin_user)  # the product the offer does not have, all of it
    outcome = order_link_check(order_id=order.pk, actor=admin_user)

    assert (outcome.purchase_type, outcome.changed) == (PurchaseType.BULK_BUY, True)
    assert taken(order) == [(1, 1, 100)]
    entry = AuditEntry.objects.filter(action="order.offer_link").first()
    assert entry.actor == admin_user


def test_link_by_hand_after_credit_rows(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 130)], ordered=_at(2026, 12, 24))
    purchase_orders_link(shop_id=shop.pk)
    credit(order, 1, 30, admin_user)

    outcome = order_link_by_hand(actor=admin_user, order_id=order.pk, offer_id=offer.pk, stage=1)

    assert outcome.purchase_type == PurchaseType.BULK_BUY
    link = OrderLink.objects.get(order=order)
    assert (link.by_hand, link.linked_by, link.discrepancies) == (True, admin_user, [])
    assert taken(order) == [(1, 1, 100)]  # 12 days ahead: the minimum is waived by hand
    # The automatic check keeps a link made by hand while the PO is unchanged and it fits.
    assert order_link_check(order_id=order.pk).changed is False
    assert purchase_orders_link(shop_id=shop.pk).checked == 0
    assert purchase_type(order) == PurchaseType.BULK_BUY


def test_link_by_hand_is_refused_with_the_reasons_while_it_does_not_fit(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 130, Decimal("10.4950"))])
    purchase_orders_link(shop_id=shop.pk)
    before = _snapshot(shop)

    with pytest.raises(LinkRefusedError) as refused:
        order_link_by_hand(actor=admin_user, order_id=order.pk, offer_id=offer.pk, stage=1)

    assert refused.value.discrepancies == [
        f"row 1 EAN {ean(1)}: price 10.495 ≠ offer 10.50",
        f"row 1 EAN {ean(1)}: quantity 130 exceeds the 100 left on offer OFFER-1 stage 1",
    ]
    assert _snapshot(shop) == before


def test_link_by_hand_to_an_open_or_foreign_offer_is_refused(
    shop, offer, admin_user, other_shop, other_admin
):
    order = import_po(shop, "PO-1", [Line(1, 10)])
    draft = make_offer(shop, admin_user, rows=1)
    foreign = completed_offer(other_shop, other_admin, products=(1,))
    for offer_id in (draft.pk, foreign.pk):
        with pytest.raises(ShopCtrlError, match="completed offer of this shop"):
            order_link_by_hand(actor=admin_user, order_id=order.pk, offer_id=offer_id, stage=1)


def test_a_hand_made_link_is_checked_afresh_when_the_po_changes(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 50)], ordered=_at(2026, 12, 24))
    order_link_by_hand(actor=admin_user, order_id=order.pk, offer_id=offer.pk, stage=1)

    import_po(shop, "PO-1", [Line(1, 40)], ordered=_at(2026, 12, 24))
    purchase_orders_link(shop_id=shop.pk)

    link = OrderLink.objects.get(order=order)
    assert purchase_type(order) == PurchaseType.UNDEFINED
    assert (link.by_hand, link.linked_by) == (False, None)
    assert link.discrepancies == ["delivery window starts 12 days after the PO date, minimum 30"]


def test_money_shows_every_decimal_that_differs():
    assert [money(Decimal(v)) for v in ("10.5", "9.8000", "10.495", "3")] == [
        "10.50",
        "9.80",
        "10.495",
        "3.00",
    ]


# --- helpers ------------------------------------------------------------------------------


def _d(month: int, day: int) -> date:
    return date(2027, month, day)


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 30, tzinfo=UTC)


def _snapshot(shop) -> dict:
    """Everything linking writes, to compare before and after."""
    return {
        "types": sorted(Order.objects.filter(shop=shop).values_list("number", "purchase_type")),
        "links": sorted(
            OrderLink.objects.filter(order__shop=shop).values_list(
                "order__number", "offer_id", "stage", "discrepancies", "by_hand", "checked_at"
            )
        ),
        "lines": sorted(
            OrderLinkLine.objects.values_list("order_row_id", "offer_row_id", "quantity")
        ),
        "alerts": Alert.objects.filter(shop=shop).count(),
        "audit": AuditEntry.objects.filter(shop=shop).count(),
    }


def test_beat_links_the_due_orders_of_every_shop(shop, offer, other_shop):
    connect(other_shop)
    mine = import_po(shop, "PO-1", [Line(1, 10)])
    theirs = import_po(other_shop, "PO-1", [Line(1, 10)])

    assert purchase_orders_link_task() == 2
    assert purchase_orders_link_task() == 0

    assert purchase_type(mine) == PurchaseType.BULK_BUY
    assert purchase_type(theirs) == PurchaseType.WEEKLY  # the offer is the other shop's
    entry = app.conf.beat_schedule["bulkbuy-purchase-orders-link"]
    assert entry["task"] == "bulkbuy.tasks.purchase_orders_link"
