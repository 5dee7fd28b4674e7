"""The pack-file service: check a read file against its group shipment and apply it whole, or
refuse it whole (see the package docstring for the rules)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from amazon1p.picks.reading import Problem
from asn.models import (
    ContainerKind,
    GroupShipment,
    GroupShipmentStatus,
    PackImport,
    PackImportStatus,
)
from asn.packfile.applying import packing_write
from asn.packfile.matching import Packing, packing_match, packing_of, ssccs_record
from asn.packfile.reading import PackFile
from asn.shipments import ShipmentError, locked_draft, revision_bump
from shops.audit import audit_record
from shops.models import AlertKind, AlertSeverity, Shop
from shops.services import alert_raise


@dataclass(frozen=True)
class PackResult:
    """What became of a pack file: its record, and the problems when it was refused. The
    counts are the group shipment's packing per the file (also when unchanged)."""

    record: PackImport
    problems: list[Problem] = field(default_factory=list)
    orders: int = 0
    pallets: int = 0
    cartons: int = 0
    packed_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.record.status != PackImportStatus.REFUSED

    def as_json(self) -> dict[str, Any]:
        record = self.record
        data: dict[str, Any] = {
            "import": record.pk,
            "status": record.status,
            "group": record.group.code if record.group else None,
            "lines": record.lines,
        }
        if self.ok:
            data |= {"orders": self.orders, "pallets": self.pallets, "cartons": self.cartons}
            data["packed_at"] = self.packed_at.isoformat() if self.packed_at else None
        else:
            data["problems"] = [{"line": p.line, "message": p.message} for p in self.problems]
        return data

    def report(self) -> str:
        record = self.record
        group = f" for group shipment {record.group.code}" if record.group else ""
        head = (
            f"Pack import #{record.pk} ({record.get_source_display()}, {record.name}, "
            f"{record.lines} line(s)){group}: {record.get_status_display().lower()}."
        )
        if not self.ok:
            return "\n".join(
                [head, "Nothing was changed. Problems:", *(f"- {p}" for p in self.problems)]
            )
        text = [
            head,
            f"{self.orders} order(s), {self.pallets} pallet(s), {self.cartons} carton(s).",
        ]
        if self.packed_at:
            text.append(f"Packed at {self.packed_at.isoformat()}.")
        if record.status == PackImportStatus.UNCHANGED:
            text.append("The group shipment was already packed exactly so; nothing was written.")
        return "\n".join(text)


class _Refused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def _group(shop: Shop, pack: PackFile) -> GroupShipment:
    """The shop's group shipment in packing that the file's one bill of lading names."""
    if len(pack.bols) != 1:
        raise _Refused([])  # reading reported it (no BOL, or several)
    bol = pack.bols[0]
    groups = list(GroupShipment.objects.filter(shop=shop, bill_of_lading=bol))
    drafts = [group for group in groups if group.status == GroupShipmentStatus.DRAFT]
    if len(drafts) == 1:
        return drafts[0]
    if len(drafts) > 1:
        codes = ", ".join(sorted(group.code for group in drafts))
        message = f"Bill of lading {bol} is on several group shipments in packing ({codes})"
    elif groups:
        message = (
            f"Bill of lading {bol} is group shipment {groups[0].code}, which is no longer "
            f"being packed ({groups[0].get_status_display()})"
        )
    else:
        message = f"No group shipment of this shop has the bill of lading {bol}"
    raise _Refused([Problem(message)])


def _apply(group: GroupShipment, pack: PackFile, record: PackImport, actor: User | None) -> Packing:
    """Under the group's lock: match, then leave unchanged, write, or raise _Refused with
    the problems beyond the file's own (the caller's transaction then rolls back). Saves the
    record when it is not refused."""
    locked = locked_draft(group)
    record.group = locked
    packing, problems = packing_match(group=locked, lines=pack.lines)
    current = packing_of(locked)
    if not pack.problems and not problems and packing.already(current):
        record.status = PackImportStatus.UNCHANGED
        record.save()
        return packing
    problems += ssccs_record(group=locked, lines=pack.lines)
    if pack.problems or problems:
        raise _Refused(problems)
    packing_write(group=locked, packing=packing)
    revision_bump(locked)
    record.status = PackImportStatus.APPLIED
    record.save()
    audit_record(
        actor=actor,
        shop=locked.shop,
        action="group_shipment.pack_import",
        target=locked,
        changes={
            "pack_import": record.pk,
            "source": record.source,
            "orders": [len(current.order_ids), len(packing.order_ids)],
            "pallets": [current.count(ContainerKind.PALLET), packing.count(ContainerKind.PALLET)],
            "cartons": [current.count(ContainerKind.CARTON), packing.count(ContainerKind.CARTON)],
            "packed_at": pack.packed_at.isoformat() if pack.packed_at else None,
        },
    )
    return packing


def pack_import(
    *,
    shop: Shop,
    pack: PackFile,
    source: str,
    name: str,
    actor: User | None = None,
) -> PackResult:
    """Apply a read pack file to the shop's group shipment its bill of lading names.

    All or nothing, in one transaction under the group's row lock (two files for one group
    shipment apply one after the other, never mixed): on success the group shipment's orders,
    lines, containers and placements are the file's, its revision goes up once and an audit
    entry is written. If it already is packed exactly so, nothing is written (status
    unchanged: a repeat, or a rerun after a crash, is harmless). Otherwise the file is refused:
    nothing changes, every problem is reported with its line, and the shop gets an alert.
    A `PackImport` records each outcome.
    """
    record = PackImport(
        shop=shop,
        source=source,
        name=name[:255],
        sha256=pack.sha256,
        lines=pack.line_count,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    group: GroupShipment | None = None
    try:
        group = _group(shop, pack)
        with transaction.atomic():
            packing = _apply(group, pack, record, actor)
        return PackResult(
            record,
            orders=len(packing.order_ids),
            pallets=packing.count(ContainerKind.PALLET),
            cartons=packing.count(ContainerKind.CARTON),
            packed_at=pack.packed_at,
        )
    except ShipmentError as exc:  # the group left packing before we locked it
        problems = [Problem(str(exc))]
    except _Refused as refused:
        problems = pack.problems + refused.problems
    return _refuse(record, group, sorted(problems, key=lambda p: p.line or 0))


def _refuse(record: PackImport, group: GroupShipment | None, problems: list[Problem]) -> PackResult:
    record.group, record.status = group, PackImportStatus.REFUSED
    record.problems = [{"line": p.line, "message": p.message} for p in problems]
    record.save()
    where = f" for group shipment {group.code}" if group else ""
    alert_raise(
        shop=record.shop,
        severity=AlertSeverity.ERROR,
        message=f"Pack file {record.name}{where} was refused ({len(problems)} problem(s)); "
        f"nothing was changed. See pack import #{record.pk}.",
        target=group,
        kind=AlertKind.SHIPMENT,
    )
    return PackResult(record, problems)
