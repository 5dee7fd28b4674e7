"""Checks a higher app registers to refuse a change to a shop's own fields.

`shops` sits below the apps that depend on its settings (Amazon 1P sync needs single-field
contact info), so it cannot ask them directly: they register a check in `AppConfig.ready()`
and `shop_update` runs every check before it saves.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import ShopCtrlError
from core.registry import Registry
from shops.models import Shop


@dataclass(frozen=True)
class ShopChangeRefusal:
    """Why a change is refused, the field it concerns, and where to fix what stands in the
    way (`link_url` is a URL name taking `shop_id`)."""

    message: str
    field: str | None = None
    link_url: str = ""
    link_text: str = ""


class ShopChangeRefused(ShopCtrlError):
    def __init__(self, refusal: ShopChangeRefusal) -> None:
        super().__init__(refusal.message, field=refusal.field)
        self.refusal = refusal


ShopChangeCheck = Callable[[Shop, Mapping[str, Any]], ShopChangeRefusal | None]
SHOP_CHANGE_CHECKS: Registry[ShopChangeCheck] = Registry("shop change checks")


def shop_change_check(shop: Shop, values: Mapping[str, Any]) -> None:
    """Raise ShopChangeRefused for the first registered check that refuses `values` (the
    new field values) for `shop` (as stored)."""
    for check in SHOP_CHANGE_CHECKS.entries():
        refusal = check(shop, values)
        if refusal is not None:
            raise ShopChangeRefused(refusal)
