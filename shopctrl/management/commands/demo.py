from django.core.management.base import BaseCommand

from cockpit.demo import HISTORY_WEEKS
from shopctrl.demo import demo_build
from shops.demo import DEMO_ADMIN, DEMO_VIEWER


class Command(BaseCommand):
    help = "Create the demo shop with sample orders and its logins (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orders", type=int, default=240)
        parser.add_argument(
            "--history-weeks",
            type=int,
            default=HISTORY_WEEKS,
            help=(
                "weeks of Amazon history (acknowledgements, ASNs, receipts) for the cockpit,"
                f" by default the {HISTORY_WEEKS} it shows; 0: none"
            ),
        )
        parser.add_argument(
            "--simulator-url",
            help="connect the demo shop to this Vendor Central simulator and queue an import",
        )

    def handle(
        self, *args, orders: int, history_weeks: int, simulator_url: str | None, **options
    ) -> None:
        result = demo_build(orders=orders, history_weeks=history_weeks, simulator_url=simulator_url)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop “{result.shop.name}” ready ({result.created_orders} new sample orders)."
            )
        )
        if history_weeks > 0:
            self.stdout.write(
                f"  Cockpit history: {result.history_orders} new Amazon POs over the last"
                f" {history_weeks} weeks."
            )
        if simulator_url:
            self.stdout.write(
                f"  Connected to the Vendor Central simulator at {simulator_url};"
                " the first import is queued."
            )
        self.stdout.write(f"  Shop Owner Admin login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
        self.stdout.write(f"  Viewer login:           {DEMO_VIEWER[0]} / {DEMO_VIEWER[1]}")
