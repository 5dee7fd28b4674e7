"""With a real Celery worker: the web buttons put an acknowledgement in the outbox, the worker
sends it and follows its transaction to Success; and in a real browser, a staff member
reduces one line with a credit row and accepts the order."""

import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from playwright.sync_api import expect

from amazon1p.acknowledgements.models import Acknowledgement, AckStatus
from shopctrl.celery import app
from shops.models import CreditReason
from tests.amazon1p_ack.conftest import acknowledgement_posts, fresh_order
from tests.factories import UserFactory, add_member
from tests.test_browser import browser_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w


def wait_for(ack_filter, status: str, seconds: float = 30) -> Acknowledgement:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ack = Acknowledgement.objects.filter(**ack_filter).first()
        if ack and ack.status == status:
            return ack
        time.sleep(0.1)
    raise AssertionError(f"no acknowledgement reached {status}: {ack_filter}")


def test_accept_button_is_sent_by_the_worker_once(connected, shop, admin_client, sim, worker):
    order = fresh_order(shop)

    response = admin_client.post(
        reverse("amazon1p:acknowledge-accept", args=[shop.pk, order.pk]), follow=True
    )
    assert "on its way to Amazon" in response.content.decode()
    ack = wait_for({"order": order}, AckStatus.SUCCESS)
    again = admin_client.post(
        reverse("amazon1p:acknowledge-accept", args=[shop.pk, order.pk]), follow=True
    )  # a second click after success: acknowledgeable again (status Acknowledged is allowed)

    assert ack.transaction_id
    assert again.status_code == 200
    wait_for({"order": order, "pk__gt": ack.pk}, AckStatus.SUCCESS)
    assert acknowledgement_posts(sim, order.number) == 2  # one per click, never more
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    assert 'data-ack-status="success"' in page.content.decode()


def test_staff_reduces_a_line_and_acknowledges_in_the_browser(
    live_server,
    connected,
    shop,
    sim,
    worker,
    browser_page,  # noqa: F811 (fixture)
):
    order = fresh_order(shop, where=lambda po: po.items[0].ordered_quantity.eaches > 1)
    row = order.rows.get(position=1)
    size = row.case_size or 1
    staff = UserFactory(username="warehouse-kim")
    staff.set_password("pw-Secret-123")
    staff.save()
    add_member(shop, staff, "Warehouse")  # orders.edit and orders.acknowledge, not settings
    page = browser_page

    page.goto(f"{live_server.url}/shops/{shop.pk}/orders/{order.pk}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", staff.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name=f"Order {order.number}", exact=True)).to_be_visible()

    # Reduce line 1 by one case with a credit row, then Accept.
    page.select_option("#id_row", str(row.pk))
    page.fill("#id_quantity", str(size))
    reason = CreditReason.objects.get(shop=shop, name="Rejected by Amazon")
    page.select_option("#id_reason", str(reason.pk))
    page.get_by_role("button", name="Add credit row").click()
    expect(page.get_by_text("Credit row added.")).to_be_visible()
    # Reject asks first (shopctrl/static/shopctrl/app.js, as CSP allows no onsubmit=):
    # dismissing the question sends nothing.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("[data-action=ack-reject]").click()
    expect(page.locator("[data-action=ack-accept]")).to_be_visible()
    assert questions == ["Credit every row and reject the whole PO at Amazon?"]
    assert not Acknowledgement.objects.filter(order=order).exists()
    page.locator("[data-action=ack-accept]").click()
    expect(page.get_by_text("Acknowledgement written; it is on its way")).to_be_visible()
    # The panel polls (htmx) until Amazon decides.
    expect(page.locator("[data-ack-status]")).to_have_attribute(
        "data-ack-status", "success", timeout=30_000
    )

    ack = Acknowledgement.objects.get(order=order)
    line = ack.lines.get(row=row)
    assert (line.accepted, line.rejected) == (row.quantity - size, size)
    assert ack.created_by == staff
