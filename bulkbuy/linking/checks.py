"""Checking one order: decide its purchase type under the locks, store what changed,
raise the Undefined alert, and acknowledge a linked order when the shop asks for it."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement, AckOrigin
from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from bulkbuy.linking.facts import (
    Facts,
    facts_of,
    lock_offers,
    locked_order,
    min_days_ahead,
    offer_slots,
    require_amazon,
    used_quantities,
)
from bulkbuy.matching import Slot, Verdict, classify, slot_verdict
from bulkbuy.models import Offer, OfferStatus, OrderLink, OrderLinkLine
from core.errors import ShopCtrlError
from orders.models import Order, PurchaseType
from shops.audit import audit_record
from shops.models import Alert, AlertKind, AlertSeverity
from shops.services import alert_raise


class LinkRefusedError(ShopCtrlError):
    """The order does not fit the chosen offer stage; `discrepancies` say why. Nothing
    was changed."""

    def __init__(self, message: str, *, discrepancies: Sequence[str]) -> None:
        super().__init__(message)
        self.discrepancies = list(discrepancies)


@dataclass(frozen=True)
class LinkOutcome:
    purchase_type: str
    offer_name: str
    stage: int | None
    discrepancies: tuple[str, ...]
    changed: bool


def _decide(order: Order, link: OrderLink | None, facts: Facts) -> tuple[str, Verdict | None, bool]:
    """(purchase type, the verdict behind it, whether it is the hand-made link kept)."""
    slots = offer_slots(order, facts.lines, facts.window)
    kept: list[Slot] = []
    if link and link.by_hand and link.offer_id and link.stage and link.po_hash == facts.po_hash:
        kept = offer_slots(order, facts.lines, facts.window, only=(link.offer_id, link.stage))
    lock_offers(s.offer_id for s in (*slots, *kept))
    used = used_quantities([*slots, *kept], order.pk)
    args = facts.verdict_args(order)
    for slot in kept:
        kept_verdict = slot_verdict(
            slot=slot, min_days_ahead=None, used=used.get((slot.offer_id, slot.stage), {}), **args
        )
        if kept_verdict.fits:
            return PurchaseType.BULK_BUY, kept_verdict, True
    purchase_type, verdict = classify(
        slots=slots, min_days_ahead=min_days_ahead(order.shop_id), used=used, **args
    )
    return purchase_type, verdict, False


def _state(link: OrderLink | None) -> tuple:
    if link is None:
        return (None, None, [], False, None, [])
    takes = sorted(link.lines.values_list("order_row_id", "offer_row_id", "quantity"))
    return (link.offer_id, link.stage, link.discrepancies, link.by_hand, link.po_hash, takes)


def _label(offer_name: str | None, stage: int | None) -> str | None:
    return f"{offer_name} stage {stage}" if offer_name else None


def _alert_undefined(order: Order, verdict: Verdict) -> None:
    """One alert per distinct set of discrepancies: a re-check that finds the same ones
    raises nothing new."""
    message = (
        f"PO {order.number} partly matches Bulk Buy {verdict.slot.label} and was not linked: "
        + "; ".join(verdict.discrepancies)
        + ". Credit what does not fit and re-check, or link it by hand."
    )
    order_type = ContentType.objects.get_for_model(Order)
    if Alert.objects.filter(
        target_type=order_type, target_id=str(order.pk), message=message
    ).exists():
        return
    alert_raise(
        shop=order.shop,
        severity=AlertSeverity.WARNING,
        message=message,
        target=order,
        kind=AlertKind.OFFER,
    )


def _acknowledge(order: Order) -> str:
    """Acknowledge a linked order in full if the shop asks for it; why not, otherwise.

    Never twice: only a New PO without any acknowledgement (by hand, by rule, by picks or by
    an earlier link) qualifies. The outbox row is written in the caller's transaction and
    sent after commit, so a link and its acknowledgement stand or fall together.
    """
    connection = AmazonConnection.objects.filter(shop_id=order.shop_id).first()
    if connection is None or not connection.auto_acknowledge_bulk_buy:
        return ""
    if Acknowledgement.objects.filter(order=order).exists():
        return ""
    state = AmazonPurchaseOrder.objects.filter(order=order).values_list("state", flat=True)
    if state.first() != "New":
        return "Not acknowledged automatically: the PO is not New at Amazon."
    try:
        acknowledgement_request(actor=None, order=order, origin=AckOrigin.BULK_BUY)
    except ShopCtrlError as error:
        return f"Not acknowledged automatically: {error.message}"[:500]
    return ""


def _store(
    order: Order,
    link: OrderLink | None,
    purchase_type: str,
    verdict: Verdict | None,
    facts: Facts,
    *,
    linked_by: User | None = None,
    by_hand: bool = False,
    actor: User | None = None,
) -> LinkOutcome:
    """Write the outcome if it differs from what is stored; acknowledge a linked order.

    `by_hand` with `linked_by`: a link a person made (now, or earlier and kept)."""
    slot = verdict.slot if purchase_type == PurchaseType.BULK_BUY and verdict else None
    discrepancies = list(verdict.discrepancies) if verdict and slot is None else []
    takes = (
        sorted((t.order_row_id, t.offer_row_id, t.quantity) for t in verdict.takes)
        if (slot and verdict)
        else []
    )
    new_state = (
        slot.offer_id if slot else None,
        slot.stage if slot else None,
        discrepancies,
        by_hand,
        facts.po_hash,
        takes,
    )
    old_type = order.purchase_type
    changed = _state(link) != new_state or old_type != purchase_type
    if changed:
        old_label = _label(link.offer.name, link.stage) if link and link.offer else None
        new_label = _label(slot.offer_name, slot.stage) if slot else None
        old_by_hand = bool(link and link.by_hand)
        link, _ = OrderLink.objects.update_or_create(
            order=order,
            defaults={
                "offer_id": new_state[0],
                "stage": new_state[1],
                "discrepancies": discrepancies,
                "po_hash": facts.po_hash,
                "by_hand": by_hand,
                "linked_by": linked_by if by_hand else None,
                "checked_at": timezone.now(),
                "acknowledgement_note": "",
            },
        )
        OrderLinkLine.objects.filter(link=link).delete()
        if slot is not None:
            OrderLinkLine.objects.bulk_create(
                OrderLinkLine(
                    link=link,
                    order_row_id=row_id,
                    offer_row_id=offer_row_id,
                    stage=slot.stage,
                    quantity=quantity,
                )
                for row_id, offer_row_id, quantity in takes
            )
        Order.objects.filter(pk=order.pk).update(purchase_type=purchase_type)
        if purchase_type == PurchaseType.UNDEFINED and verdict is not None:
            _alert_undefined(order, verdict)
        if actor is not None or old_label != new_label:
            audit_record(
                actor=actor,
                shop=order.shop,
                action="order.offer_link",
                target=order,
                changes={
                    "purchase_type": [old_type, purchase_type],
                    "offer": [old_label, new_label],
                    "by_hand": [old_by_hand, by_hand],
                },
            )
    if slot is not None and link is not None:
        note = _acknowledge(order)
        if note != link.acknowledgement_note:
            OrderLink.objects.filter(pk=link.pk).update(acknowledgement_note=note)
    return LinkOutcome(
        purchase_type=purchase_type,
        offer_name=slot.offer_name if slot else "",
        stage=slot.stage if slot else None,
        discrepancies=tuple(discrepancies),
        changed=changed,
    )


def _current_link(order: Order) -> OrderLink | None:
    return (
        OrderLink.objects.filter(order=order)
        .select_related("offer", "linked_by")
        .defer("offer__source_file")
        .first()
    )


def order_check_locked(order: Order, *, actor: User | None) -> LinkOutcome:
    """Classify the locked order and store the outcome. Call inside its transaction."""
    link = _current_link(order)
    facts = facts_of(order)
    purchase_type, verdict, kept = _decide(order, link, facts)
    return _store(
        order,
        link,
        purchase_type,
        verdict,
        facts,
        by_hand=kept,
        linked_by=link.linked_by if kept and link else None,
        actor=actor,
    )


# --- On demand ----------------------------------------------------------------------------


def order_link_check(*, order_id: int, actor: User | None = None) -> LinkOutcome:
    """Check one Amazon order against the completed offers now ("Re-check link").

    Side effects: the order's purchase type, its OrderLink and lines, an alert when it turns
    Undefined with new discrepancies, an audit entry, and an acknowledgement of a linked
    order when the shop asks for it. Idempotent: a second check finds the same outcome and
    writes nothing. Waits for a concurrent check of the same order.
    """
    with transaction.atomic():
        order = locked_order(order_id)
        if order is None:
            raise ShopCtrlError("The order no longer exists.")
        require_amazon(order)
        return order_check_locked(order, actor=actor)


def order_link_by_hand(*, actor: User, order_id: int, offer_id: int, stage: int) -> LinkOutcome:
    """Link an order to a delivery stage of a completed offer, as staff chose ("Link to
    offer"), typically after crediting what did not fit.

    Every rule applies except the minimum days ahead. When the order still does not fit,
    raises LinkRefusedError with each discrepancy and changes nothing. Side effects as
    `order_link_check`; the link is marked as made by hand (by `actor`). Idempotent: linking
    again to the same stage changes nothing.
    """
    if stage not in (1, 2):
        raise ShopCtrlError("Choose delivery stage 1 or 2.", field="stage")
    with transaction.atomic():
        order = locked_order(order_id)
        if order is None:
            raise ShopCtrlError("The order no longer exists.")
        require_amazon(order)
        offer = (
            Offer.objects.select_for_update()
            .defer("source_file")
            .filter(pk=offer_id, shop_id=order.shop_id)
            .first()
        )
        if offer is None or offer.status != OfferStatus.COMPLETED:
            raise ShopCtrlError("Choose a completed offer of this shop.", field="offer")
        facts = facts_of(order)
        (slot,) = offer_slots(order, facts.lines, facts.window, only=(offer.pk, stage))
        used = used_quantities([slot], order.pk).get((offer.pk, stage), {})
        verdict = slot_verdict(
            slot=slot, min_days_ahead=None, used=used, **facts.verdict_args(order)
        )
        if not verdict.fits:
            raise LinkRefusedError(
                f"Order {order.number} does not fit {slot.label}; nothing was changed.",
                discrepancies=verdict.discrepancies,
            )
        return _store(
            order,
            _current_link(order),
            PurchaseType.BULK_BUY,
            verdict,
            facts,
            by_hand=True,
            linked_by=actor,
            actor=actor,
        )
