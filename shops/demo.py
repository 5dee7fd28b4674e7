"""Demo data: the demo shop with its admin and viewer logins and a welcome alert.

Idempotent: running it again finds the same shop and users. Called by the demo command
(shopctrl/demo.py), which then asks each app above for its part.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from shops.models import AddressFormat, AlertSeverity, NameFormat, Role, Shop
from shops.services import alert_raise, membership_add, shop_create, shop_update

DEMO_SHOP_NAME = "Demo Vendor GmbH"
DEMO_ADMIN = ("admin", "admin")
DEMO_VIEWER = ("viewer", "viewer")


def _user(username: str, password: str, **extra: object) -> User:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults=extra)
    if created:
        user.set_password(password)
        user.save()
    return user


@transaction.atomic
def shops_demo_build() -> tuple[Shop, User]:
    """Create (or find) the demo shop, set up the way an Amazon 1P vendor runs it, with its
    admin and viewer logins. Returns the shop and its admin."""
    admin = _user(
        *DEMO_ADMIN,
        first_name="Alex",
        last_name="Admin",
        email="admin@example.com",
        is_staff=True,
        is_superuser=True,
    )
    viewer = _user(*DEMO_VIEWER, first_name="Vera", last_name="Viewer")
    shop = Shop.objects.filter(name=DEMO_SHOP_NAME, memberships__user=admin).first()
    if shop is None:
        shop = shop_create(actor=admin, name=DEMO_SHOP_NAME, currency="EUR", country="DE")
        shop_update(
            actor=admin,
            shop=shop,
            values={
                "address_format": AddressFormat.SINGLE,
                "name_format": NameFormat.SINGLE,
            },
        )
        membership_add(
            actor=admin,
            shop=shop,
            username=viewer.username,
            roles=[Role.objects.get(shop=shop, name="Viewer")],
        )
    if not shop.alerts.exists():
        alert_raise(
            shop=shop,
            severity=AlertSeverity.INFO,
            message="Welcome! This demo shop holds sample orders; explore the grid, "
            "the order pages and the shop settings.",
        )
    return shop, admin
