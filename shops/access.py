"""Access helpers: the only way views load shop-owned objects.

Each helper returns the object only when the user is a member of its shop and holds the
named permission there. Another shop's object (or a shop the user is not in) is a 404, so
its existence does not leak; a member without the permission gets a 403.
"""

import json
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from shops.models import Alert, Membership, Role, Shop
from shops.permissions import Perm

M = TypeVar("M", bound=models.Model)


class SecondFactorRequired(Exception):
    """The shop requires two-factor sign-in and this session has not passed it.

    `accounts.middleware` turns it into a redirect to the code page (or to set-up).
    """

    def __init__(self, shop: Shop) -> None:
        super().__init__(f"{shop.name} requires two-factor sign-in.")
        self.shop = shop


def permissions_for(request: HttpRequest, shop: Shop) -> frozenset[str]:
    """The union of the user's role permissions in `shop`, cached on the request."""
    cache: dict[int, frozenset[str]] = request.__dict__.setdefault("_shop_permissions", {})
    user = request.user
    if not user.is_authenticated:  # views call this behind login; a visitor holds nothing
        return frozenset()
    if shop.pk not in cache:
        roles = Role.objects.filter(memberships__shop=shop, memberships__user=user)
        cache[shop.pk] = frozenset(code for role in roles for code in role.permissions)
    return cache[shop.pk]


# The user's shops by name, one row per role the user holds there (None: no role). The
# roles are joined through the user's own membership row, never another member's. Table
# names are Django's defaults; the tests of shop_for_user fail if one changes.
_SHOPS_WITH_PERMISSIONS_SQL = """
SELECT s.*, r.permissions AS role_permissions
FROM shops_shop s
JOIN shops_membership m ON m.shop_id = s.id
LEFT JOIN shops_membership_roles mr ON mr.membership_id = m.id
LEFT JOIN shops_role r ON r.id = mr.role_id
WHERE m.user_id = %s
ORDER BY s.name, s.id
"""


def _shops_with_permissions(user_id: int) -> list[Shop]:
    """The shops `user_id` is a member of, by name, one row per role the user holds there
    (`role_permissions`: that role's codes; None for a membership without roles).

    One query serves a shop page's access check (the shop and the user's permissions
    there) and the layout's shop switcher (the user's shops). Written in SQL because every
    shop page and htmx request runs it: the ORM spent about 0.8 ms of CPU compiling the
    same query (select_related, an m2m annotation, ordering), several times running it.
    """
    shops = list(Shop.objects.raw(_SHOPS_WITH_PERMISSIONS_SQL, [user_id]))
    for shop in shops:
        codes = shop.role_permissions  # type: ignore[attr-defined]  # selected with the row
        if isinstance(codes, str):  # drivers without a JSON type (SQLite) hand back text
            shop.role_permissions = json.loads(codes)  # type: ignore[attr-defined]
    return shops


def shop_for_user(request: HttpRequest, shop_id: int, perm: Perm) -> Shop:
    """The shop, if the user is a member holding `perm`; 404 for non-members, 403 otherwise.

    Also records on the request, for the layout: the shop (its navigation), the user's
    permissions there, and the shops the user may switch to. One query.
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404
    rows = _shops_with_permissions(user.pk)
    here = [row for row in rows if row.pk == int(shop_id)]
    if not here:
        raise Http404("No Shop matches the given query.")
    shop = here[0]
    if shop.require_mfa and not getattr(user, "is_verified", lambda: False)():
        raise SecondFactorRequired(shop)
    permissions = frozenset(
        code
        for row in here
        for code in (row.role_permissions or ())  # type: ignore[attr-defined]  # selected
    )
    request.__dict__.setdefault("_shop_permissions", {})[shop.pk] = permissions
    request.shop = shop  # type: ignore[attr-defined]
    request.shop_permissions = permissions  # type: ignore[attr-defined]
    request.switchable_shops = list({row.pk: row for row in rows}.values())  # type: ignore[attr-defined]
    if perm not in permissions:
        raise PermissionDenied(f"You need the “{perm.label}” permission in {shop.name}.")
    return shop


def shop_object_for_user(
    request: HttpRequest, model: type[M], *, shop_id: int, pk: int, perm: Perm
) -> M:
    """A row of `model` that belongs to the shop in the URL, under `shop_for_user` rules."""
    shop = shop_for_user(request, shop_id, perm)
    return get_object_or_404(model, pk=pk, shop=shop)


def membership_for_user(request: HttpRequest, *, shop_id: int, pk: int) -> Membership:
    return shop_object_for_user(
        request, Membership, shop_id=shop_id, pk=pk, perm=Perm.MEMBERS_MANAGE
    )


def role_for_user(request: HttpRequest, *, shop_id: int, pk: int) -> Role:
    return shop_object_for_user(request, Role, shop_id=shop_id, pk=pk, perm=Perm.MEMBERS_MANAGE)


def alert_for_user(request: HttpRequest, *, shop_id: int, pk: int) -> Alert:
    return shop_object_for_user(request, Alert, shop_id=shop_id, pk=pk, perm=Perm.SHOP_VIEW)


# How a request reaches each model of our apps. tests/test_access_coverage.py fails when a
# model is missing here, so no new model can bypass the access rules unnoticed.
ACCESS_RULES: dict[str, str] = {
    "shops.shop": "shop_for_user",
    "shops.vattariff": "shop_object_for_user (settings lists)",
    "shops.paymenttype": "shop_object_for_user (settings lists)",
    "shops.orderstatus": "shop_object_for_user (settings lists)",
    "shops.paymentstatus": "shop_object_for_user (settings lists)",
    "shops.creditreason": "shop_object_for_user (settings lists)",
    "shops.role": "role_for_user",
    "shops.membership": "membership_for_user",
    "shops.alert": "alert_for_user",
    "shops.alertitem": "through its alert (alert_for_user); the orders grid filters by it",
    "shops.auditentry": "shop_for_user (audit log page, shop.configure)",
    "shops.invitation": "shop_for_user(members.manage) for the shop; its addressee by user name",
    "shops.securityevent": "shop_for_user(security.manage): the security log page",
    "orders.order": "orders.access.order_for_user",
    "orders.orderrow": "through its order (order_for_user)",
    "orders.creditrow": "through its order (order_for_user)",
    "orders.orderparameter": "through its order (order_for_user)",
    "orders.product": "shop_object_for_user: the Products page (shop.view; shop.configure edits)",
    "orders.productasin": "through its product (shown on the Products page)",
    "bulkbuy.offer": "bulkbuy.access.offer_for_user (offers.view; offers.add uploads)",
    "bulkbuy.offerrow": "through its offer (offer_for_user)",
    "bulkbuy.offerstagelook": "through its offer (offer_for_user; stage permissions)",
    "bulkbuy.offerevent": "through its offer (offer_for_user, offers.view: the history)",
    "bulkbuy.orderlink": "through its order (order_for_user) or offer (offer_for_user)",
    "bulkbuy.orderlinkline": "through its order link (order page, offer Orders tab)",
    "amazon1p.amazonconnection": "shop_for_user(sync.configure): the Amazon 1P settings page",
    "amazon1p.statusmapping": "through the shop's connection (settings page)",
    "amazon1p.fulfillmentcenter": "through the shop's connection (settings page)",
    "amazon1p.syncrun": "shop_for_user: the sync runs page",
    "amazon1p.syncrunerror": "through its run (sync runs page)",
    "amazon1p.synccursor": "internal to the sync; no page shows it",
    "amazon1p.amazonpurchaseorder": "through its order (order_for_user)",
    "amazon1p.amazonpurchaseorderversion": "through its order (order_for_user)",
    "amazon1p.acknowledgement": "through its order (order_for_user, orders.acknowledge)",
    "amazon1p.acknowledgementline": "through its acknowledgement's order (order_for_user)",
    "shops.apitoken": "shop_for_user(sync.configure): the API tokens page; the API by hash",
    "amazon1p.pickimport": "shop_for_user: the pick imports page; the API by its token's shop",
    "amazon1p.pickimportorder": "through its pick import (pick imports page)",
    "asn.warehouse": "shop_for_user(sync.configure): the warehouses page",
    "asn.groupshipment": "shop_for_user (shop.view to see, shipments.manage to change)",
    "asn.shipment": "through its group shipment",
    "asn.shipmentline": "through its group shipment",
    "asn.container": "through its group shipment",
    "asn.placement": "through its group shipment",
    "asn.ssccrecord": "internal to SSCC allocation; no page shows it",
    "asn.sscccounter": "internal to SSCC allocation; no page shows it",
    "asn.documenttemplate": "shop_for_user(sync.configure): the document templates page",
    "asn.asnsubmission": "through its group shipment (the ASN panel)",
    "asn.packimport": "shop_for_user: the pack imports list; the API by its token's shop",
    "ops.heartbeat": "site-wide, no shop: only staff see it (the Operations page, /readyz)",
    "cockpit.orderfact": "shop_for_user(shop.view): cockpit figures and the grid's drill-down",
    "cockpit.dailyfc": "shop_for_user(shop.view): the cockpit page and its CSV exports",
    "cockpit.dailyproduct": "shop_for_user(shop.view): the cockpit page and its CSV exports",
    "cockpit.weeklyfc": "shop_for_user(shop.view): the cockpit page (its weekly view)",
    "cockpit.weeklysummary": "internal to the weekly e-mail; no page shows it",
    "receiving.linereceipt": "through its order (order_for_user) or the receiving pages",
    "receiving.linereceiptchange": "internal history of a line receipt; no page shows it yet",
    "receiving.orderreceiving": "through its order (order_for_user) or the receiving pages",
    "invoicing.invoicesettings": "shop_for_user(shop.configure): the invoicing settings page",
    "invoicing.invoice": "shop_object_for_user: the invoice pages (shop.view; shop.configure acts)",
    "invoicing.invoiceline": "through its invoice (the invoice page)",
    "invoicing.invoiceadjustment": "through its invoice (the invoice page adds and removes them)",
    "invoicing.invoicesubmission": "through its invoice (the invoice page shows Amazon's answer)",
}
