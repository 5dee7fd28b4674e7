"""Every route × {anonymous, viewer, admin of this shop, admin of another shop}.

A route missing from MATRIX fails `test_matrix_covers_every_route`, so a new page cannot
ship without saying who may open it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orders.catalogue import products_fill_from_rows
from orders.models import Product
from shops.models import Alert, AlertSeverity, Invitation, Membership, Role
from shops.services import alert_raise
from shops.settings_collections import COLLECTIONS
from tests.support.offers import make_offer
from tests.support.web import web_client_for

ANON, VIEWER, ADMIN, OTHER = "anonymous", "viewer", "admin", "other_admin"
PERSONAS = (ANON, VIEWER, ADMIN, OTHER)


def codes(anon: int, viewer: int, admin: int, other: int) -> dict[str, int]:
    return {ANON: anon, VIEWER: viewer, ADMIN: admin, OTHER: other}


# Shop-scoped pages: outsiders get 404 (existence does not leak), members lacking the
# permission 403, anonymous users go to the login page.
VIEW = codes(302, 200, 200, 404)
CONFIGURE = codes(302, 403, 200, 404)
CONFIGURE_POST_EMPTY = codes(302, 403, 400, 404)  # empty form: field errors, nothing saved
MUTATE = codes(302, 403, 302, 404)  # POST-only action that redirects back
ALL_BACK = codes(302, 302, 302, 302)  # the user's own action: refused with a message, back

MATRIX: dict[str, list[tuple[str, dict[str, int]]]] = {
    "home": [("get", codes(302, 302, 302, 302))],
    "healthz": [("get", codes(200, 200, 200, 200))],
    "favicon": [("get", codes(302, 302, 302, 302))],  # to the static file, for everyone
    "livez": [("get", codes(200, 200, 200, 200))],
    "readyz": [("get", codes(503, 503, 503, 503))],  # beat never ticked here (tests/ops)
    "metrics": [("get", codes(404, 404, 404, 404))],  # no METRICS_TOKEN: off (tests/ops)
    # the Operations page: Django staff only, site-wide (none of these personas is staff)
    "ops:operations": [("get", codes(302, 403, 403, 403))],
    "ops:run-requeue": [("post", codes(302, 403, 403, 403))],
    "ops:acknowledgement-requeue": [("post", codes(302, 403, 403, 403))],
    "ops:asn-requeue": [("post", codes(302, 403, 403, 403))],
    "ops:invoice-requeue": [("post", codes(302, 403, 403, 403))],
    "login": [("get", codes(200, 302, 302, 302))],
    "logout": [("post", codes(302, 302, 302, 302))],
    # creating a shop needs Django's shops.add_shop permission (the admin personas hold it)
    "shops:shop-list": [("get", codes(302, 200, 200, 200)), ("post", codes(302, 403, 400, 400))],
    "shops:dashboard": [("get", VIEW)],  # offers.view
    "shops:settings-general": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "shops:settings-contact-info": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "shops:member-list": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "shops:member-edit": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "shops:member-remove": [("post", MUTATE)],
    "shops:invitation-revoke": [("post", MUTATE)],
    # sign-in policy and security log: security.manage (Shop Owner Admin); an empty form
    # leaves the policy as it is
    "shops:security": [("get", CONFIGURE), ("post", MUTATE)],
    "shops:role-list": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "shops:role-edit": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "shops:role-delete": [("post", MUTATE)],
    "shops:audit-log": [("get", CONFIGURE)],
    "shops:alert-list": [("get", VIEW)],
    "shops:alert-read": [("post", codes(302, 302, 302, 404))],
    # the user's own account pages: every signed-in user; nothing of anyone else's
    "accounts:account": [("get", codes(302, 200, 200, 200))],
    "accounts:verify": [("get", codes(302, 302, 302, 302))],  # no authenticator: nothing to do
    "accounts:mfa-setup": [("get", codes(302, 200, 200, 200)), ("post", codes(302, 400, 400, 400))],
    "accounts:mfa-qr": [("get", codes(302, 404, 404, 404))],  # no set-up under way
    "accounts:recovery-codes": [("get", codes(302, 200, 200, 200)), ("post", ALL_BACK)],
    "accounts:mfa-remove": [("post", ALL_BACK)],
    "accounts:password-change": [
        ("get", codes(302, 200, 200, 200)),
        ("post", codes(302, 400, 400, 400)),
    ],
    "accounts:invitation-list": [("get", codes(302, 200, 200, 200))],
    "accounts:invitation-accept": [("post", codes(302, 404, 404, 404))],  # another's: 404
    "accounts:invitation-decline": [("post", codes(302, 404, 404, 404))],
    "shops:alert-read-all": [("post", codes(302, 302, 302, 404))],
    "orders:order-list": [("get", VIEW)],
    "orders:order-detail": [("get", VIEW)],
    "orders:credit-row-add": [("post", codes(302, 403, 400, 404))],
    "orders:parameter-set": [("post", codes(302, 403, 400, 404))],
    "orders:row-price-set": [("post", codes(302, 403, 400, 404))],
    # products: members see the catalogue; shop.configure (Shop Owner Admin) changes it
    "orders:product-list": [("get", VIEW)],
    "orders:product-add": [("post", CONFIGURE_POST_EMPTY)],
    "orders:product-edit": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "orders:product-fill": [("post", MUTATE)],
    "orders:product-vat-tariff-set": [("post", MUTATE)],  # nothing ticked: a message, back
    # Bulk Buy Offers: offers.view (viewers too); uploading needs offers.add (empty form: 400)
    "bulkbuy:offer-list": [("get", VIEW)],
    "bulkbuy:offer-upload": [("post", CONFIGURE_POST_EMPTY)],
    "bulkbuy:offer-detail": [("get", VIEW)],
    "bulkbuy:offer-export": [("get", codes(302, 302, 302, 404))],  # not completed: back
    "bulkbuy:offer-file": [("get", VIEW)],
    # approval stages: each stage's permission (the offer's current stage when none is
    # named); an empty form redirects back with a message, nothing changed
    "bulkbuy:offer-stages": [("get", VIEW)],
    "bulkbuy:offer-rows": [("post", MUTATE)],
    "bulkbuy:offer-approve": [("post", MUTATE)],
    "bulkbuy:offer-revoke": [("post", MUTATE)],
    "bulkbuy:offer-stagefile": [("get", CONFIGURE)],
    "bulkbuy:offer-stageupload": [("post", MUTATE)],
    "bulkbuy:offer-complete": [("post", MUTATE)],
    # an offer's linked POs (offers.view); linking an order needs orders.edit (viewers 403)
    "bulkbuy:offer-orders": [("get", VIEW)],
    "bulkbuy:order-link": [("post", MUTATE)],  # empty form: back with a message
    "bulkbuy:order-link-check": [("post", MUTATE)],
    # Amazon 1P settings: Shop Owner Admin only (sync.configure).
    "amazon1p:settings": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    # amazon1p sync routes
    "amazon1p:sync-run-list": [("get", VIEW)],
    "amazon1p:sync-run-detail": [("get", VIEW)],
    "amazon1p:sync-now": [("post", MUTATE)],
    "amazon1p:import-history": [("post", MUTATE)],
    # acknowledgements: orders.acknowledge (admins; viewers may only watch the status)
    "amazon1p:acknowledge-accept": [("post", MUTATE)],
    "amazon1p:acknowledge-reject": [("post", MUTATE)],
    "amazon1p:acknowledge-lines": [("post", codes(302, 403, 400, 404))],
    "amazon1p:acknowledgement-status": [("get", VIEW)],
    # pick results: the imports list for members, tokens for Shop Owner Admins, the API by token
    "amazon1p:pick-import-list": [("get", VIEW)],
    "amazon1p:api-token-list": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "amazon1p:api-token-revoke": [("post", codes(302, 403, 404, 404))],  # no token named: 404
    "api:pick-import": [("post", codes(401, 401, 401, 401)), ("get", codes(405, 405, 405, 405))],
    # group shipments: members see them; shipments.manage changes them (a refused or empty
    # change redirects back with a message; naming nothing to add is a 404)
    "asn:group-list": [("get", VIEW)],
    "asn:group-create": [("post", CONFIGURE_POST_EMPTY)],
    "asn:group-detail": [("get", VIEW)],
    "asn:group-update": [("post", MUTATE)],
    "asn:order-add": [("post", codes(302, 403, 404, 404))],
    "asn:order-remove": [("post", MUTATE)],
    "asn:quantities-set": [("post", MUTATE)],
    "asn:container-add": [("post", MUTATE)],
    "asn:container-remove": [("post", MUTATE)],
    "asn:container-details": [("post", MUTATE)],
    "asn:place": [("post", MUTATE)],
    "asn:place-all": [("post", codes(302, 403, 404, 404))],
    "asn:unplace": [("post", MUTATE)],
    "asn:move": [("post", MUTATE)],
    "asn:asn-submit": [("post", MUTATE)],
    "asn:pack-upload": [("post", MUTATE)],
    "asn:asn-status": [("get", VIEW)],
    "asn:group-reopen": [("post", MUTATE)],
    "asn:document": [("get", VIEW)],
    "api:pack-import": [("post", codes(401, 401, 401, 401)), ("get", codes(405, 405, 405, 405))],
    # ASN settings: Shop Owner Admin (sync.configure)
    "asn:template-list": [("get", CONFIGURE)],
    "asn:template-edit": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "asn:template-preview": [("post", codes(302, 403, 200, 404))],  # empty: the default
    "asn:template-reset": [("post", MUTATE)],
    "asn:warehouse-list": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "asn:warehouse-edit": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "asn:warehouse-delete": [("post", MUTATE)],
    # the cockpit: every member with shop.view reads it and its CSV exports
    "cockpit:dashboard": [("get", VIEW)],
    "cockpit:export": [("get", codes(302, 404, 404, 404))],  # no table named: 404
    # receiving reconciliation: members see it (read-only pages and the CSV)
    "receiving:reconciliation-list": [("get", VIEW)],
    "receiving:reconciliation-export": [("get", VIEW)],
    "receiving:group-reconciliation": [("get", VIEW)],
    # invoices: members read them (and the PDF); shop.configure (Shop Owner Admin) sets up
    # invoicing, drafts, corrects, credits and sends. A refused or empty action redirects
    # back with a message.
    "invoicing:invoice-list": [("get", VIEW)],
    "invoicing:settings": [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)],
    "invoicing:invoice-from-orders": [("post", MUTATE)],
    "invoicing:group-invoice": [("post", MUTATE)],
    "invoicing:invoice-detail": [("get", VIEW)],
    "invoicing:invoice-send": [("post", MUTATE)],
    "invoicing:invoice-line": [("post", MUTATE)],
    "invoicing:invoice-credit": [("post", MUTATE)],
    # charges and allowances: an empty form shows the invoice page with its errors
    "invoicing:invoice-adjustment-add": [("post", codes(302, 403, 400, 404))],
    "invoicing:invoice-adjustment-remove": [("post", MUTATE)],
    "invoicing:invoice-pdf": [("get", codes(302, 302, 302, 404))],  # not set up: back
}
for _key in COLLECTIONS:
    MATRIX[f"shops:{_key}-list"] = [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)]
    MATRIX[f"shops:{_key}-edit"] = [("get", CONFIGURE), ("post", CONFIGURE_POST_EMPTY)]
    MATRIX[f"shops:{_key}-delete"] = [("post", MUTATE)]


def _named_routes(
    resolver: URLResolver, prefix: str = "", params: frozenset[str] = frozenset()
) -> dict[str, frozenset[str]]:
    """{route name: the URL parameters it takes, including those of enclosing includes}."""
    routes: dict[str, frozenset[str]] = {}
    for entry in resolver.url_patterns:
        entry_params = params | set(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # Django's own admin; see test_admin_needs_staff
                continue
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            routes.update(_named_routes(entry, namespace, entry_params))
        elif isinstance(entry, URLPattern) and entry.name:
            routes[f"{prefix}{entry.name}"] = entry_params
    return routes


def test_matrix_covers_every_route():
    routes = set(_named_routes(get_resolver()))
    assert routes - set(MATRIX) == set(), "routes without a permission-matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"


def _url_for(name: str, shop, order, viewer_membership) -> str:
    params = _named_routes(get_resolver())[name]
    kwargs = {}
    if "shop_id" in params:
        kwargs["shop_id"] = shop.pk
    if "pk" in params:
        kwargs["pk"] = _pk_for(name, shop, order, viewer_membership)
    if "order_id" in params:
        kwargs["order_id"] = order.pk
    if "line_id" in params:
        kwargs["line_id"] = _invoice(shop, order).lines.first().pk
    if "adjustment_id" in params:
        kwargs["adjustment_id"] = _invoice_charge(shop, order).pk
    if "kind" in params:
        kwargs["kind"] = "packing_list"
    if name.startswith("asn:") and params & {"shipment_id", "container_id", "placement_id"}:
        packed = _packed_group(shop, order)
        kwargs.update({k: v for k, v in packed.items() if k in params})
    return reverse(name, kwargs=kwargs)


def _packed_group(shop, order) -> dict[str, int]:
    """A group shipment with the order on one pallet (made directly: only access is tested)."""
    from asn.models import Container, GroupShipment, Placement, Shipment

    group = GroupShipment.objects.get(pk=_asn_group(shop).pk)
    shipment, _ = Shipment.objects.get_or_create(group=group, order=order)
    row = order.rows.first()
    line, _ = shipment.lines.get_or_create(row=row, defaults={"quantity": 1})
    pallet, _ = Container.objects.get_or_create(
        group=group, kind="pallet", sscc="106141411234567897"
    )
    placement, _ = Placement.objects.get_or_create(
        line=line, container=pallet, defaults={"quantity": 1}
    )
    return {
        "pk": group.pk,
        "shipment_id": shipment.pk,
        "container_id": pallet.pk,
        "placement_id": placement.pk,
    }


def _asn_group(shop):
    from asn.models import GroupShipment, Warehouse

    warehouse, _ = Warehouse.objects.get_or_create(
        shop=shop,
        code="WH1",
        defaults={
            "name": "Main",
            "address_line": "Road 1",
            "postal_code": "1",
            "city": "X",
            "country": "DE",
        },
    )
    group, _ = GroupShipment.objects.get_or_create(
        shop=shop, code="GS-TEST-1", defaults={"warehouse": warehouse, "fc_code": "LEJ1"}
    )
    return group


def _invoice(shop, order):
    """A draft invoice of `order` (made directly: only access is tested)."""
    from invoicing.models import Invoice, InvoiceLine

    invoice, created = Invoice.objects.get_or_create(
        shop=shop, number="INV-TEST-1", defaults={"ship_to_party_id": "LEJ1", "currency": "EUR"}
    )
    if created:
        row = order.rows.first()
        InvoiceLine.objects.create(
            invoice=invoice,
            row=row,
            po_number=order.number,
            item_sequence_number=row.position,
            quantity=1,
            net_cost=1,
            net_amount=1,
            tax_amount=0,
        )
    return invoice


def _invoice_charge(shop, order):
    """A freight charge on the draft invoice of `order` (made directly: only access is tested)."""
    return _invoice(shop, order).adjustments.create(
        kind="charge", type="Freight", amount=10, tax_rate=0, tax_amount=0
    )


def _invite(shop):
    from shops.people import invitation_create

    return invitation_create(
        actor=shop.memberships.first().user,
        shop=shop,
        username="newcomer",
        roles=[Role.objects.get(shop=shop, name="Viewer")],
    )


def _pk_for(name: str, shop, order, viewer_membership) -> int:
    if name.startswith("ops:"):  # refused before any lookup (staff only)
        return 1
    noun = name.split(":")[1].rsplit("-", 1)[0]
    if noun == "member":
        return viewer_membership.pk
    if noun == "invitation":
        invitation = Invitation.objects.filter(shop=shop, username="newcomer").first()
        return (invitation or _invite(shop)).pk
    if noun == "role":
        return Role.objects.get(shop=shop, name="Commerce").pk
    if noun == "alert":
        alert = Alert.objects.filter(shop=shop).first()
        assert alert is not None
        return alert.pk
    if noun == "product":
        products_fill_from_rows(shop, [("4006381333931", "", "Kettle")])
        return Product.objects.get(shop=shop, ean="4006381333931").pk
    if noun == "offer":
        return make_offer(shop, shop.memberships.first().user).pk
    if noun == "warehouse":
        return _asn_group(shop).warehouse_id
    if name == "invoicing:group-invoice":
        return _asn_group(shop).pk
    if name.startswith("invoicing:"):
        return _invoice(shop, order).pk
    if name.startswith(("asn:", "receiving:")):
        return _asn_group(shop).pk
    if name.startswith("orders:"):
        return order.pk
    model = COLLECTIONS[noun].model
    fields = {f.name for f in model._meta.fields}
    items = model._default_manager.filter(shop=shop)  # as shops/views.py
    item = (items.filter(is_default=False) if "is_default" in fields else items).last()
    assert item is not None
    return item.pk


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "expected"),
    [(name, method, expected) for name, checks in MATRIX.items() for method, expected in checks],
)
def test_route_answers_each_persona(
    name,
    method,
    expected,
    persona,
    shop,
    order,
    viewer_user,
    admin_user,
    other_admin,
    other_shop,
):
    alert_raise(shop=shop, severity=AlertSeverity.INFO, message="Check me", target=order)
    viewer_membership = Membership.objects.get(shop=shop, user=viewer_user)
    user = {ANON: None, VIEWER: viewer_user, ADMIN: admin_user, OTHER: other_admin}[persona]
    url = _url_for(name, shop, order, viewer_membership)

    response = getattr(web_client_for(user), method)(url)

    assert response.status_code == expected[persona], (
        f"{method.upper()} {url} as {persona}: {response.status_code}"
    )
    if persona == ANON and expected[persona] == 302 and name not in ("logout", "home", "favicon"):
        assert response.url.startswith(reverse("login"))


def test_admin_needs_staff(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
