"""`python manage.py amazon1p_sync SHOP --kind new|changed|missing|historical`: one sync run in
the foreground, with a progress bar and the run's summary."""

from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amazon1p.importing.sync import sync_run_execute, sync_run_is_stale, sync_run_request
from amazon1p.models import SyncKind, SyncRun, SyncStatus
from amazon1p.spapi.errors import AmazonTransientError
from shopctrl.errors import ShopCtrlError
from shops.models import Shop


def _date(value: str) -> datetime:
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), UTC)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Run one Amazon 1P sync for a shop (id or name) in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("shop", help="Shop id or exact name")
        parser.add_argument("--kind", choices=[k.value for k in SyncKind], default="new")
        parser.add_argument("--since", type=_date, help="Range start, YYYY-MM-DD (UTC)")
        parser.add_argument("--until", type=_date, help="Range end, YYYY-MM-DD (UTC)")

    def _shop(self, value: str) -> Shop:
        shop = Shop.objects.filter(pk=int(value)).first() if value.isdigit() else None
        shop = shop or Shop.objects.filter(name=value).first()
        if shop is None:
            raise CommandError(f"No shop {value!r}.")
        return shop

    def _progress(self, run: SyncRun) -> None:
        total = max(run.windows_total, 1)
        width = 30
        filled = int(width * run.windows_done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(
            f"\r[{bar}] {run.windows_done}/{run.windows_total} windows · "
            f"{run.new_count} new · {run.changed_count} changed · "
            f"{run.unchanged_count} unchanged · {run.failed_count} failed",
            ending="",
        )
        self.stdout.flush()

    def handle(self, *args, **options) -> None:
        shop = self._shop(options["shop"])
        try:
            run, created = sync_run_request(
                shop=shop,
                kind=SyncKind(options["kind"]),
                range_from=options["since"],
                range_to=options["until"],
                enqueue=False,
            )
        except ShopCtrlError as exc:
            raise CommandError(exc.message) from None
        if not created and not sync_run_is_stale(run) and run.status != SyncStatus.QUEUED:
            raise CommandError(f"Run #{run.pk} ({run.get_kind_display()}) is already running.")
        if not created:
            self.stdout.write(f"Taking over run #{run.pk} ({run.get_kind_display()}).")
        try:
            done = sync_run_execute(run_id=run.pk, on_progress=self._progress)
        except AmazonTransientError as exc:
            raise CommandError(f"Amazon is unavailable, run #{run.pk} is queued: {exc}") from None
        self.stdout.write("")
        if done is None:
            raise CommandError(f"Run #{run.pk} is being run by another worker.")
        seconds = (done.finished_at - done.started_at).total_seconds() if done.finished_at else 0
        self.stdout.write(
            f"Run #{done.pk} {done.get_status_display()}: {done.new_count} new, "
            f"{done.changed_count} changed, {done.unchanged_count} unchanged, "
            f"{done.failed_count} failed; {done.pages} pages, {done.api_calls} API calls, "
            f"{done.throttled} throttled, {seconds:.1f} s."
        )
        for error in done.errors.all()[:20]:
            self.stdout.write(f"  {error.po_number or '-'}: {error.message}")
        if done.status == SyncStatus.FAILED:
            raise CommandError(f"Run #{done.pk} failed: {done.error}")
