"""`python manage.py vendor_simulator`: run the Vendor Central simulator in the foreground."""

import argparse
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulator import SimulatorConfig, start_simulator


def _rate(value: str) -> float:
    """A fraction between 0 and 1 (argparse type)."""
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return rate


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


class Command(BaseCommand):
    help = (
        "Serve a Vendor Central simulator (LWA token endpoint and the Vendor Orders, "
        "Shipments and Transaction Status APIs) until Ctrl-C. Point a connection's custom "
        "base URL at it."
    )
    # Starts in a second and touches no database: skip the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = SimulatorConfig()
        parser.add_argument("--host", default=defaults.host)
        parser.add_argument(
            "--port", type=int, default=8100, help="default 8100; 0 picks a free port"
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--no-rate-limits", action="store_true")
        parser.add_argument("--orders-per-day", type=int, default=defaults.orders_per_day)
        parser.add_argument(
            "--lines-per-po",
            type=int,
            default=None,
            help="every PO gets this many lines (default: a realistic mix by PO kind)",
        )
        parser.add_argument(
            "--vendor-codes", type=_codes, default=defaults.vendor_codes, help="e.g. VNDR1,VNDR2"
        )
        parser.add_argument("--currency", default=defaults.currency)
        parser.add_argument(
            "--weight-price-rate",
            type=_rate,
            default=defaults.weight_price_rate,
            help="share of lines priced per weight unit (POUNDS, OUNCES, GRAMS, KILOGRAMS)",
        )
        parser.add_argument(
            "--no-net-cost-rate",
            type=_rate,
            default=defaults.no_net_cost_rate,
            help="share of lines without netCost (listPrice only)",
        )
        parser.add_argument(
            "--foreign-currency-rate",
            type=_rate,
            default=defaults.foreign_currency_rate,
            help="share of POs priced in --foreign-currency",
        )
        parser.add_argument("--foreign-currency", default=defaults.foreign_currency)
        parser.add_argument(
            "--throttle-rate", type=_rate, default=0.0, help="share of calls answered 429"
        )
        parser.add_argument(
            "--error-rate", type=_rate, default=0.0, help="share answered 500/503 (JSON)"
        )
        parser.add_argument(
            "--html-error-rate", type=_rate, default=0.0, help="share answered 502/503 (HTML)"
        )
        parser.add_argument("--slow-ms", type=int, default=0, help="delay every response")
        parser.add_argument(
            "--short-pages", action="store_true", help="pages hold fewer POs than limit"
        )
        parser.add_argument(
            "--truncate-rate", type=_rate, default=0.0, help="share of bodies cut mid-JSON"
        )
        parser.add_argument(
            "--malformed-rate", type=_rate, default=0.0, help="share of POs served malformed"
        )
        parser.add_argument(
            "--transaction-delay",
            type=float,
            default=defaults.transaction_delay,
            help="seconds a transaction stays Processing",
        )
        parser.add_argument(
            "--token-ttl", type=int, default=defaults.token_ttl, help="LWA token lifetime (s)"
        )
        parser.add_argument(
            "--receive-delay",
            type=float,
            default=defaults.receive_delay,
            help="seconds after an accepted ASN until the FC receives the shipment",
        )
        parser.add_argument(
            "--shortage-rate",
            type=_rate,
            default=defaults.shortage_rate,
            help="share of received PO lines that arrive one case short",
        )
        parser.add_argument(
            "--sandbox", action="store_true", help="answer like Amazon's static sandbox"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = SimulatorConfig(
                host=options["host"],
                port=options["port"],
                seed=options["seed"],
                rate_limits=not options["no_rate_limits"],
                orders_per_day=options["orders_per_day"],
                lines_per_po=options["lines_per_po"],
                vendor_codes=options["vendor_codes"],
                currency=options["currency"],
                weight_price_rate=options["weight_price_rate"],
                no_net_cost_rate=options["no_net_cost_rate"],
                foreign_currency_rate=options["foreign_currency_rate"],
                foreign_currency=options["foreign_currency"],
                throttle_rate=options["throttle_rate"],
                error_rate=options["error_rate"],
                html_error_rate=options["html_error_rate"],
                slow_ms=options["slow_ms"],
                short_pages=options["short_pages"],
                truncate_rate=options["truncate_rate"],
                malformed_rate=options["malformed_rate"],
                transaction_delay=options["transaction_delay"],
                token_ttl=options["token_ttl"],
                sandbox=options["sandbox"],
                receive_delay=options["receive_delay"],
                shortage_rate=options["shortage_rate"],
            )
            running = start_simulator(config)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        mode = "static sandbox" if config.sandbox else f"seed {config.seed}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Vendor Central simulator on {running.base_url} ({mode}) — point a "
                "connection's custom base URL here."
            )
        )
        self.stdout.write(f"  Requests: {running.base_url}/_simulator/   Stop with Ctrl-C.")
        self.stdout.flush()
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            # Explicit handlers: a shell's background job starts with SIGINT ignored, and
            # process managers stop services with SIGTERM.
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        try:
            stop.wait()
            self.stdout.write("Stopping.")
        finally:
            running.stop()
