"""An ordered registry: how a lower app lets the apps above it plug in.

Arrows between apps point one way (docs/architecture.md): `orders` may not import
`bulkbuy`, yet the order page shows a Bulk Buy panel. So the lower app owns a `Registry`
and runs its entries (renders panels, calls reactions); each higher app adds its entries in
its `AppConfig.ready()`. The lower app never names the higher one.

The order is explicit: every entry has a priority (lower runs, or shows, first) and two
entries of one registry may not share a priority, so nothing depends on the order of
INSTALLED_APPS.
"""

from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, purpose: str) -> None:
        self.purpose = purpose  # names the registry in errors
        self._entries: dict[str, tuple[int, T]] = {}

    def register(self, name: str, entry: T, *, priority: int) -> None:
        """Add `entry` under `name`. Registering a name again replaces its entry, so an
        app's `ready()` may run more than once. ImproperlyConfigured when another name holds
        `priority` already."""
        for other, (taken, _) in self._entries.items():
            if taken == priority and other != name:
                raise ImproperlyConfigured(
                    f"{self.purpose}: {name!r} and {other!r} both ask for priority {priority}."
                )
        self._entries[name] = (priority, entry)

    def entries(self) -> list[T]:
        """The entries, lowest priority first."""
        return [entry for _, entry in sorted(self._entries.values(), key=lambda pair: pair[0])]

    def names(self) -> list[str]:
        """The names, in the order of `entries()`."""
        return sorted(self._entries, key=lambda name: self._entries[name][0])
