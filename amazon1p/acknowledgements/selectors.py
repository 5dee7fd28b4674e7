"""Reads for the order page's acknowledgement panel."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from amazon1p.acknowledgements.forms import AcknowledgementLinesForm
from amazon1p.acknowledgements.models import Acknowledgement
from amazon1p.acknowledgements.rules import order_rule_findings
from amazon1p.acknowledgements.services import acknowledgement_blocker
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from orders.models import Order

HISTORY_SHOWN = 10


@dataclass
class AcknowledgementPanel:
    """What the panel shows: the acknowledgements so far (newest first), whether one is on
    its way (the panel then polls), and — for users who may — the buttons and the form, or
    why not."""

    acknowledgements: list[Acknowledgement]
    in_flight: bool
    can_acknowledge: bool
    blocker: str
    form: AcknowledgementLinesForm | None
    due_at: datetime | None = None  # Amazon's deadline, while an acknowledgement is owed
    rule_findings: list[str] | None = None  # why the automatic rule held this order

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at <= timezone.now()

    @property
    def latest(self) -> Acknowledgement | None:
        return self.acknowledgements[0] if self.acknowledgements else None


def order_acknowledgements(order: Order) -> list[Acknowledgement]:
    """The order's newest acknowledgements (at most HISTORY_SHOWN), newest first, each with
    its lines; each line gets its row from the order's rows (read once: the order page has
    them)."""
    acks = list(
        Acknowledgement.objects.filter(order=order)
        .select_related("created_by")
        .prefetch_related("lines")[:HISTORY_SHOWN]
    )
    rows = {row.pk: row for row in order.rows.all()} if acks else {}
    for ack in acks:
        for line in ack.lines.all():
            if line.row_id in rows:
                line.row = rows[line.row_id]
    return acks


def acknowledgement_panel(
    order: Order,
    *,
    may_acknowledge: bool,
    form: AcknowledgementLinesForm | None = None,
    purchase_order: AmazonPurchaseOrder | None = None,
    acknowledgements: list[Acknowledgement] | None = None,
    row_titles: Mapping[int, str] | None = None,
) -> AcknowledgementPanel:
    """The panel of an order made from an Amazon PO. The order page passes what it has read
    already: the PO, the acknowledgements (`order_acknowledgements`) and the catalogue's
    titles of the rows; else they are read here."""
    acks = order_acknowledgements(order) if acknowledgements is None else acknowledgements
    # Fewer than HISTORY_SHOWN: these are all of them, and one on its way is among them.
    in_flight = any(ack.in_flight for ack in acks)
    known_in_flight = in_flight if len(acks) < HISTORY_SHOWN else None
    po = purchase_order or AmazonPurchaseOrder.objects.filter(order=order).first()
    connection = AmazonConnection.objects.filter(shop_id=order.shop_id).first()
    if connection is None or not connection.enabled or not connection.acknowledge_orders:
        blocker = "Acknowledging is switched off in the Amazon 1P settings."
    else:
        blocker = acknowledgement_blocker(
            order, connection, purchase_order=po, in_flight=known_in_flight
        )
    can = may_acknowledge and not blocker
    if can and form is None:
        form = AcknowledgementLinesForm(order=order, titles=row_titles)
    due_at = po.ack_due_at if po else None
    findings = (
        order_rule_findings(order, connection, purchase_order=po, acknowledged=False)
        if connection and not acks and po
        else None
    )
    return AcknowledgementPanel(
        acks, in_flight, can, blocker, form if can else None, due_at, findings
    )
