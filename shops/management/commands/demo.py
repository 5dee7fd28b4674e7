from django.core.management.base import BaseCommand

from shops.demo import DEMO_ADMIN, DEMO_VIEWER, demo_build


class Command(BaseCommand):
    help = "Create the demo shop with sample orders and its logins (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orders", type=int, default=240)
        parser.add_argument(
            "--history-weeks",
            type=int,
            default=8,
            help="weeks of Amazon history (acknowledgements, ASNs) for the cockpit; 0: none",
        )
        parser.add_argument(
            "--simulator-url",
            help="connect the demo shop to this Vendor Central simulator and queue an import",
        )

    def handle(
        self, *args, orders: int, history_weeks: int, simulator_url: str | None, **options
    ) -> None:
        connected = bool(simulator_url)
        result = demo_build(
            orders=orders if not connected else min(orders, 40), amazon_samples=not connected
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop “{result.shop.name}” ready ({result.created_orders} new sample orders)."
            )
        )
        from cockpit.demo import cockpit_demo_history  # the top app; imported where used

        if history_weeks > 0:
            history = cockpit_demo_history(shop=result.shop, weeks=history_weeks)
            self.stdout.write(
                f"  Cockpit history: {history} new Amazon POs over the last {history_weeks} weeks."
            )
        if connected:
            from amazon1p.demo import amazon_demo_connect

            admin = result.shop.memberships.get(user__username=DEMO_ADMIN[0]).user
            amazon_demo_connect(shop=result.shop, actor=admin, simulator_url=simulator_url)
            self.stdout.write(
                f"  Connected to the Vendor Central simulator at {simulator_url};"
                " the first import is queued."
            )
        self.stdout.write(f"  Shop Owner Admin login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
        self.stdout.write(f"  Viewer login:           {DEMO_VIEWER[0]} / {DEMO_VIEWER[1]}")
