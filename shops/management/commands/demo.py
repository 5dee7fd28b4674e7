from django.core.management.base import BaseCommand

from shops.demo import DEMO_ADMIN, DEMO_VIEWER, demo_build


class Command(BaseCommand):
    help = "Create the demo shop with sample orders and its logins (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orders", type=int, default=240)

    def handle(self, *args, orders: int, **options) -> None:
        result = demo_build(orders=orders)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop “{result.shop.name}” ready ({result.created_orders} new orders)."
            )
        )
        self.stdout.write(f"  Shop Owner Admin login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
        self.stdout.write(f"  Viewer login:           {DEMO_VIEWER[0]} / {DEMO_VIEWER[1]}")
