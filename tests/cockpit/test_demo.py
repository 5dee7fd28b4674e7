"""The demo's cockpit history includes Amazon's receipts, so receiving metrics show data."""

from django.urls import reverse
from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement, AckStatus
from asn.demo import asn_demo_warehouse
from asn.models import Warehouse
from cockpit.demo import PREFIX, cockpit_demo_history
from cockpit.models import DailyFc
from cockpit.selectors import PERIODS
from orders.models import Order
from receiving.models import LineReceipt, OrderReceiving, ReceiveStatus
from receiving.selectors import reconcile
from receiving.services import shortage_alerts_raise
from shops.models import Alert
from tests.support.web import web_client_for


def test_demo_history_receives_shipments_so_fill_rate_shows(admin_user, shop):
    cockpit_demo_history(shop=shop, weeks=4, per_day=3)
    receipts = LineReceipt.objects.filter(shop=shop)
    assert receipts.count() > 20
    statuses = set(receipts.values_list("receive_status", flat=True))
    assert ReceiveStatus.RECEIVED in statuses
    assert OrderReceiving.objects.filter(shop=shop, fully_received=True).exists()
    days = DailyFc.objects.filter(shop=shop, received_ordered__gt=0)
    assert days.count() > 5
    assert sum(d.units_received for d in days) < sum(d.received_shipped for d in days)  # short

    response = web_client_for(admin_user).get(reverse("cockpit:dashboard", args=[shop.pk]))
    receiving = {c["key"]: c for c in response.context["chart_data"]}["receiving"]
    fill, accuracy = (s["values"] for s in receiving["series"])
    assert sum(v is not None for v in fill) >= 2
    assert all(v is None or 0 < v <= 100 for v in fill)
    assert any(v is not None and v < 100 for v in accuracy)


def test_demo_history_leaves_the_newcomer_nothing_that_only_fails(shop):
    """The simulator does not know the history's POs: none is left to acknowledge, the
    orders' statuses say where each stands, its shortages do not flood the alerts, and its
    shipments leave from the demo's one warehouse."""
    cockpit_demo_history(shop=shop, weeks=4, per_day=3)
    history = Order.objects.filter(shop=shop, number__startswith=PREFIX)
    assert history.count() == 4 * 7 * 3

    assert not history.exclude(acknowledgements__status=AckStatus.SUCCESS).exists()
    assert not Acknowledgement.objects.filter(
        order__in=history, acknowledgement_date__gt=timezone.now()
    ).exists()

    status_of = dict(history.values_list("number", "main_status__name"))
    assert "New" not in status_of.values()
    received = OrderReceiving.objects.filter(order__in=history)
    assert set(
        received.filter(fully_received=True).values_list("order__main_status__name", flat=True)
    ) == {"Completed"}
    assert set(
        received.filter(fully_received=True).values_list("order__payment_status__name", flat=True)
    ) == {"Paid"}
    assert "Acknowledged" in status_of.values()

    short = [r for r in reconcile(list(history)) if r.at_risk]
    assert short  # Amazon reported shortages back then ...
    assert shortage_alerts_raise(shop=shop, now=timezone.now(), grace_days=0) == 0  # ... alerted
    assert not Alert.objects.filter(shop=shop).exists()

    assert list(Warehouse.objects.filter(shop=shop).values_list("code", flat=True)) == [
        asn_demo_warehouse(shop=shop).code
    ]


def test_demo_history_fills_every_week_the_cockpit_shows(admin_user, shop):
    cockpit_demo_history(shop=shop, per_day=1)

    response = web_client_for(admin_user).get(reverse("cockpit:dashboard", args=[shop.pk]))

    confirmation = {c["key"]: c for c in response.context["chart_data"]}["confirmation"]
    values = confirmation["series"][0]["values"]
    assert len(values) == PERIODS["week"]
    assert all(v is not None for v in values), values
