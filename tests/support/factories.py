"""factory_boy factories. Shops and orders are built through the services, as in production."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from orders.models import Channel
from orders.services import CustomerInput, OrderInput, RowInput, order_create
from shops.models import Role
from shops.permissions import SHOP_OWNER_ADMIN
from shops.services import membership_add, shop_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-Secret-123")


class ShopFactory(factory.Factory):
    """A shop created by `shop_create`; `owner` becomes its Shop Owner Admin."""

    class Meta:
        model = dict

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    currency = "EUR"
    country = "DE"

    @classmethod
    def _create(cls, model_class, owner, **kwargs):
        return shop_create(actor=owner, **kwargs)


def add_member(shop, user, *role_names: str):
    roles = list(Role.objects.filter(shop=shop, name__in=role_names))
    # A Shop Owner Admin adds them: nobody else may grant every role.
    owner = shop.memberships.filter(roles__name=SHOP_OWNER_ADMIN).order_by("pk").first().user
    return membership_add(actor=owner, shop=shop, username=user.username, roles=roles)


def make_order(shop, number: str, *, hours_ago: int = 0, channel=Channel.AMAZON_1P, rows=None):
    ordered_at = datetime(2026, 11, 1, 12, tzinfo=UTC) - timedelta(hours=hours_ago)
    return order_create(
        shop=shop,
        data=OrderInput(
            number=number,
            ordered_at=ordered_at,
            channel=channel,
            customer=CustomerInput(
                name="Amazon EU SARL",
                address_line="Amazonstraße 1",
                postal_code="04347",
                city="Leipzig",
                country="DE",
            ),
            rows=rows
            or [
                RowInput(
                    ean="4006381333931",
                    sku="KT-100",
                    title="Kettle",
                    quantity=12,
                    unit_price=Decimal("18.40"),
                ),
                RowInput(
                    ean="4006381333948",
                    sku="TP-220",
                    title="Toaster",
                    quantity=6,
                    unit_price=Decimal("22.10"),
                ),
            ],
            parameters={"ShipToPartyRef": "LEJ1"},
        ),
    )
