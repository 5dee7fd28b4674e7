"""Amazon 1P import: sync runs (what each did, live while it runs), the sync cursors, and the
POs as Amazon sent them with every version."""

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shops.models import Shop


class SyncKind(models.TextChoices):
    NEW = "new", "New orders"
    CHANGED = "changed", "Changed orders"
    MISSING = "missing", "Missing orders"
    HISTORICAL = "historical", "Historical import"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Succeeded with errors"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


# Waiting for a worker: asked for and not started, back from a transient error, or
# interrupted (its worker died; a worker resumes it from `resume_from`). A worker claims
# either the same way.
WAITING_SYNC_STATUSES = (SyncStatus.QUEUED, SyncStatus.INTERRUPTED)
ACTIVE_SYNC_STATUSES = (*WAITING_SYNC_STATUSES, SyncStatus.RUNNING)


class SyncRun(models.Model):
    """One synchronization run: what it did, live while it runs."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=12, choices=SyncKind.choices)
    status = models.CharField(max_length=12, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    range_from = models.DateTimeField(null=True, blank=True)
    range_to = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Progress: where the run is, so a resumed run starts there.
    resume_from = models.DateTimeField(null=True, blank=True)
    windows_total = models.PositiveIntegerField(default=0)
    windows_done = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # Every SP-API call of every attempt (429s and retries included), counted as they happen.
    api_calls = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    # How many times a worker claimed the run (first start, retries, takeovers).
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A failure that was temporary (Amazon unavailable or throttling past every retry, the
    # broker refusing the task, no worker for an hour), not a refusal. A historical import
    # that failed so resumes from `resume_from` by itself at `resume_due_at`, a bounded
    # number of times (`auto_resumes`; see sync.AUTO_RESUME_DELAYS).
    transient_failure = models.BooleanField(default=False)
    resume_due_at = models.DateTimeField(null=True, blank=True)
    auto_resumes = models.PositiveSmallIntegerField(default=0)
    # The claim number when the run was last resumed: MAX_ATTEMPTS counts the claims since.
    # `attempts` itself never goes back, so a worker of an earlier claim stays fenced out.
    attempts_at_resume = models.PositiveIntegerField(default=0)
    # What a person should know about a run that succeeded (e.g. a sandbox's fixed examples).
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One active run per shop and kind, whichever worker or button asks (two "Sync
            # now" → one); a run of another kind asked for meanwhile waits its turn.
            models.UniqueConstraint(
                fields=["shop", "kind"],
                condition=Q(status__in=ACTIVE_SYNC_STATUSES),
                name="one_active_sync_run_per_shop_kind",
            ),
            # One running run per shop: runs of one shop share its SP-API rate limits and
            # cursors, so a worker's claim waits while another run of the shop is running.
            models.UniqueConstraint(
                fields=["shop"],
                condition=Q(status=SyncStatus.RUNNING),
                name="one_running_sync_run_per_shop",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "-created_at"], name="syncrun_shop_idx"),
            # The watchdog's look for automatic resumes that are due: a handful of rows.
            models.Index(
                fields=["resume_due_at"],
                condition=Q(resume_due_at__isnull=False),
                name="syncrun_resume_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_waiting(self) -> bool:
        """Waiting for a worker: queued, or interrupted and to be resumed."""
        return self.status in WAITING_SYNC_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SYNC_STATUSES

    @property
    def duration(self) -> timedelta | None:
        """From the first start to the end; for a run still active, the time so far."""
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class SyncRunError(models.Model):
    """A PO the run could not take in, with what was wrong; the run went on."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="errors")
    po_number = models.CharField(max_length=40, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.po_number or 'run'}: {self.message[:60]}"


class SyncCursor(models.Model):
    """A committed watermark per (shop, kind): advanced only after its window is stored."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_cursors")
    kind = models.CharField(max_length=12, choices=SyncKind.choices)
    position = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "kind"], name="uniq_sync_cursor")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.position:%Y-%m-%d %H:%M}"


class AmazonPurchaseOrder(models.Model):
    """A PO as Amazon sent it (latest version), linked to the order made from it."""

    # No index of its own: the unique (shop, po_number) index serves lookups by shop.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="amazon_pos", db_index=False
    )
    po_number = models.CharField(max_length=40)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="amazon_po"
    )
    state = models.CharField(max_length=16, blank=True)
    purchase_order_date = models.DateTimeField(null=True, blank=True)
    amazon_changed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    raw = models.JSONField()
    is_malformed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # Amazon's acknowledgement deadline while one is owed: 24 h after a new PO, 48 h after a
    # change; cleared by a successful acknowledgement. `ack_alerted` remembers which alert
    # went out (due soon, overdue) so each goes out once.
    ack_due_at = models.DateTimeField(null=True, blank=True)
    ack_alerted = models.PositiveSmallIntegerField(default=0)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    # When the stored payload last changed. A sync that finds a PO unchanged writes nothing,
    # so re-reading 20,000 unchanged POs costs reads only.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "po_number"], name="uniq_amazon_po_number")
        ]
        indexes = [
            # The deadline watch and the grid's "acknowledgement due" filter.
            models.Index(
                fields=["shop", "ack_due_at"],
                condition=models.Q(ack_due_at__isnull=False),
                name="amazon_po_ack_due_idx",
            ),
            # Partial: malformed POs are few, and an index over every PO costs every import.
            models.Index(
                fields=["shop"],
                condition=models.Q(is_malformed=True),
                name="amazon_po_malformed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.po_number


class AmazonPurchaseOrderVersion(models.Model):
    """Every distinct version of a PO, with what changed since the one before.

    The latest version's payload is the PO's own `raw`; its `raw` here stays empty (NULL)
    until a newer version arrives and moves it here. So a new PO's payload is stored once,
    not twice: at import volumes the second copy cost a tenth of the import. `payload`
    reads either.
    """

    purchase_order = models.ForeignKey(  # indexed by uniq_po_version, which leads with it
        AmazonPurchaseOrder, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64)
    raw = models.JSONField(null=True, blank=True)  # NULL: the latest; see the class doc
    diff = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["purchase_order", "version"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "version"], name="uniq_po_version")
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} v{self.version}"

    @property
    def payload(self) -> dict[str, Any]:
        """This version as Amazon sent it."""
        raw = self.raw if self.raw is not None else self.purchase_order.raw
        return cast(dict[str, Any], raw)  # a JSONField is Any; both hold one PO's JSON object
