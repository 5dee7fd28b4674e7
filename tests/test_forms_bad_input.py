"""Bad input on every form: a field error on the page, and nothing changes in the database."""

import pytest
from django.urls import reverse

from orders.models import CreditRow, OrderParameter
from shops.models import (
    AuditEntry,
    CreditReason,
    Membership,
    OrderStatus,
    PaymentStatus,
    PaymentType,
    Role,
    Shop,
    VatTariff,
)


def _state(shop) -> tuple:
    """A fingerprint of everything the forms could change."""
    shop = Shop.objects.get(pk=shop.pk)
    return (
        shop.name,
        shop.currency,
        shop.country,
        shop.address_format,
        shop.name_format,
        list(VatTariff.objects.filter(shop=shop).values_list("name", "rate", "is_default")),
        list(PaymentType.objects.filter(shop=shop).values_list("name", "code")),
        list(
            OrderStatus.objects.filter(shop=shop).values_list("name", "base_status", "is_default")
        ),
        list(PaymentStatus.objects.filter(shop=shop).values_list("name", "is_default")),
        list(CreditReason.objects.filter(shop=shop).values_list("name", flat=True)),
        list(Role.objects.filter(shop=shop).values_list("name", "permissions")),
        list(Membership.objects.filter(shop=shop).values_list("user__username", "roles__name")),
        CreditRow.objects.count(),
        OrderParameter.objects.count(),
        Shop.objects.count(),
        AuditEntry.objects.count(),
    )


def _edit(name, model, lookup):
    return (
        name,
        lambda s, o, v: reverse(name, args=[s.pk, model.objects.get(shop=s, **lookup).pk]),
    )


CASES = [
    # (url name, url builder, bad data, field that must carry the error)
    (
        "shops:shop-list",
        lambda s, o, v: reverse("shops:shop-list"),
        {"name": "X", "currency": "euro", "country": "DE"},
        "currency",
    ),
    ("shops:settings-general", None, {"name": "", "currency": "EUR", "country": "DE"}, "name"),
    ("shops:settings-general", None, {"name": "A", "currency": "EUR", "country": "DEU"}, "country"),
    (
        "shops:settings-contact-info",
        None,
        {"address_format": "both", "name_format": "single"},
        "address_format",
    ),
    ("shops:vat-tariff-list", None, {"name": "Luxury", "rate": "120"}, "rate"),
    ("shops:vat-tariff-list", None, {"name": "Standard", "rate": "5"}, "name"),  # duplicate
    ("shops:payment-type-list", None, {"name": "Cash", "code": "not a slug!"}, "code"),
    (
        "shops:order-status-list",
        None,
        {"name": "Odd", "base_status": "weird", "position": 1},
        "base_status",
    ),
    ("shops:payment-status-list", None, {"name": "", "base_status": "paid", "position": 1}, "name"),
    ("shops:credit-reason-list", None, {"name": "Damaged"}, "name"),  # duplicate
    (
        *_edit("shops:vat-tariff-edit", VatTariff, {"name": "Standard"}),
        {"name": "Standard", "rate": "19", "is_default": ""},
        "is_default",
    ),  # unsetting default
    (
        *_edit("shops:order-status-edit", OrderStatus, {"name": "Shipped"}),
        {"name": "New", "base_status": "finished", "position": 3},
        "name",
    ),  # duplicate
    ("shops:member-list", None, {"username": "nobody-here", "roles": []}, "roles"),
    ("shops:member-list", "roles", {"username": "viewer"}, "username"),  # already a member
    ("shops:member-edit", "viewer", {"roles": []}, "roles"),
    ("shops:member-edit", "owner", {"roles": ["commerce"]}, "roles"),  # last owner admin
    ("shops:role-list", None, {"name": "Viewer", "permissions": ["shop.view"]}, "name"),
    ("shops:role-list", None, {"name": "Custom", "permissions": ["launch.rockets"]}, "permissions"),
    (
        "orders:credit-row-add",
        "order",
        {"row": "first", "quantity": "13", "reason": "any"},
        "quantity",
    ),
    (
        "orders:credit-row-add",
        "order",
        {"row": "first", "quantity": "0", "reason": "any"},
        "quantity",
    ),
    ("orders:parameter-set", "order", {"key": "", "value": "x"}, "key"),
]


def _resolve(case_url, name, shop, order, viewer_membership):
    if callable(case_url):
        return case_url(shop, order, viewer_membership)
    if case_url == "order":
        return reverse(name, args=[shop.pk, order.pk])
    if case_url == "viewer":
        return reverse(name, args=[shop.pk, viewer_membership.pk])
    if case_url == "owner":
        owner = Membership.objects.get(shop=shop, user__username="owner")
        return reverse(name, args=[shop.pk, owner.pk])
    return reverse(name, args=[shop.pk])


def _fill(data: dict, shop, order) -> dict:
    """Turn symbolic choices into real ids of this shop."""
    data = dict(data)
    if data.get("row") == "first":
        data["row"] = order.rows.first().pk
    if data.get("reason") == "any":
        reason = CreditReason.objects.filter(shop=shop).first()
        assert reason is not None
        data["reason"] = reason.pk
    if data.get("roles") == ["commerce"]:
        data["roles"] = [Role.objects.get(shop=shop, name="Commerce").pk]
    if "username" in data and "roles" not in data:
        data["roles"] = [Role.objects.get(shop=shop, name="Viewer").pk]
    return data


@pytest.mark.parametrize(("name", "case_url", "data", "field"), CASES)
def test_bad_input_shows_field_error_and_changes_nothing(
    name, case_url, data, field, admin_client, shop, order, viewer_user
):
    viewer_membership = Membership.objects.get(shop=shop, user=viewer_user)
    url = _resolve(case_url, name, shop, order, viewer_membership)
    before = _state(shop)

    response = admin_client.post(url, _fill(data, shop, order))

    assert response.status_code == 400
    form = next(
        f
        for key in ("form", "credit_form", "parameter_form")
        if (f := response.context.get(key)) is not None and f.errors
    )
    assert field in form.errors, form.errors
    assert _state(shop) == before


def test_posting_to_another_shops_object_is_404(admin_client, shop, other_shop, other_order):
    foreign_tariff = VatTariff.objects.filter(shop=other_shop).last()
    before = _state(other_shop)

    for url, data in [
        # Another shop's id in the URL ...
        (
            reverse("shops:vat-tariff-edit", args=[other_shop.pk, foreign_tariff.pk]),
            {"name": "Hacked", "rate": "1"},
        ),
        (reverse("shops:vat-tariff-delete", args=[other_shop.pk, foreign_tariff.pk]), {}),
        (
            reverse("orders:parameter-set", args=[other_shop.pk, other_order.pk]),
            {"key": "k", "value": "v"},
        ),
        # ... or our own shop's id with the other shop's object.
        (
            reverse("shops:vat-tariff-edit", args=[shop.pk, foreign_tariff.pk]),
            {"name": "Hacked", "rate": "1"},
        ),
        (
            reverse("orders:credit-row-add", args=[shop.pk, other_order.pk]),
            {
                "row": other_order.rows.first().pk,
                "quantity": 1,
                "reason": CreditReason.objects.filter(shop=other_shop).first().pk,
            },
        ),
    ]:
        assert admin_client.post(url, data).status_code == 404, url
    assert _state(other_shop) == before


def test_credit_reason_of_another_shop_is_refused(admin_client, shop, order, other_shop):
    foreign_reason = CreditReason.objects.filter(shop=other_shop).first()
    response = admin_client.post(
        reverse("orders:credit-row-add", args=[shop.pk, order.pk]),
        {"row": order.rows.first().pk, "quantity": 1, "reason": foreign_reason.pk},
    )
    assert response.status_code == 400
    assert "reason" in response.context["credit_form"].errors
    assert not CreditRow.objects.exists()
