"""Applying pick results: check every PO, then credit what was not picked and acknowledge.

See the package docstring for the rules. Everything here runs in one transaction per file.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from amazon1p.acknowledgements.models import (
    IN_FLIGHT_ACK_STATUSES,
    Acknowledgement,
    AckOrigin,
    AckStatus,
)
from amazon1p.acknowledgements.services import (
    acknowledgement_blocker,
    acknowledgement_request,
    connection_for_acknowledging,
)
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.picks.models import PickImport, PickImportOrder, PickImportStatus, PickSource
from amazon1p.picks.reading import (
    PickLine,
    Problem,
    normal_ean,
    pick_lines_from_csv,
    pick_lines_from_json,
    shop_of,
)
from core.errors import ShopCtrlError
from orders.models import CreditRow, Order, OrderRow
from orders.services import order_credit_row_add
from shops.audit import audit_record
from shops.models import AlertKind, AlertSeverity, ApiToken, CreditReason, Shop
from shops.services import alert_raise


@dataclass(frozen=True)
class PickResult:
    """The import's record; `applied` is the import whose changes stand (itself, or the earlier
    one with the same content), None when refused."""

    pick_import: PickImport
    problems: list[Problem] = field(default_factory=list)
    applied: PickImport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def retry(self) -> bool:
        return bool(self.problems) and all(problem.retry for problem in self.problems)

    def as_json(self) -> dict[str, Any]:
        record = self.pick_import
        data: dict[str, Any] = {"import": record.pk, "status": record.status}
        if self.problems:
            data["problems"] = [{"line": p.line, "message": p.message} for p in self.problems]
            data["retry"] = self.retry
        if self.applied is not None:
            data["orders"] = [
                {
                    "po": pick_order.order.number,
                    "order": pick_order.order_id,
                    "unchanged": pick_order.unchanged,
                    "acknowledgement": pick_order.acknowledgement_id,
                    "rows": pick_order.rows,
                }
                for pick_order in self.applied.orders.select_related("order")
            ]
        data["report"] = record.report
        return data


class _Refused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


@dataclass
class _Plan:
    """One PO: per row, the credit the picks want (`desired`) and the one they made before."""

    order: Order
    lines: list[PickLine]
    rows: list[OrderRow]
    picked: dict[int, int]
    staff: dict[int, int]
    current: dict[int, int]
    desired: dict[int, int]
    unchanged: bool = False

    @property
    def picked_at(self) -> datetime:
        return max(line.pick_time for line in self.lines if line.pick_time)

    def row_summaries(self) -> list[dict[str, Any]]:
        return [
            {
                "position": row.position,
                "ean": row.ean,
                "ordered": row.quantity,
                "picked": self.picked[row.pk],
                "credited": self.desired[row.pk],
                "staff_credited": self.staff[row.pk],
            }
            for row in self.rows
        ]


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev dependency, types only


class _ByPicks(TypedDict):
    by_picks: bool


def _pick_credit_rows(order: Order) -> "QuerySet[WithAnnotations[CreditRow, _ByPicks]]":
    links = PickImportOrder.credit_rows.through.objects.filter(creditrow_id=OuterRef("pk"))
    return CreditRow.objects.filter(order=order).annotate(by_picks=Exists(links))


def _acknowledged_as(order: Order, rows: list[OrderRow], credited: dict[int, int]) -> bool:
    """Whether the latest acknowledgement (sent or on its way) says what `credited` would."""
    last = Acknowledgement.objects.filter(order=order).order_by("-created_at", "-id").first()
    if last is None or last.status == AckStatus.ERROR:
        return False
    # Compared by what was confirmed: a line Amazon cancelled is credited but not rejected.
    committed = {line.row_id: line.committed for line in last.lines.all()}
    return all(
        committed.get(row.pk) == row.quantity - min(credited[row.pk], row.quantity) for row in rows
    )


def _plan(
    order: Order, lines: list[PickLine], connection: AmazonConnection
) -> tuple[_Plan | None, list[Problem]]:
    """Check one PO's lines against its order and work out the credits; or the problems."""
    po, first = order.number, lines[0].line
    problems: list[Problem] = []
    rows = list(order.rows.all())
    staff: dict[int, int] = defaultdict(int)
    current: dict[int, int] = defaultdict(int)
    for credit in _pick_credit_rows(order):
        (current if credit.by_picks else staff)[credit.row_id] += credit.quantity
    rows_by_ean: dict[str, list[OrderRow]] = defaultdict(list)
    for row in rows:
        rows_by_ean[normal_ean(row.ean)].append(row)
    picks: dict[str, int] = defaultdict(int)
    line_of: dict[str, int] = {}
    for line in lines:
        ean = normal_ean(line.ean)
        picks[ean] += line.quantity
        line_of.setdefault(ean, line.line)
        if line.ean and ean not in rows_by_ean:
            problems.append(Problem(f"PO {po} has no row with EAN {line.ean}", line.line))
    if not all(line.readable for line in lines):  # its quantities are not all known
        return None, problems
    picked, desired = {row.pk: 0 for row in rows}, {}
    for ean, same_ean_rows in rows_by_ean.items():
        if ean not in picks:
            for row in same_ean_rows:
                problems.append(
                    Problem(
                        f"PO {po}: row {row.position} (EAN {row.ean or 'none'}) is not in the "
                        "file; list every row, with 0 where nothing was picked",
                        first,
                    )
                )
            continue
        left, ordered = picks[ean], sum(row.quantity for row in same_ean_rows)
        if left > ordered:
            problems.append(
                Problem(f"PO {po}, EAN {ean}: {left} picked, {ordered} ordered", line_of[ean])
            )
            continue
        for row in same_ean_rows:  # one EAN on several rows: fill them in order
            can_ship = max(row.quantity - staff[row.pk], 0)
            picked[row.pk] = min(left, can_ship)
            desired[row.pk] = can_ship - picked[row.pk]
            left -= picked[row.pk]
        if left:
            problems.append(
                Problem(
                    f"PO {po}, EAN {ean}: {picks[ean]} picked, but staff credited part of it "
                    f"by hand and only {picks[ean] - left} can still ship; remove those credit "
                    "rows or correct the file",
                    line_of[ean],
                )
            )
    if problems:
        return None, problems
    latest = (
        PickImportOrder.objects.filter(order=order, pick_import__status=PickImportStatus.APPLIED)
        .order_by("-picked_at", "-id")
        .first()
    )
    plan = _Plan(order, lines, rows, picked, staff, current, desired)
    if latest is not None and latest.picked_at > plan.picked_at:
        return None, [
            Problem(
                f"PO {po}: these picks ({plan.picked_at:%Y-%m-%d %H:%M}) are older than those "
                f"applied by pick import #{latest.pick_import_id} "
                f"({latest.picked_at:%Y-%m-%d %H:%M})",
                first,
            )
        ]
    credited = {row.pk: staff[row.pk] + desired[row.pk] for row in rows}
    plan.unchanged = all(desired[r.pk] == current[r.pk] for r in rows) and _acknowledged_as(
        order, rows, credited
    )
    if plan.unchanged:
        return plan, []
    if Acknowledgement.objects.filter(order=order, status__in=IN_FLIGHT_ACK_STATUSES).exists():
        message = f"PO {po}: an acknowledgement is on its way to Amazon; send the file again later"
        return None, [Problem(message, first, retry=True)]
    blocker = acknowledgement_blocker(order, connection)
    return (None, [Problem(f"PO {po}: {blocker}", first)]) if blocker else (plan, [])


def _carry_out(plan: _Plan, record: PickImport, actor: User | None, reason: CreditReason) -> None:
    """Record the PO's picks, replace the credit rows earlier picks made, acknowledge."""
    order = plan.order
    pick_order = PickImportOrder.objects.create(
        pick_import=record,
        order=order,
        picked_at=plan.picked_at,
        rows=plan.row_summaries(),
        unchanged=plan.unchanged,
    )
    if plan.unchanged:
        return
    for row in plan.rows:
        if plan.desired[row.pk] == plan.current[row.pk]:
            continue
        for credit in _pick_credit_rows(order).filter(row=row, by_picks=True):
            audit_record(
                actor=actor,
                shop=order.shop,
                action="order.credit_row.delete",
                target=order,
                changes={"credit": [f"-{credit.quantity} × row {row.position}", None]},
            )
            credit.delete()
        if plan.desired[row.pk]:
            added = order_credit_row_add(
                actor=actor,  # type: ignore[arg-type]  # None: the warehouse, not a person
                order=order,
                row=row,
                quantity=plan.desired[row.pk],
                reason=reason,
            )
            pick_order.credit_rows.add(added)
    pick_order.acknowledgement = acknowledgement_request(
        actor=actor, order=order, origin=AckOrigin.PICK
    )
    pick_order.save(update_fields=["acknowledgement"])


def _apply(
    record: PickImport,
    shop: Shop,
    lines: list[PickLine],
    actor: User | None,
    *,
    refuse: bool = False,
) -> None:
    """Check every PO under lock, then (unless `refuse`) credit and acknowledge each; raises
    _Refused with the problems found."""
    by_po: dict[str, list[PickLine]] = defaultdict(list)
    for line in lines:
        by_po[line.po].append(line)
    order_ids = dict(
        AmazonPurchaseOrder.objects.filter(
            shop=shop, po_number__in=by_po, order__isnull=False
        ).values_list("po_number", "order_id")
    )
    orders = {
        o.pk: o
        for o in Order.objects.select_for_update()  # in id order: no deadlock between files
        .filter(pk__in=order_ids.values())
        .select_related("main_status", "shop")
        .order_by("pk")
    }
    problems = [
        Problem(f"PO {line.po} is not an Amazon purchase order of this shop", line.line)
        for po, po_lines in by_po.items()
        if po not in order_ids
        for line in po_lines
    ]
    try:  # it reads only the order's shop
        connection = connection_for_acknowledging(Order(shop=shop))
    except ShopCtrlError as exc:
        raise _Refused([*problems, Problem(exc.message)]) from None
    if connection.credit_reason_rejected is None:
        problems.append(
            Problem(
                "Set the credit reason for rejected rows first (Amazon 1P settings › Order sync)."
            )
        )
        raise _Refused(problems)
    plans = []
    for po, order_id in order_ids.items():
        plan, found = _plan(orders[order_id], by_po[po], connection)
        problems += found
        if plan:
            plans.append(plan)
    if problems or refuse:
        raise _Refused(problems)
    for plan in plans:
        try:
            _carry_out(plan, record, actor, connection.credit_reason_rejected)
        except ShopCtrlError as exc:
            problems.append(Problem(f"PO {plan.order.number}: {exc.message}", plan.lines[0].line))
    if problems:
        raise _Refused(problems)


def _report(record: PickImport, problems: list[Problem], applied: PickImport | None) -> str:
    head = (
        f"Pick import #{record.pk} ({record.get_source_display()}"
        f"{', ' + record.filename if record.filename else ''}, {record.line_count} line(s), "
        f"{record.po_count} PO(s)): {record.get_status_display().lower()}."
    )
    if problems:
        return "\n".join([head, "Nothing was changed. Problems:", *(f"- {p}" for p in problems)])
    text = [head]
    if applied is not None and applied.pk != record.pk:
        text.append(f"Same content as pick import #{applied.pk}; nothing was changed this time.")
    for pick_order in applied.orders.select_related("order") if applied else []:
        if pick_order.unchanged:
            text.append(f"PO {pick_order.order.number}: unchanged (the same picks as before).")
        else:
            text.append(
                f"PO {pick_order.order.number}: acknowledgement #{pick_order.acknowledgement_id} "
                "written; it is on its way to Amazon."
            )
        for row in pick_order.rows:
            staff = f", {row['staff_credited']} credited by staff" if row["staff_credited"] else ""
            text.append(
                f"  row {row['position']} EAN {row['ean']}: {row['ordered']} ordered, "
                f"{row['picked']} picked, {row['credited']} credited{staff}"
            )
    return "\n".join(text)


def pick_import(
    *,
    content: bytes,
    source: str,
    json_body: bool = False,
    shop: Shop | None = None,
    filename: str = "",
    actor: User | None = None,
    api_token: ApiToken | None = None,
) -> PickResult:
    """Import one pick file (CSV, or through the API a JSON list): all of it or nothing.

    `shop`: the API's shop (lines may omit it); None for the folder, whose lines name it.
    Side effects when applied: credit rows (replacing those earlier pick files made for the
    PO), acknowledgements in the outbox (sent after commit), audit entries. Always a
    PickImport row with the report; a refused folder file also raises an alert.
    Idempotency key: (shop, SHA-256 of `content`) among applied imports.
    """
    sha256 = hashlib.sha256(content).hexdigest()
    parse = pick_lines_from_json if json_body else pick_lines_from_csv
    lines, problems = parse(content)
    shop, found = shop_of(lines, shop)
    problems += found
    if not lines and not problems:
        problems.append(Problem("There are no pick lines."))
    problems.sort(key=lambda problem: problem.line or 0)
    record = PickImport(
        shop=shop,
        source=source,
        filename=filename[:255],
        sha256=sha256,
        line_count=len(lines),
        po_count=len({line.po for line in lines if line.po}),
        api_token=api_token,
        created_by=actor if actor and actor.is_authenticated else None,
    )
    earlier = _applied(shop, sha256) if shop and not problems else None
    if shop is not None and lines and not found and earlier is None:
        # With problems already, this only looks for more (under the same rules), then refuses.
        try:
            with transaction.atomic():
                record.status = PickImportStatus.APPLIED
                record.save()
                _apply(record, shop, lines, actor, refuse=bool(problems))
                record.report = _report(record, [], record)
                record.save(update_fields=["report"])
                audit_record(
                    actor=actor,
                    shop=shop,
                    action="amazon1p.pick_import",
                    target=record,
                    changes={"orders": [None, record.po_count], "source": [None, source]},
                )
            return PickResult(record, [], record)
        except _Refused as refused:
            problems = sorted(problems + refused.problems, key=lambda problem: problem.line or 0)
        except IntegrityError:  # another worker applied the same content a moment ago
            earlier = _applied(shop, sha256)
            if earlier is None:
                raise
        record.pk = None
    record.status = PickImportStatus.DUPLICATE if earlier else PickImportStatus.FAILED
    record.save()
    record.report = _report(record, problems, earlier)
    record.save(update_fields=["report"])
    if problems and source == PickSource.FOLDER and shop is not None:
        alert_raise(
            shop=shop,
            severity=AlertSeverity.ERROR,
            message=f"Pick file {filename} was refused ({len(problems)} problem(s)); nothing "
            f"was changed. See pick import #{record.pk}.",
            target=record,
            kind=AlertKind.PICKS,
        )
    return PickResult(record, problems, earlier)


def _applied(shop: Shop | None, sha256: str) -> PickImport | None:
    return PickImport.objects.filter(
        shop=shop, sha256=sha256, status=PickImportStatus.APPLIED
    ).first()
