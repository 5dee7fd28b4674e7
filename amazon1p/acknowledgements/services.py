"""Acknowledging a PO: check what staff (or a rule, or a pick file) decided against Amazon's
rules and the earlier acknowledgement, then write it to the outbox. Sending is the tasks' job
(`outbox.py`); nothing here talks to Amazon.

Rules (docs/amazon.md, "Acknowledgements"): every line is answered; what is credited on a
row goes out Rejected, the rest Accepted or Backordered (only where the PO allows
backorders, with dates); a re-acknowledgement may only lower what the vendor committed to,
and a rejected line stays rejected; one acknowledgement is on its way per order at a time.

The send task is enqueued once the caller's transaction commits (`delay_on_commit`); tasks.py
imports outbox.py, not this module, so importing the task here makes no circle.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from amazon1p.acknowledgements.building import LineAnswer, acknowledgement_json_for_po
from amazon1p.acknowledgements.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckOrigin,
    AckStatus,
    RejectionReason,
)
from amazon1p.acknowledgements.tasks import acknowledgement_send_task
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.spapi import parsing
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import Money, PurchaseOrder
from core.errors import ShopCtrlError
from core.tasks import delay_on_commit
from orders.models import CreditRow, Order, OrderRow
from orders.services import order_credit_row_add
from shops.audit import audit_record


@dataclass(frozen=True)
class LineDecision:
    """What was chosen for one row. The part not credited is accepted (or backordered); the
    credited part goes out Rejected with `rejection_reason`. `quantity` (eaches to confirm)
    below what is not credited yet credits the difference first, with the connection's
    credit reason for rejected rows: the same as a credit row added by hand."""

    quantity: int | None = None
    backorder: bool = False
    rejection_reason: str = RejectionReason.TEMPORARILY_UNAVAILABLE
    scheduled_ship_date: date | None = None
    scheduled_delivery_date: date | None = None


def connection_for_acknowledging(order: Order) -> AmazonConnection:
    """The shop's connection, if acknowledging is switched on; else a clear refusal."""
    connection = AmazonConnection.objects.filter(shop_id=order.shop_id).first()
    if connection is None or not connection.enabled:
        raise ShopCtrlError("Amazon 1P synchronization is not enabled for this shop.")
    if not connection.acknowledge_orders:
        raise ShopCtrlError(
            "Acknowledging orders is switched off (Amazon 1P settings › Synchronization)."
        )
    return connection


def acknowledgement_blocker(
    order: Order,
    connection: AmazonConnection,
    *,
    purchase_order: AmazonPurchaseOrder | None = None,
    in_flight: bool | None = None,
) -> str:
    """Why this order cannot be acknowledged now ("" if it can): for buttons and services.

    A caller that has read them already (the order page) passes the order's PO and whether
    one of its acknowledgements is on its way; else they are read here."""
    po = purchase_order or AmazonPurchaseOrder.objects.filter(order=order).first()
    if po is None:
        return "This order did not come from an Amazon purchase order."
    if po.is_malformed:
        return "The purchase order could not be read; it cannot be acknowledged."
    if po.state == "Closed":
        return "Amazon has closed this purchase order."
    allowed = set(connection.acknowledgeable_statuses.values_list("pk", flat=True))
    if not allowed:
        return "No main status is set as acknowledgeable (Amazon 1P settings › Order sync)."
    if order.main_status_id not in allowed:
        return f"Orders in status “{order.main_status}” cannot be acknowledged."
    if in_flight is None:
        in_flight = Acknowledgement.objects.filter(order=order, status__in=_IN_FLIGHT).exists()
    if in_flight:
        return "An acknowledgement of this order is on its way to Amazon."
    return ""


_IN_FLIGHT = (AckStatus.PENDING, AckStatus.SENDING, AckStatus.SUBMITTED)


def _purchase_order(order: Order) -> tuple[AmazonPurchaseOrder, PurchaseOrder]:
    apo = AmazonPurchaseOrder.objects.get(order=order)
    try:
        return apo, parsing.parse_purchase_order(apo.raw)
    except AmazonMappingError as exc:
        raise ShopCtrlError(f"The purchase order cannot be read: {exc}") from None


def _answers(
    order: Order, po: PurchaseOrder, decisions: Mapping[int, LineDecision]
) -> list[tuple[OrderRow, LineAnswer]]:
    rows = {row.position: row for row in order.rows.all()}
    credited = dict(
        CreditRow.objects.filter(order=order)
        .values("row_id")
        .annotate(total=Sum("quantity"))
        .values_list("row_id", "total")
    )
    today = timezone.localdate()
    answers = []
    for position, item in enumerate(po.items, start=1):
        row = rows.get(position)
        if row is None:
            raise ShopCtrlError(f"PO line {item.sequence_number} has no row {position} here.")
        ordered = item.ordered_quantity.eaches
        # A row keeps the quantity first ordered (docs/amazon.md, "Orders in the shop");
        # what Amazon cancelled since (its PO now orders less, 0 for a cancelled line) is
        # credited on the row already, so only the credit beyond the cancelled part is the
        # vendor's rejection.
        cancelled = row.quantity - ordered
        credit = credited.get(row.pk, 0)
        if cancelled < 0:
            raise ShopCtrlError(
                f"Row {position} says {row.quantity}, the PO {ordered}: reduce a row with a "
                "credit row, not by editing its quantity."
            )
        if cancelled > credit:
            raise ShopCtrlError(
                f"Row {position} says {row.quantity}, the PO {ordered} (Amazon cancelled "
                f"{cancelled}), but {credit} are credited: credit what Amazon cancelled first."
            )
        decision = decisions.get(row.pk, LineDecision())
        rejected = min(credit - cancelled, ordered)
        committed = ordered - rejected
        if decision.rejection_reason not in RejectionReason.values:
            raise ShopCtrlError(
                f"Row {position}: choose one of Amazon's rejection reasons.", field="reason"
            )
        backordered = committed if decision.backorder else 0
        if backordered:
            if not item.is_back_order_allowed:
                raise ShopCtrlError(
                    f"Row {position}: Amazon does not allow a backorder on this line.",
                    field="backorder",
                )
            ship, delivery = decision.scheduled_ship_date, decision.scheduled_delivery_date
            if ship is None or delivery is None:
                raise ShopCtrlError(
                    f"Row {position}: a backorder needs the scheduled ship and delivery dates.",
                    field="dates",
                )
            if ship < today or delivery < ship:
                raise ShopCtrlError(
                    f"Row {position}: ship no earlier than today, deliver no earlier than "
                    "shipping.",
                    field="dates",
                )
        answers.append(
            (
                row,
                LineAnswer(
                    item=item,
                    accepted=committed - backordered,
                    backordered=backordered,
                    rejected=rejected,
                    rejection_reason=decision.rejection_reason if rejected else "",
                    scheduled_ship_date=decision.scheduled_ship_date if backordered else None,
                    scheduled_delivery_date=(
                        decision.scheduled_delivery_date if backordered else None
                    ),
                    net_cost=(
                        Money(row.unit_price, order.currency)
                        if item.net_cost is None and row.unit_price is not None
                        else None
                    ),
                ),
            )
        )
    return answers


def _credit_down_to(
    actor: User | None,
    order: Order,
    connection: AmazonConnection,
    decisions: Mapping[int, LineDecision],
) -> None:
    """Credit each row down to the quantity chosen for it (see LineDecision.quantity).

    Inside the acknowledgement's transaction: when the acknowledgement is refused later
    (say, it would raise a quantity Amazon already has), the credit rows go too.
    """
    lowered = {pk: d.quantity for pk, d in decisions.items() if d.quantity is not None}
    if not lowered:
        return
    credited = dict(
        CreditRow.objects.filter(order=order)
        .values("row_id")
        .annotate(total=Sum("quantity"))
        .values_list("row_id", "total")
    )
    for row in order.rows.filter(pk__in=lowered):
        open_quantity = row.quantity - credited.get(row.pk, 0)
        wanted = lowered[row.pk]
        if wanted < 0 or wanted > open_quantity:
            raise ShopCtrlError(
                f"Row {row.position}: confirm between 0 and {open_quantity} "
                f"({row.quantity} ordered, {credited.get(row.pk, 0)} credited).",
                field="quantity",
            )
        if wanted == open_quantity:
            continue
        reason = connection.credit_reason_rejected
        if reason is None:
            raise ShopCtrlError(
                "Set the credit reason for rejected rows first (Amazon 1P settings › "
                "Order sync settings): a lower quantity is credited with it."
            )
        if actor is None or not actor.is_authenticated:
            raise ShopCtrlError("Only a person may lower a quantity while acknowledging.")
        order_credit_row_add(
            actor=actor, order=order, row=row, quantity=open_quantity - wanted, reason=reason
        )


def _check_against_previous(order: Order, answers: list[tuple[OrderRow, LineAnswer]]) -> None:
    """A re-acknowledgement may only lower quantities; a rejected line stays rejected."""
    previous = (
        Acknowledgement.objects.filter(order=order, status=AckStatus.SUCCESS)
        .order_by("-created_at", "-id")
        .first()
    )
    if previous is None:
        return
    before = {line.item_sequence_number: line.committed for line in previous.lines.all()}
    for row, answer in answers:
        was = before.get(answer.item.sequence_number)
        now = answer.accepted + answer.backordered
        if was is None or now <= was:
            continue
        if was == 0:
            raise ShopCtrlError(
                f"Row {row.position} was rejected in the last acknowledgement and stays "
                "rejected: Amazon does not take it back."
            )
        raise ShopCtrlError(
            f"Row {row.position}: a new acknowledgement may only lower quantities "
            f"({was} were confirmed, this would confirm {now}). Credit the difference first."
        )


def _acknowledgement_moment(order: Order) -> datetime:
    """Now, in whole seconds (Amazon's precision), later than any earlier acknowledgement of
    this order: the moment identifies this acknowledgement in Amazon's PO status."""
    moment = timezone.now().replace(microsecond=0)
    last = (
        Acknowledgement.objects.filter(order=order)
        .order_by("-acknowledgement_date")
        .values_list("acknowledgement_date", flat=True)
        .first()
    )
    return max(moment, last + timedelta(seconds=1)) if last else moment


@transaction.atomic
def acknowledgement_request(
    *,
    actor: User | None,
    order: Order,
    decisions: Mapping[int, LineDecision] | None = None,
    origin: str = AckOrigin.MANUAL,
) -> Acknowledgement:
    """Write the acknowledgement of `order`'s PO to the outbox; it is sent after commit.

    `decisions` by row id; rows left out are accepted in full (less what is credited).
    Raises ShopCtrlError with the reason when the order cannot be acknowledged as asked.
    """
    order = Order.objects.select_for_update().select_related("main_status").get(pk=order.pk)
    connection = connection_for_acknowledging(order)
    blocker = acknowledgement_blocker(order, connection)
    if blocker:
        raise ShopCtrlError(blocker)
    apo, po = _purchase_order(order)
    _credit_down_to(actor, order, connection, decisions or {})
    answers = _answers(order, po, decisions or {})
    _check_against_previous(order, answers)
    moment = _acknowledgement_moment(order)
    try:
        payload = acknowledgement_json_for_po(po, [answer for _, answer in answers], moment)
    except ValueError as exc:
        raise ShopCtrlError(str(exc)) from None
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(
                shop_id=order.shop_id,
                order=order,
                purchase_order=apo,
                origin=origin,
                acknowledgement_date=moment,
                payload=payload,
                created_by=actor if actor and actor.is_authenticated else None,
            )
    except IntegrityError:  # the partial unique constraint: a concurrent request won
        raise ShopCtrlError("An acknowledgement of this order is on its way to Amazon.") from None
    AcknowledgementLine.objects.bulk_create(
        AcknowledgementLine(
            acknowledgement=ack,
            row=row,
            item_sequence_number=answer.item.sequence_number,
            accepted=answer.accepted,
            backordered=answer.backordered,
            rejected=answer.rejected,
            rejection_reason=answer.rejection_reason,
            scheduled_ship_date=answer.scheduled_ship_date,
            scheduled_delivery_date=answer.scheduled_delivery_date,
        )
        for row, answer in answers
    )
    audit_record(
        actor=actor,
        shop=order.shop,
        action="order.acknowledge",
        target=order,
        changes={
            "acknowledgement": [
                None,
                "; ".join(
                    f"#{row.position}: {a.accepted} accepted"
                    + (f", {a.backordered} backordered" if a.backordered else "")
                    + (f", {a.rejected} rejected ({a.rejection_reason})" if a.rejected else "")
                    for row, a in answers
                ),
            ]
        },
    )
    delay_on_commit(acknowledgement_send_task, ack.pk)
    return ack


@transaction.atomic
def acknowledgement_reject_all(
    *,
    actor: User,
    order: Order,
    rejection_reason: str = RejectionReason.TEMPORARILY_UNAVAILABLE,
) -> Acknowledgement:
    """Credit everything not yet credited and acknowledge the whole PO as rejected."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    connection = connection_for_acknowledging(order)
    blocker = acknowledgement_blocker(order, connection)
    if blocker:
        raise ShopCtrlError(blocker)
    if connection.credit_reason_rejected is None:
        raise ShopCtrlError(
            "Set the credit reason for rejected rows first (Amazon 1P settings › Order sync)."
        )
    for row in order.rows.all():
        remaining = row.quantity - (row.credit_rows.aggregate(total=Sum("quantity"))["total"] or 0)
        if remaining > 0:
            order_credit_row_add(
                actor=actor,
                order=order,
                row=row,
                quantity=remaining,
                reason=connection.credit_reason_rejected,
            )
    decision = LineDecision(rejection_reason=rejection_reason)
    return acknowledgement_request(
        actor=actor, order=order, decisions={row.pk: decision for row in order.rows.all()}
    )
