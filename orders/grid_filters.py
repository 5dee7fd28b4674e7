"""Extra filters of the orders grid that higher apps provide (the cockpit's drill-down).

The grid lives in `orders`, below the apps whose data such filters read; so a higher app
registers a named filter here from its `AppConfig.ready()`, and the grid form offers it as
a query-string field. A filter gets the shop and the validated value and returns a Q; one
whose meaning narrows with the grid's product filter (the cockpit's "units rejected" of one
product) also gives `product_condition`, which gets the product too.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from shops.models import Shop


@dataclass(frozen=True)
class GridFilter:
    name: str  # the query-string key
    label: str
    choices: tuple[tuple[str, str], ...] | None  # None: free text (max 20 characters)
    condition: Callable[[Shop, str], Q]
    # (shop, value, product): used instead of `condition` when the grid is filtered by product
    product_condition: Callable[[Shop, str, str], Q] | None = None


GRID_FILTERS: dict[str, GridFilter] = {}


def grid_filter_register(grid_filter: GridFilter) -> None:
    GRID_FILTERS[grid_filter.name] = grid_filter
