"""Reads for the order page's acknowledgement panel."""

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


def acknowledgement_panel(
    order: Order, *, may_acknowledge: bool, form: AcknowledgementLinesForm | None = None
) -> AcknowledgementPanel:
    acks = list(
        Acknowledgement.objects.filter(order=order)
        .select_related("created_by")
        .prefetch_related("lines__row")[:HISTORY_SHOWN]
    )
    in_flight = any(ack.in_flight for ack in acks)
    connection = AmazonConnection.objects.filter(shop_id=order.shop_id).first()
    if connection is None or not connection.enabled or not connection.acknowledge_orders:
        blocker = "Acknowledging is switched off in the Amazon 1P settings."
    else:
        blocker = acknowledgement_blocker(order, connection)
    can = may_acknowledge and not blocker
    if can and form is None:
        form = AcknowledgementLinesForm(order=order)
    due_at = (
        AmazonPurchaseOrder.objects.filter(order=order).values_list("ack_due_at", flat=True).first()
    )
    findings = order_rule_findings(order, connection) if connection and not acks else None
    return AcknowledgementPanel(
        acks, in_flight, can, blocker, form if can else None, due_at, findings
    )
