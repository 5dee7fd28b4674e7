"""Line-by-line acknowledgement with a quantity per line: a lower quantity credits the rest
itself (no credit row by hand first), the reason drop-down appears only where something is
rejected, and the product column reads the catalogue's title."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement, AckStatus
from orders.models import CreditRow, Product
from shops.models import AuditEntry
from tests.support.acknowledgements import deliver, fresh_order

pytestmark = pytest.mark.django_db


def _lines_post(order, per_row=None):
    """The form as the page posts it: every row at its full quantity unless overridden."""
    data = {}
    for row in order.rows.all():
        values = {"quantity": row.quantity, "mode": "accept", "reason": "TemporarilyUnavailable"}
        values.update((per_row or {}).get(row.position, {}))
        for name, value in values.items():
            data[f"{name}_{row.pk}"] = value
    return data


def _url(order):
    return reverse("amazon1p:acknowledge-lines", args=[order.shop_id, order.pk])


def test_a_lower_quantity_credits_the_rest_and_goes_out_rejected(
    connected, shop, admin_client, api
):
    order = fresh_order(shop, where=lambda po: po.items[0].ordered_quantity.eaches > 1)
    row = order.rows.get(position=1)
    less = row.case_size or 1
    response = admin_client.post(
        _url(order),
        _lines_post(order, {1: {"quantity": row.quantity - less, "reason": "ObsoleteProduct"}}),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]

    (credit,) = CreditRow.objects.filter(order=order)
    assert (credit.row_id, credit.quantity) == (row.pk, less)
    assert credit.reason == connected.credit_reason_rejected
    ack = Acknowledgement.objects.get(order=order)
    line = ack.lines.get(row=row)
    assert (line.accepted, line.rejected, line.rejection_reason) == (
        row.quantity - less,
        less,
        "ObsoleteProduct",
    )
    assert all(x.rejected == 0 for x in ack.lines.exclude(row=row))
    actions = set(
        AuditEntry.objects.filter(target_id=str(order.pk)).values_list("action", flat=True)
    )
    assert {"order.acknowledge", "order.credit_row.create"} <= actions
    assert deliver(ack, api).status == AckStatus.SUCCESS, ack.errors


def test_more_than_is_open_is_refused_at_the_field_and_nothing_is_credited(
    connected, shop, admin_client
):
    order = fresh_order(shop)
    row = order.rows.get(position=1)
    response = admin_client.post(
        _url(order), _lines_post(order, {1: {"quantity": row.quantity + 1}})
    )
    assert response.status_code == 400
    assert f"At most {row.quantity}" in response.content.decode()
    assert not CreditRow.objects.filter(order=order).exists()
    assert not Acknowledgement.objects.filter(order=order).exists()


def test_a_refused_acknowledgement_leaves_no_credit_row(connected, shop, admin_client):
    order = fresh_order(
        shop,
        where=lambda po: (
            po.items[0].ordered_quantity.eaches > 1 and not po.items[0].is_back_order_allowed
        ),
    )
    row = order.rows.get(position=1)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = admin_client.post(
        _url(order),
        _lines_post(
            order,
            {
                1: {
                    "quantity": row.quantity - (row.case_size or 1),
                    "mode": "backorder",
                    "ship": day,
                    "delivery": day,
                }
            },
        ),
    )
    assert response.status_code == 400
    assert "does not allow a backorder" in response.content.decode()
    assert not CreditRow.objects.filter(order=order).exists()  # rolled back with it


def test_form_shows_quantities_catalogue_titles_and_reasons_only_where_rejected(
    connected, shop, admin_client
):
    order = fresh_order(shop)
    row = order.rows.get(position=1)
    Product.objects.filter(shop=shop, asin=row.asin).update(title="Espresso cups, set of 6")
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    html = page.content.decode()
    assert f'name="quantity_{row.pk}"' in html and f'value="{row.quantity}"' in html
    assert "Espresso cups, set of 6" in html
    # Nothing credited, full quantity: the reason is hidden and says so.
    form = page.context["acknowledgement"].form
    assert all(not r.credited for r, _ in form.row_fields())
    assert html.count("data-reason hidden") == order.rows.count()
