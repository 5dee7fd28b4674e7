"""The demo's cockpit history includes Amazon's receipts, so receiving metrics show data."""

from django.urls import reverse

from cockpit.demo import cockpit_demo_history
from cockpit.models import DailyFc
from receiving.models import LineReceipt, OrderReceiving, ReceiveStatus
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
