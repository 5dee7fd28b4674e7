"""The approval stages of a Bulk Buy Offer (docs/amazon.md, "Bulk Buy Offers").

Commerce decides each row yes/no → Manufacture enters the quantities it can supply per
delivery stage → Warehouse does the same → Complete locks the offer. Each stage needs its
own permission; the view checks it, these services check the offer's state.

Concurrency: every service locks the offer row (`select_for_update`) and compares the
revision the caller saw (a hidden form field, or the stage file's head) with the current
one; a mismatch raises StaleOfferError and changes nothing. Every accepted step bumps
`Offer.revision`, marks the rows it changed with that revision, records the stage's look
(OfferStageLook), an OfferEvent and an audit entry. Not idempotent by design: a repeated
request carries an old revision and is refused.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bulkbuy.models import (
    Offer,
    OfferEvent,
    OfferEventAction,
    OfferRow,
    OfferStage,
    OfferStageLook,
    OfferStatus,
)
from bulkbuy.workbook import StageFileRow, WorkbookError, stage_file_read, stage_file_write
from core.errors import PROBLEMS_SHOWN, ShopCtrlError
from shops.audit import audit_record
from shops.permissions import Perm

STAGES = (OfferStage.COMMERCE, OfferStage.MANUFACTURE, OfferStage.WAREHOUSE)
QTY_STAGES = (OfferStage.MANUFACTURE, OfferStage.WAREHOUSE)
STAGE_PERMS: dict[str, Perm] = {
    OfferStage.COMMERCE: Perm.OFFERS_STAGE_COMMERCE,
    OfferStage.MANUFACTURE: Perm.OFFERS_STAGE_MANUFACTURE,
    OfferStage.WAREHOUSE: Perm.OFFERS_STAGE_WAREHOUSE,
}
NEXT_STATUS: dict[str, OfferStatus] = {
    OfferStage.COMMERCE: OfferStatus.MANUFACTURE,
    OfferStage.MANUFACTURE: OfferStatus.WAREHOUSE,
}
EVENT_ROWS_SHOWN = 200  # rows listed per history entry; the count is always complete
APPROVE_CHOICES = (("all", "Approve all"), ("pending", "Approve pending"))
# The row fields an approval step changes, as the history names them.
ROW_FIELD_LABELS = {
    "approved": "Approved",
    "manufacture_qty1": "Manufacture qty stage 1",
    "manufacture_qty2": "Manufacture qty stage 2",
    "warehouse_qty1": "Warehouse qty stage 1",
    "warehouse_qty2": "Warehouse qty stage 2",
}


class StageError(ShopCtrlError):
    """The step does not fit the offer's state or its values; nothing was changed."""


class StaleOfferError(StageError):
    """Someone changed the offer after the form or file was made; nothing was changed."""


Decision = bool | None
Quantities = tuple[int | None, int | None]


@dataclass(frozen=True)
class StageQuery:
    """Which rows a stage still has to fill in."""

    stage: str

    def pending(self) -> Q:
        if self.stage == OfferStage.COMMERCE:
            return Q(approved__isnull=True)
        q1, q2 = f"{self.stage}_qty1", f"{self.stage}_qty2"
        return Q(approved=True) & (
            Q(**{f"{q1}__isnull": True}) | Q(stage2_qty__isnull=False, **{f"{q2}__isnull": True})
        )


def offer_stage(offer: Offer) -> str | None:
    """The stage the offer waits in (a draft waits for Commerce); None once completed."""
    if offer.status in (OfferStatus.DRAFT, OfferStatus.COMMERCE):
        return OfferStage.COMMERCE
    if offer.status in (OfferStatus.MANUFACTURE, OfferStatus.WAREHOUSE):
        return offer.status
    return None


def offer_pending_count(*, offer: Offer, stage: str) -> int:
    return offer.rows.filter(StageQuery(stage).pending()).count()


def offer_stage_looks(*, offer: Offer) -> dict[str, OfferStageLook]:
    return {look.stage: look for look in offer.stage_looks.select_related("user")}


# --- History ------------------------------------------------------------------------------
# OfferEvent.changes keeps our field names and raw values, so what was recorded keeps its
# meaning whatever the page calls things later; these turn them into the page's words.


def _value_text(value: Any) -> str:
    if value is None:
        return "pending"  # an undecided row, or a quantity not entered yet
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _status_text(value: Any) -> str:
    # A value no longer among the statuses shows as stored rather than failing the page.
    return OfferStatus(value).label if value in OfferStatus.values else str(value)


def _row_number_key(item: tuple[str, Any]) -> tuple[int, str]:
    # jsonb does not keep the order the rows were written in: sort by row number again.
    number = item[0]
    return (int(number) if number.isdigit() else 0, number)


def _diff_text(diff: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{ROW_FIELD_LABELS.get(name, name)} {_value_text(old)} → {_value_text(new)}"
        for name, (old, new) in diff.items()
    )


def offer_event_summary(event: OfferEvent) -> str:
    """What an event changed, in readable words: "Draft → Manufacture", "Approve pending",
    "File a.xlsx", "2 rows: row 4 (Approved pending → Yes); row 6 (…)". A read of the
    event alone; names it does not know are shown as stored."""
    changes = event.changes
    parts = []
    if status := changes.get("status"):
        parts.append(" → ".join(_status_text(value) for value in status))
    if approve := changes.get("approve"):
        parts.append(dict(APPROVE_CHOICES).get(approve, f"Approve {approve}"))
    if file := changes.get("file"):
        parts.append(f"File {file}")
    count = changes.get("count")
    if count is not None:
        text = f"{count} row{'s' * (count != 1)}"
        listed = sorted((changes.get("rows") or {}).items(), key=_row_number_key)
        if listed:
            text += ": " + "; ".join(f"row {n} ({_diff_text(diff)})" for n, diff in listed)
            if count > len(listed):
                text += "; …"  # only the first EVENT_ROWS_SHOWN rows were stored
        parts.append(text)
    return ". ".join(parts)


# --- Internals ----------------------------------------------------------------------------


def _locked(offer_id: int, revision: int | None) -> Offer:
    offer = Offer.objects.select_for_update().defer("source_file").get(pk=offer_id)
    if offer.status in (OfferStatus.COMPLETED, OfferStatus.EXPIRED):
        raise StageError(f"The offer is {offer.get_status_display().lower()}: it is locked.")
    if revision is not None and revision != offer.revision:
        raise StaleOfferError(
            "Someone changed the offer while you were looking at it: nothing was saved. "
            "Check the current values and try again."
        )
    return offer


def _require_stage(offer: Offer, stage: str) -> None:
    current = offer_stage(offer)
    if current != stage:
        raise StageError(
            f"The offer is in the {OfferStage(current).label if current else 'completed'} "
            f"stage, not {OfferStage(stage).label}."
        )


def _record(
    offer: Offer,
    *,
    actor: User,
    stage: str,
    action: str,
    changes: Mapping[str, Any],
    status: str | None = None,
) -> OfferEvent:
    """Bump the revision (and set the status), note the stage's look, the event and the
    audit entry. Call inside the transaction holding the offer's lock."""
    offer.revision += 1
    fields = ["revision", "updated_at"]
    if status is not None:
        offer.status = status
        fields.append("status")
    offer.save(update_fields=fields)
    now = timezone.now()
    user = actor if actor.is_authenticated else None
    OfferStageLook.objects.update_or_create(
        offer=offer, stage=stage, defaults={"user": user, "revision": offer.revision, "at": now}
    )
    event = OfferEvent.objects.create(
        offer=offer,
        at=now,
        user=user,
        stage=stage,
        action=action,
        revision=offer.revision,
        changes=dict(changes),
    )
    audit_record(
        actor=actor,
        shop=offer.shop,
        action=f"offer.{action}",
        target=offer,
        changes={"stage": stage, "revision": offer.revision, **changes},
    )
    return event


def _row_changes(changed: list[tuple[OfferRow, dict[str, list[Any]]]]) -> dict[str, Any]:
    return {
        "count": len(changed),
        "rows": {str(row.row_number): diff for row, diff in changed[:EVENT_ROWS_SHOWN]},
    }


def _rows_by_key(offer: Offer, keys: Iterable[int], *, by: str) -> dict[int, OfferRow]:
    rows = {getattr(r, by): r for r in offer.rows.filter(**{f"{by}__in": list(keys)})}
    missing = sorted(set(keys) - set(rows))
    if missing:
        shown = ", ".join(str(n) for n in missing[:PROBLEMS_SHOWN])
        raise StageError(f"These rows are not in the offer: {shown}.")
    return rows


# --- Commerce -----------------------------------------------------------------------------


def offer_commerce_decide(
    *,
    actor: User,
    offer_id: int,
    revision: int,
    decisions: Mapping[int, Decision] | None = None,
    approve: str = "",
) -> Offer:
    """Commerce's yes/no per row: `decisions` ({row id: True/False/None}), or `approve`
    "all" (every row yes) or "pending" (undecided rows yes). Only changed rows are saved
    and marked with the new revision; no change records nothing."""
    with transaction.atomic():
        offer = _locked(offer_id, revision)
        _require_stage(offer, OfferStage.COMMERCE)
        if approve == "all":
            rows = list(offer.rows.exclude(approved=True))
            wanted: dict[int, Decision] = {r.pk: True for r in rows}
        elif approve == "pending":
            rows = list(offer.rows.filter(approved__isnull=True))
            wanted = {r.pk: True for r in rows}
        else:
            wanted = dict(decisions or {})
            rows = list(_rows_by_key(offer, wanted, by="pk").values())
        changed = [
            (row, {"approved": [row.approved, wanted[row.pk]]})
            for row in rows
            if row.approved != wanted[row.pk]
        ]
        if not changed:
            return offer
        for row, _ in changed:
            row.approved = wanted[row.pk]
            row.changed_revision = offer.revision + 1
        OfferRow.objects.bulk_update([r for r, _ in changed], ["approved", "changed_revision"])
        changes = _row_changes(sorted(changed, key=lambda c: c[0].row_number))
        if approve:
            changes["approve"] = approve
        _record(
            offer,
            actor=actor,
            stage=OfferStage.COMMERCE,
            action=OfferEventAction.DECIDE,
            changes=changes,
        )
    return offer


# --- Manufacture and Warehouse ------------------------------------------------------------


def _check_quantities(stage: str, row: OfferRow, qty: Quantities) -> list[str]:
    problems = []
    limits = (
        (qty[0], row.stage1_qty, "manufacture_qty1"),
        (qty[1], row.stage2_qty, "manufacture_qty2"),
    )
    for index, (value, offered, earlier) in enumerate(limits, start=1):
        if value is None:
            continue
        if offered is None:
            problems.append(f"Row {row.row_number}: the offer has no delivery stage {index}.")
        elif value < 0:
            problems.append(f"Row {row.row_number}: quantity {index} is below 0.")
        elif value > offered:
            problems.append(
                f"Row {row.row_number}: quantity {index} ({value}) is more than the offer's "
                f"{offered}."
            )
        elif stage == OfferStage.WAREHOUSE:
            manufactured = getattr(row, earlier)
            if manufactured is not None and value > manufactured:
                problems.append(
                    f"Row {row.row_number}: quantity {index} ({value}) is more than "
                    f"Manufacture's {manufactured}."
                )
    if row.approved is not True and any(v is not None for v in qty):
        problems.append(f"Row {row.row_number}: Commerce did not approve this row.")
    return problems


def _apply_quantities(
    *,
    actor: User,
    offer_id: int,
    stage: str,
    revision: int,
    quantities: Mapping[int, Quantities],
    by: str,
    action: str,
    extra: Mapping[str, Any],
) -> Offer:
    if stage not in QTY_STAGES:
        raise StageError(f"The {stage} stage does not enter quantities.")
    with transaction.atomic():
        offer = _locked(offer_id, revision)
        _require_stage(offer, stage)
        rows = _rows_by_key(offer, quantities, by=by)
        problems = [
            problem
            for key, row in sorted(rows.items(), key=lambda item: item[1].row_number)
            for problem in _check_quantities(stage, row, quantities[key])
        ]
        if problems:
            raise StageError(" ".join(problems[:PROBLEMS_SHOWN]), field="quantities")
        names = (f"{stage}_qty1", f"{stage}_qty2")
        changed = []
        for key, row in rows.items():
            diff = {
                name: [getattr(row, name), value]
                for name, value in zip(names, quantities[key], strict=True)
                if getattr(row, name) != value
            }
            if diff:
                for name, (_, value) in diff.items():
                    setattr(row, name, value)
                row.changed_revision = offer.revision + 1
                changed.append((row, diff))
        if not changed and action != OfferEventAction.UPLOAD:
            return offer
        OfferRow.objects.bulk_update([r for r, _ in changed], [*names, "changed_revision"])
        changes = {**_row_changes(sorted(changed, key=lambda c: c[0].row_number)), **extra}
        _record(offer, actor=actor, stage=stage, action=action, changes=changes)
    return offer


def offer_quantities_set(
    *,
    actor: User,
    offer_id: int,
    stage: str,
    revision: int,
    quantities: Mapping[int, Quantities],
) -> Offer:
    """Manufacture's or Warehouse's quantities per row ({row id: (qty1, qty2)}, None =
    pending, 0 = none). Each must be 0…the offer's quantity, Warehouse's at most
    Manufacture's, and only on rows Commerce approved; any problem saves nothing."""
    return _apply_quantities(
        actor=actor,
        offer_id=offer_id,
        stage=stage,
        revision=revision,
        quantities=quantities,
        by="pk",
        action=OfferEventAction.QUANTITIES,
        extra={},
    )


def _approved_so_far(row: OfferRow, stage: str) -> tuple[int | None, int | None]:
    """What the stages before `stage` approved of a row Commerce approved: Manufacture's
    quantities for the Warehouse; for Manufacture, the offered ones (Commerce approves a
    row as a whole)."""
    if stage == OfferStage.WAREHOUSE:
        return row.manufacture_qty1, row.manufacture_qty2
    return row.stage1_qty, row.stage2_qty


def offer_stage_file(*, offer: Offer, stage: str) -> tuple[str, bytes]:
    """(file name, xlsx) of the stage's rows (those Commerce approved) at the current
    revision. A read: changes nothing."""
    if stage not in QTY_STAGES:
        raise StageError(f"The {stage} stage has no stage file.")
    rows = [
        StageFileRow(
            row_number=row.row_number,
            ean=row.ean,
            asin=row.asin,
            title=row.title,
            offer_qty1=row.stage1_qty,
            offer_qty2=row.stage2_qty,
            approved_qty1=_approved_so_far(row, stage)[0],
            approved_qty2=_approved_so_far(row, stage)[1],
            qty1=getattr(row, f"{stage}_qty1"),
            qty2=getattr(row, f"{stage}_qty2"),
        )
        for row in offer.rows.filter(approved=True).order_by("row_number")
    ]
    content = stage_file_write(
        offer_id=offer.pk, offer_name=offer.name, stage=stage, revision=offer.revision, rows=rows
    )
    return f"{offer.name}-{stage}-r{offer.revision}.xlsx", content


def offer_stage_file_upload(
    *, actor: User, offer_id: int, stage: str, content: bytes, filename: str = ""
) -> Offer:
    """Apply a filled-in stage file (see offer_quantities_set for the rules). Refused when
    it is another offer's or stage's file, or older than the offer's current revision
    ("outdated"); blank quantity cells set the row back to pending."""
    try:
        parsed = stage_file_read(content)
    except WorkbookError as error:
        raise StageError(error.message, field="file") from None
    if parsed.offer_id != offer_id or parsed.stage != stage:
        raise StageError(
            f"This file is for another offer or stage ({parsed.stage}, offer {parsed.offer_id}).",
            field="file",
        )
    if parsed.problems:
        raise StageError(" ".join(parsed.problems[:PROBLEMS_SHOWN]), field="file")
    current = Offer.objects.values_list("revision", flat=True).get(pk=offer_id)
    if parsed.revision != current:
        raise StaleOfferError(
            f"The file is outdated (revision {parsed.revision}; the offer is at revision "
            f"{current}): download the current file, fill it in and upload it again.",
            field="file",
        )
    return _apply_quantities(
        actor=actor,
        offer_id=offer_id,
        stage=stage,
        revision=parsed.revision,
        quantities=parsed.quantities,
        by="row_number",
        action=OfferEventAction.UPLOAD,
        extra={"file": filename[:200]},
    )


# --- Moving between stages ----------------------------------------------------------------


def _require_nothing_pending(offer: Offer, stage: str) -> None:
    pending = offer.rows.filter(StageQuery(stage).pending())
    count = pending.count()
    if count:
        numbers = ", ".join(
            str(n) for n in pending.values_list("row_number", flat=True)[:PROBLEMS_SHOWN]
        )
        raise StageError(
            f"{count} row{'s' * (count != 1)} still pending for {OfferStage(stage).label} "
            f"(rows {numbers}{' …' if count > PROBLEMS_SHOWN else ''})."
        )


def offer_stage_approve(*, actor: User, offer_id: int, stage: str, revision: int) -> Offer:
    """Approve Commerce's or Manufacture's stage: no row may be pending for it; the offer
    moves to the next stage. The Warehouse stage ends with offer_complete."""
    if stage not in NEXT_STATUS:
        raise StageError("The Warehouse stage ends with Complete.")
    with transaction.atomic():
        offer = _locked(offer_id, revision)
        _require_stage(offer, stage)
        _require_nothing_pending(offer, stage)
        _record(
            offer,
            actor=actor,
            stage=stage,
            action=OfferEventAction.APPROVE,
            changes={"status": [offer.status, NEXT_STATUS[stage]]},
            status=NEXT_STATUS[stage],
        )
    return offer


def offer_stage_revoke(*, actor: User, offer_id: int, stage: str, revision: int) -> Offer:
    """An earlier stage takes back its approval: the offer returns to that stage (values
    stay; later stages see what changes afterwards highlighted). Until completion."""
    with transaction.atomic():
        offer = _locked(offer_id, revision)
        current = offer_stage(offer)
        if current is None or STAGES.index(stage) >= STAGES.index(current):
            raise StageError(f"{OfferStage(stage).label} has not approved the offer yet.")
        _record(
            offer,
            actor=actor,
            stage=stage,
            action=OfferEventAction.REVOKE,
            changes={"status": [offer.status, stage]},
            status=stage,
        )
    return offer


def offer_complete(*, actor: User, offer_id: int, revision: int) -> Offer:
    """Complete the offer after the Warehouse stage (no approved row without Warehouse's
    quantities): it is locked from then on."""
    with transaction.atomic():
        offer = _locked(offer_id, revision)
        _require_stage(offer, OfferStage.WAREHOUSE)
        _require_nothing_pending(offer, OfferStage.WAREHOUSE)
        _record(
            offer,
            actor=actor,
            stage=OfferStage.WAREHOUSE,
            action=OfferEventAction.COMPLETE,
            changes={"status": [offer.status, OfferStatus.COMPLETED]},
            status=OfferStatus.COMPLETED,
        )
    return offer
