"""Pack files (issue #7): a file builds or replaces a group shipment's orders, lines and
placement; the same content again writes nothing; a file the orders refuse changes nothing and
says why per line, with an alert; the watched folder, the management command, the beat job,
the REST endpoint; files for one group shipment applied at once end as one of them, whole."""

import os
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from asn.gs1 import make_sscc
from asn.models import (
    Container,
    ContainerKind,
    GroupShipment,
    GroupShipmentStatus,
    PackImport,
    PackImportStatus,
    PackSource,
    Placement,
    ShipmentLine,
    ShipmentType,
    SsccRecord,
    Warehouse,
)
from asn.packfile import pack_file_read, pack_import, pack_inbox_process
from asn.packfile.tasks import pack_inbox_process_task
from asn.placement import pallet_add, unplace
from asn.shipments import (
    GroupShipmentData,
    group_shipment_create,
    shipment_add_order,
)
from core.folders import pass_lock
from shops.models import Alert, AuditEntry
from shops.tokens import api_token_create, api_token_revoke
from tests.support.asn import FC, acknowledged_order
from tests.support.domain_helpers import group_status_set

pytestmark = pytest.mark.django_db

BOL = "BOL-20261126-1"  # the `group` fixture's
KETTLE, TOASTER = "4006381333931", "4006381333948"  # 12 and 6 ordered on every test order
LABELS = "4098765"  # the warehouse's own GS1 company prefix, printed on its labels
P1, P2, P3, C1, C2, C3 = (make_sscc(LABELS, serial) for serial in range(1, 7))


def broken(sscc: str) -> str:
    """The SSCC with a wrong check digit."""
    return sscc[:-1] + str((int(sscc[-1]) + 1) % 10)


HEADER = "BOL,PO Number,Pallet SSCC,Carton SSCC,EAN,Quantity,Unit weight (kg),Time"


def csv_file(*lines: tuple, header: str = HEADER, separator: str = ",") -> bytes:
    rows = [header.replace(",", separator)]
    rows += [separator.join(str(cell) for cell in line) for line in lines]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def orders(shop, group):
    return acknowledged_order(shop, "PO-A"), acknowledged_order(shop, "PO-B")


# PO-A: kettles split over two cartons on P1, toasters in the second; PO-B loose on P2.
GOOD = (
    (BOL, "PO-A", P1, C1, KETTLE, 8, "1.2", "2026-11-26T09:00:00+01:00"),
    (BOL, "PO-A", P1, C2, KETTLE, 4, "1.2", "2026-11-26T09:05:00+01:00"),
    (BOL, "PO-A", P1, C2, TOASTER, 6, "2.5", ""),
    (BOL, "PO-B", P2, "", KETTLE, 10, "", ""),
)


def apply(shop, content: bytes, *, name: str = "pack.csv", source=PackSource.UPLOAD):
    return pack_import(shop=shop, pack=pack_file_read(content), source=source, name=name)


def lines_of(group) -> dict[tuple[str, str], tuple[int, Decimal | None]]:
    return {
        (line.shipment.order.number, line.row.ean): (line.quantity, line.unit_weight_kg)
        for line in ShipmentLine.objects.filter(shipment__group=group).select_related(
            "shipment__order", "row"
        )
    }


def placement_of(group) -> set[tuple]:
    """(PO, EAN, eaches, container SSCC, kind, its pallet's SSCC) for every placement."""
    return {
        (
            p.line.shipment.order.number,
            p.line.row.ean,
            p.quantity,
            p.container.sscc,
            p.container.kind,
            p.container.pallet.sscc if p.container.pallet else "",
        )
        for p in Placement.objects.filter(container__group=group).select_related(
            "line__shipment__order", "line__row", "container__pallet"
        )
    }


def state_of(group) -> tuple:
    """Everything a pack file may change, to show that a refused one changed nothing."""
    group.refresh_from_db()
    containers = sorted(Container.objects.filter(group=group).values_list("pk", "sscc"))
    records = sorted(SsccRecord.objects.values_list("sscc", "used_at"))
    return lines_of(group), placement_of(group), containers, records, group.revision


GOOD_PLACEMENT = {
    ("PO-A", KETTLE, 8, C1, ContainerKind.CARTON, P1),
    ("PO-A", KETTLE, 4, C2, ContainerKind.CARTON, P1),
    ("PO-A", TOASTER, 6, C2, ContainerKind.CARTON, P1),
    ("PO-B", KETTLE, 10, P2, ContainerKind.PALLET, ""),
}


# --- reading ----------------------------------------------------------------------------------


def test_header_synonyms_semicolons_bom_and_decimal_commas_read_the_same():
    plain = pack_file_read(csv_file(*GOOD))
    other = (
        "\ufeffcarton_sscc; ean ;QTY;bill of lading;pallet;purchase_order;weight;packed_at\n"
        f"{C1};{KETTLE};8;{BOL};{P1};PO-A;1,2;2026-11-26T08:00:00Z\n"
        f"{C2};{KETTLE};4;{BOL};(00) {P1};PO-A;1,200;2026-11-26T08:05:00Z\n"
        f"{C2};{TOASTER};6;{BOL};{P1};PO-A;2,5;\n"
        f";{KETTLE};10;{BOL};{P2};PO-B;;\n"
    ).encode()

    read = pack_file_read(other)

    assert plain.problems == read.problems == []
    assert read.line_count == 4 and read.bols == (BOL,)
    assert read.sha256 == plain.sha256
    assert read.lines[1].pallet == P1 and read.lines[1].unit_weight_kg == Decimal("1.2")
    assert read.packed_at == datetime.fromisoformat("2026-11-26T08:05:00+00:00")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ((BOL, "PO-A", P1, "", KETTLE, "3.5", "", ""), "quantity '3.5' is not a whole number"),
        ((BOL, "PO-A", P1, "", KETTLE, "0", "", ""), "quantity must be more than 0"),
        ((BOL, "PO-A", P1, "", KETTLE, "-2", "", ""), "quantity '-2' is not a whole number"),
        ((BOL, "PO-A", P1, "", KETTLE, "2", "heavy", ""), "unit weight 'heavy' is not a weight"),
        ((BOL, "PO-A", P1, "", KETTLE, "2", "0", ""), "unit weight must be more than 0 kg"),
        ((BOL, "PO-A", P1, "", KETTLE, "2", "", "yesterday"), "time 'yesterday' is not an ISO"),
        ((BOL, "PO-A", broken(P1), "", KETTLE, "2", "", ""), "pallet SSCC:"),
        ((BOL, "PO-A", P1, "12345", KETTLE, "2", "", ""), "carton SSCC:"),
        ((BOL, "PO-A", "", "", KETTLE, "2", "", ""), "pallet SSCC: Enter an SSCC"),
        ((BOL, "", P1, "", KETTLE, "2", "", ""), "PO is empty"),
        ((BOL, "PO-A", P1, "", "", "2", "", ""), "EAN is empty"),
    ],
)
def test_a_malformed_line_is_reported_with_its_line_number(line, message):
    read = pack_file_read(csv_file(GOOD[0], line))

    assert [(p.line, message in p.message) for p in read.problems] == [(3, True)]
    assert len(read.lines) == 1 and read.line_count == 2


def test_file_level_problems():
    assert "lacks the column(s) pallet, quantity" in str(
        pack_file_read(b"bol,po,ean\nB,P,1\n").problems
    )
    assert pack_file_read(b"").problems[0].message == "The file is empty."
    assert pack_file_read(b"\xff\xfe").problems[0].message == "The file is not UTF-8 text."
    assert "no lines" in pack_file_read(HEADER.encode()).problems[0].message
    short = pack_file_read(csv_file(GOOD[0]) + b"BOL,PO-A\n")
    assert [(p.line, p.message) for p in short.problems] == [(3, "2 fields where the header has 8")]


# --- applying ---------------------------------------------------------------------------------


def test_a_good_file_builds_orders_lines_pallets_cartons_and_loose_items(shop, group, orders):
    revision = group.revision

    result = apply(shop, csv_file(*GOOD))

    assert result.ok and result.record.status == PackImportStatus.APPLIED
    assert (result.orders, result.pallets, result.cartons) == (2, 2, 2)
    assert lines_of(group) == {
        ("PO-A", KETTLE): (12, Decimal("1.2")),  # one line, split over two cartons
        ("PO-A", TOASTER): (6, Decimal("2.5")),
        ("PO-B", KETTLE): (10, None),
    }
    assert placement_of(group) == GOOD_PLACEMENT
    group.refresh_from_db()
    assert group.revision == revision + 1
    record = PackImport.objects.get()
    assert (record.group, record.lines, record.problems) == (group, 4, [])
    audit = AuditEntry.objects.get(action="group_shipment.pack_import")
    assert audit.target_id == str(group.pk)
    assert audit.changes["pallets"] == [0, 2]
    assert audit.changes["packed_at"] == [None, "2026-11-26T09:05:00+01:00"]
    assert SsccRecord.objects.filter(shop=shop, generated=False).count() == 4
    assert "applied" in result.report() and "2 pallet(s), 2 carton(s)" in result.report()


def test_a_later_file_replaces_orders_lines_and_placement_keeping_reused_pallets(
    shop, group, orders
):
    apply(shop, csv_file(*GOOD))
    kept = Container.objects.get(group=group, sscc=P1)
    Container.objects.filter(pk=kept.pk).update(weight_kg=Decimal("180.50"))  # weighed by staff
    later = (  # PO-B leaves; P1 stays a pallet, now with loose kettles and a new carton
        (BOL, "PO-A", P1, "", KETTLE, 5, "", ""),
        (BOL, "PO-A", P1, C3, KETTLE, 2, "1.3", ""),
        (BOL, "PO-A", P3, C2, TOASTER, 1, "", ""),
    )

    result = apply(shop, csv_file(*later))

    assert result.record.status == PackImportStatus.APPLIED
    assert lines_of(group) == {
        ("PO-A", KETTLE): (7, Decimal("1.3")),
        ("PO-A", TOASTER): (1, Decimal("2.5")),  # no weight in the file: the line keeps its own
    }
    assert placement_of(group) == {
        ("PO-A", KETTLE, 5, P1, ContainerKind.PALLET, ""),
        ("PO-A", KETTLE, 2, C3, ContainerKind.CARTON, P1),
        ("PO-A", TOASTER, 1, C2, ContainerKind.CARTON, P3),  # C2 moved to another pallet
    }
    assert not group.shipments.filter(order__number="PO-B").exists()
    assert Container.objects.get(group=group, sscc=P1).weight_kg == Decimal("180.50")
    assert Container.objects.get(group=group, sscc=P1).pk == kept.pk
    assert set(Container.objects.filter(group=group).values_list("sscc", flat=True)) == {
        P1,
        P3,
        C2,
        C3,
    }


def test_the_same_content_twice_is_unchanged_and_writes_nothing(shop, group, orders):
    first = apply(shop, csv_file(*GOOD))
    before = state_of(group)
    audits = AuditEntry.objects.count()
    # The same packing in another form: other separator, line order and SSCC notation.
    lines = reversed([(*line[:2], f"(00) {line[2]}", *line[3:]) for line in GOOD])

    second = apply(shop, csv_file(*lines, separator=";"), name="again.csv")

    assert second.ok and second.record.status == PackImportStatus.UNCHANGED
    assert second.record.sha256 == first.record.sha256
    assert (second.pallets, second.cartons) == (2, 2)
    assert "nothing was written" in second.report()
    assert state_of(group) == before
    assert AuditEntry.objects.count() == audits
    assert not Alert.objects.exists()


def test_the_same_file_after_a_change_by_hand_applies_again(shop, group, orders, admin_user):
    content = csv_file(*GOOD)
    apply(shop, content)
    unplace(placement=Placement.objects.get(container__sscc=P2), actor=admin_user)

    assert apply(shop, content).record.status == PackImportStatus.APPLIED
    assert placement_of(group) == GOOD_PLACEMENT


def test_an_ean_on_two_rows_of_a_po_fills_them_in_row_order(shop, group):
    order = acknowledged_order(shop, "PO-A", committed={1: 5})
    second = order.rows.get(position=2)
    second.ean = KETTLE  # the same product ordered on two rows
    second.save()

    result = apply(shop, csv_file((BOL, "PO-A", P1, C1, KETTLE, 7, "", "")))

    assert result.ok, result.problems
    quantities = sorted(ShipmentLine.objects.values_list("row__position", "quantity"))
    assert quantities == [(1, 5), (2, 2)]


# --- refusals ---------------------------------------------------------------------------------


def _other_group(shop, group, bol: str = "BOL-OTHER") -> GroupShipment:
    return group_shipment_create(
        shop=shop,
        data=GroupShipmentData(
            warehouse=group.warehouse, fc_code=group.fc_code, bill_of_lading=bol
        ),
        actor=None,
    )


REFUSALS = {
    "unknown PO": (
        lambda shop, group: None,
        (BOL, "PO-NOPE", P1, "", KETTLE, 1, "", ""),
        "PO PO-NOPE is not an Amazon purchase order of this shop",
    ),
    "PO to another FC": (
        lambda shop, group: acknowledged_order(shop, "PO-FAR", fc="WRO5"),
        (BOL, "PO-FAR", P1, "", KETTLE, 1, "", ""),
        "PO PO-FAR goes to FC WRO5, this group shipment to LEJ1",
    ),
    "EAN not on the PO": (
        lambda shop, group: None,
        (BOL, "PO-A", P1, "", "4006381333955", 1, "", ""),
        "PO PO-A has no row with EAN 4006381333955",
    ),
    "more than Amazon accepted": (
        lambda shop, group: acknowledged_order(shop, "PO-C", committed={2: 3}),
        (BOL, "PO-C", P1, "", TOASTER, 4, "", ""),
        f"PO PO-C, EAN {TOASTER}: the file ships 4, but only 3 may still ship",
    ),
    "what another group shipment ships": (
        lambda shop, group: shipment_add_order(
            group=_other_group(shop, group), order=acknowledged_order(shop, "PO-C"), actor=None
        ),
        (BOL, "PO-C", P1, "", KETTLE, 1, "", ""),
        f"PO PO-C, EAN {KETTLE}: the file ships 1, but only 0 may still ship",
    ),
    "bad check digit": (
        lambda shop, group: None,
        (BOL, "PO-A", P1, broken(C1), KETTLE, 1, "", ""),
        "is not a valid SSCC: its last digit",
    ),
    "SSCC as pallet and carton": (
        lambda shop, group: None,
        (BOL, "PO-A", P3, P1, TOASTER, 1, "", ""),
        f"SSCC {P1} is a carton here and a pallet in line 2",
    ),
    "carton on two pallets": (
        lambda shop, group: None,
        (BOL, "PO-A", P2, C1, TOASTER, 1, "", ""),
        f"carton {C1} is on pallet {P1} in line 2",
    ),
    "SSCC of another group shipment": (
        lambda shop, group: pallet_add(group=_other_group(shop, group), sscc=P3, actor=None),
        (BOL, "PO-A", P3, "", TOASTER, 1, "", ""),
        f"SSCC {P3} was already used on",
    ),
    "malformed quantity": (
        lambda shop, group: None,
        (BOL, "PO-A", P1, "", TOASTER, "two", "", ""),
        "quantity 'two' is not a whole number of eaches",
    ),
    "two weights for one PO and EAN": (
        lambda shop, group: None,
        (BOL, "PO-A", P1, "", KETTLE, 1, "9", ""),
        "line 2 gives this PO and EAN a unit weight of 1.2 kg",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_file_the_orders_refuse_changes_nothing_and_raises_an_alert(shop, group, orders, case):
    arrange, bad_line, message = REFUSALS[case]
    apply(shop, csv_file(*GOOD))  # an earlier placement, which must survive
    arrange(shop, group)
    before = state_of(group)
    first = (BOL, "PO-A", P1, C1, KETTLE, 3, "1.2", "")

    result = apply(shop, csv_file(first, bad_line), name="bad.csv")

    assert not result.ok and result.record.status == PackImportStatus.REFUSED
    assert [(p.line, message in p.message) for p in result.problems] == [(3, True)], result.problems
    assert result.record.problems == [{"line": 3, "message": result.problems[0].message}]
    assert result.record.group == group
    assert state_of(group) == before
    alert = Alert.objects.get()
    assert alert.target == group and "bad.csv" in alert.message
    assert f"Line 3: {result.problems[0].message}" in result.report()
    assert "Nothing was changed" in result.report()


def test_every_problem_of_a_file_is_reported_at_once(shop, group, orders):
    result = apply(
        shop,
        csv_file(
            (BOL, "PO-NOPE", P1, "", KETTLE, 1, "", ""),
            (BOL, "PO-A", P1, "", KETTLE, "x", "", ""),
            (BOL, "PO-A", P2, "", "123", 1, "", ""),
        ),
    )
    assert [p.line for p in result.problems] == [2, 3, 4]
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("arrange", "bols", "message"),
    [
        (lambda group: None, (BOL, "BOL-2"), "One file is one bill of lading; this one names 2"),
        (lambda group: None, ("BOL-NOPE",), "No group shipment of this shop has the bill of"),
        (
            lambda group: group_status_set(group, GroupShipmentStatus.SUBMITTED),
            (BOL,),
            "which is no longer being packed (ASN sent)",
        ),
    ],
)
def test_a_file_for_no_group_shipment_in_packing_is_refused(
    shop, group, orders, arrange, bols, message
):
    arrange(group)
    lines = [(bol, "PO-A", P1, "", KETTLE, 1, "", "") for bol in bols]

    result = apply(shop, csv_file(*lines))

    assert result.record.status == PackImportStatus.REFUSED
    assert [message in p.message for p in result.problems] == [True]
    assert not ShipmentLine.objects.exists() and not SsccRecord.objects.exists()
    assert Alert.objects.filter(shop=shop).count() == 1


def test_a_dropped_sscc_stays_used_and_no_other_group_shipment_may_take_it(shop, group, orders):
    apply(shop, csv_file(*GOOD))
    apply(shop, csv_file((BOL, "PO-A", P3, "", KETTLE, 1, "", "")))  # drops P1, P2, C1, C2
    _other_group(shop, group, "BOL-2")
    acknowledged_order(shop, "PO-C")

    result = apply(shop, csv_file(("BOL-2", "PO-C", P2, "", KETTLE, 1, "", "")))

    assert f"SSCC {P2} was already used on" in result.problems[0].message


# --- halfway, twice, at once ------------------------------------------------------------------


def test_a_failure_halfway_through_writing_leaves_the_earlier_placement(shop, group, orders):
    apply(shop, csv_file(*GOOD))
    before = state_of(group)
    later = csv_file((BOL, "PO-A", P3, C3, KETTLE, 2, "", ""))

    # The placement is written last, after the old packing was removed.
    with connection.execute_wrapper(_database_gone), pytest.raises(OperationalError):
        apply(shop, later)

    assert state_of(group) == before
    assert not PackImport.objects.filter(status=PackImportStatus.REFUSED).exists()
    assert apply(shop, later).record.status == PackImportStatus.APPLIED  # the rerun goes through


def _in_threads(*jobs):
    """Run each job in its own thread (and database connection), started together."""
    start = threading.Barrier(len(jobs))
    results: list = []

    def run(job):
        try:
            start.wait()
            results.append(job())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _slowly(job, *args, **kwargs):
    """Run `job` with its placement writes delayed (a slow database), so a second file comes
    in while the first is still being written."""

    def slow_placements(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "asn_placement"'):
            time.sleep(0.2)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(slow_placements):
        return job(*args, **kwargs)


def _one_order_file(po: str, first_serial: int) -> tuple[bytes, set[tuple]]:
    """A file packing `po` on one pallet of new SSCCs, and the placement it makes."""
    pallet, carton = make_sscc(LABELS, first_serial), make_sscc(LABELS, first_serial + 1)
    content = csv_file(
        (BOL, po, pallet, "", KETTLE, 10, "", ""), (BOL, po, pallet, carton, TOASTER, 6, "", "")
    )
    return content, {
        (po, KETTLE, 10, pallet, ContainerKind.PALLET, ""),
        (po, TOASTER, 6, carton, ContainerKind.CARTON, pallet),
    }


@pytest.mark.django_db(transaction=True)  # the threads must see committed rows
def test_two_different_files_at_once_end_as_one_of_them_never_a_mixture(shop, group, orders):
    revision = GroupShipment.objects.get(pk=group.pk).revision
    rounds = 3  # three races: without the group's lock, one of them mixes the two files

    for race in range(rounds):
        # Different orders and SSCCs: nothing but the group shipment's lock keeps them apart.
        files = {
            po: _one_order_file(po, 100 * race + serial)
            for po, serial in (("PO-A", 10), ("PO-B", 20))
        }

        results = _in_threads(
            *(
                lambda po=po, file=file: _slowly(apply, shop, file[0], name=po)
                for po, file in files.items()
            )
        )

        assert [result.record.status for result in results] == [PackImportStatus.APPLIED] * 2
        last = PackImport.objects.order_by("-pk").first().name  # saved last, so committed last
        assert placement_of(group) == files[last][1]
        assert set(group.shipments.values_list("order__number", flat=True)) == {last}
    assert GroupShipment.objects.get(pk=group.pk).revision == revision + 2 * rounds


@pytest.mark.django_db(transaction=True)
def test_the_same_file_twice_at_once_applies_once(shop, group, orders):
    content = csv_file(*GOOD)

    results = _in_threads(lambda: apply(shop, content), lambda: apply(shop, content))

    statuses = sorted(r.record.status for r in results)
    assert statuses == [PackImportStatus.APPLIED, PackImportStatus.UNCHANGED]
    assert placement_of(group) == GOOD_PLACEMENT


# --- the inbox ----------------------------------------------------------------------------------


def _drop(inbox, name: str, content: bytes, *, settled: bool = True):
    inbox.mkdir(parents=True, exist_ok=True)  # a shop's folder: <dir>/inbox/<shop id>/
    path = inbox / name
    path.write_bytes(content)
    if settled:
        past = time.time() - 60
        os.utime(path, (past, past))
    return path


def test_inbox_pass_files_applied_refused_and_shopless_files_with_reports(
    shop, group, orders, tmp_path
):
    inbox = tmp_path / "inbox" / str(shop.pk)
    _drop(inbox, "good.csv", csv_file(*GOOD))
    _drop(inbox, "bad.csv", csv_file((BOL, "PO-NOPE", P1, "", KETTLE, 1, "", "")))
    _drop(inbox, "nobody.csv", csv_file(("BOL-NOBODY", "PO-A", P1, "", KETTLE, 1, "", "")))
    _drop(inbox, "notes.txt", b"not a pack file")
    _drop(inbox, "writing.csv", b"bol,po", settled=False)
    _drop(tmp_path / "inbox", "stray.csv", csv_file(*GOOD))  # in no shop's folder
    _drop(tmp_path / "inbox" / "99999", "lost.csv", csv_file(*GOOD))  # no such shop

    handled = pack_inbox_process(directory=tmp_path)

    names = ["bad.csv", "good.csv", "lost.csv", "nobody.csv", "stray.csv"]
    assert sorted(item.name for item in handled) == names
    assert sorted(p.name for p in inbox.iterdir()) == ["notes.txt", "writing.csv"]
    assert (tmp_path / f"done/{shop.pk}/good.csv").read_bytes() == csv_file(*GOOD)
    assert "applied" in (tmp_path / f"done/{shop.pk}/good.report.txt").read_text()
    assert "PO-NOPE" in (tmp_path / f"failed/{shop.pk}/bad.report.txt").read_text()
    nobody = (tmp_path / f"failed/{shop.pk}/nobody.report.txt").read_text()
    assert "No group shipment of this shop has the bill of lading BOL-NOBODY" in nobody
    stray = (tmp_path / "failed/stray.report.txt").read_text()
    assert "refused, for no shop (it is not in a shop's folder)" in stray
    assert "inbox/<shop id>/" in stray
    assert "no shop has the id 99999" in (tmp_path / "failed/lost.report.txt").read_text()
    assert placement_of(group) == GOOD_PLACEMENT
    records = PackImport.objects.filter(source=PackSource.INBOX)
    assert sorted(records.values_list("name", "status")) == [
        ("bad.csv", PackImportStatus.REFUSED),
        ("good.csv", PackImportStatus.APPLIED),
        ("nobody.csv", PackImportStatus.REFUSED),
    ]
    assert Alert.objects.filter(shop=shop).count() == 2

    assert pack_inbox_process(directory=tmp_path) == []  # nothing new


def _same_bol_draft_of(other_shop) -> GroupShipment:
    """Another shop's draft group shipment with our group's bill of lading."""
    warehouse = Warehouse.objects.create(
        shop=other_shop,
        code="WH9",
        name="Theirs",
        address_line="x",
        postal_code="1",
        city="Wien",
        country="AT",
    )
    return GroupShipment.objects.create(
        shop=other_shop,
        code="THEIRS-1",
        warehouse=warehouse,
        fc_code=FC,
        shipment_type=ShipmentType.LTL,
        bill_of_lading=BOL,
    )


def test_a_pack_file_in_a_shops_folder_touches_that_shop_only(
    shop, group, orders, other_shop, tmp_path
):
    # Before: the file went to whichever shop had a draft with the BOL, or another shop's
    # draft with the same BOL blocked it ("on group shipments of several shops").
    theirs = _same_bol_draft_of(other_shop)
    _drop(tmp_path / "inbox" / str(shop.pk), "pack.csv", csv_file(*GOOD))
    _drop(tmp_path / "inbox" / str(other_shop.pk), "pack.csv", csv_file(*GOOD))

    handled = {item.moved_to.parent.name: item for item in pack_inbox_process(directory=tmp_path)}

    assert handled[str(shop.pk)].result.ok
    assert placement_of(group) == GOOD_PLACEMENT
    assert not handled[str(other_shop.pk)].result.ok  # their draft has none of our POs
    assert (tmp_path / f"failed/{other_shop.pk}/pack.csv").exists()
    assert placement_of(theirs) == set()
    assert PackImport.objects.get(shop=other_shop).status == PackImportStatus.REFUSED
    assert PackImport.objects.get(shop=shop).status == PackImportStatus.APPLIED


def test_a_pass_killed_before_the_move_reruns_harmlessly(shop, group, orders, tmp_path, settings):
    settings.PACK_INBOX_DIR = tmp_path
    content = csv_file(*GOOD)
    _drop(tmp_path / "inbox" / str(shop.pk), "pack.csv", content)
    apply(shop, content, source=PackSource.INBOX)  # the killed pass applied it, never moved it
    before = state_of(group)
    (tmp_path / "done" / str(shop.pk)).mkdir(parents=True)
    (tmp_path / f"done/{shop.pk}/pack.csv").write_bytes(b"an earlier file of the same name")

    assert pack_inbox_process_task() == 1
    assert pack_inbox_process_task() == 0  # the beat job again: nothing left

    assert (
        tmp_path / f"done/{shop.pk}/pack.csv"
    ).read_bytes() == b"an earlier file of the same name"
    assert (tmp_path / f"done/{shop.pk}/pack.1.csv").read_bytes() == content
    assert "nothing was written" in (tmp_path / f"done/{shop.pk}/pack.1.report.txt").read_text()
    assert state_of(group) == before


def _database_gone(execute, sql, params, many, context):
    """A database that goes away while the placement is being written."""
    if sql.startswith('INSERT INTO "asn_placement"'):
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


def test_a_file_that_fails_unexpectedly_stays_for_the_next_pass(shop, group, orders, tmp_path):
    _drop(tmp_path / "inbox" / str(shop.pk), "a.csv", csv_file(*GOOD))
    _drop(
        tmp_path / "inbox" / str(shop.pk),
        "b.csv",
        csv_file(("BOL-NOBODY", "PO-A", P1, "", KETTLE, 1, "", "")),
    )

    with connection.execute_wrapper(_database_gone):
        handled = pack_inbox_process(directory=tmp_path)

    assert [item.name for item in handled] == ["b.csv"]  # a.csv did not hold it up
    assert (tmp_path / f"inbox/{shop.pk}/a.csv").exists()
    assert not PackImport.objects.filter(name="a.csv").exists()
    assert not ShipmentLine.objects.exists()

    assert [item.name for item in pack_inbox_process(directory=tmp_path)] == ["a.csv"]
    assert placement_of(group) == GOOD_PLACEMENT


def test_an_overlapping_pass_skips(shop, group, orders, tmp_path):
    _drop(tmp_path / "inbox" / str(shop.pk), "pack.csv", csv_file(*GOOD))
    held, release = threading.Event(), threading.Event()

    def other_pass():  # another worker, on its own database session, in the middle of a pass
        try:
            with pass_lock("asn.pack_inbox"):
                held.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_pass)
    worker.start()
    held.wait(10)
    try:
        assert pack_inbox_process(directory=tmp_path) == []
    finally:
        release.set()
        worker.join()
    assert (tmp_path / f"inbox/{shop.pk}/pack.csv").exists()
    assert len(pack_inbox_process(directory=tmp_path)) == 1


def test_management_command_runs_one_pass(shop, group, orders, tmp_path, capsys):
    _drop(tmp_path / "inbox" / str(shop.pk), "pack.csv", csv_file(*GOOD))

    call_command("asn_packs", "--dir", str(tmp_path))

    out = capsys.readouterr().out
    assert "pack.csv → " in out and ": applied." in out and "1 file(s) handled" in out
    assert (tmp_path / f"done/{shop.pk}/pack.csv").exists()


# --- the REST endpoint --------------------------------------------------------------------------


def _post(shop_id: int, body: bytes, *, token: str | None, content_type: str = "text/csv"):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return Client(enforce_csrf_checks=True).post(
        reverse("api:pack-import", args=[shop_id]),
        data=body,
        content_type=content_type,
        HTTP_X_FILENAME="wms-4711.csv",
        **headers,
    )


def test_api_applies_a_pack_file_with_a_token_of_the_shop(shop, group, orders, admin_user):
    _, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")

    response = _post(shop.pk, csv_file(*GOOD), token=raw)

    assert response.status_code == 200, response.content
    data = response.json()
    assert {key: data[key] for key in ("status", "group", "lines", "pallets", "cartons")} == {
        "status": "applied",
        "group": group.code,
        "lines": 4,
        "pallets": 2,
        "cartons": 2,
    }
    record = PackImport.objects.get(pk=data["import"])
    assert (record.source, record.name) == (PackSource.API, "wms-4711.csv")
    assert placement_of(group) == GOOD_PLACEMENT
    assert _post(shop.pk, csv_file(*GOOD), token=raw).json()["status"] == "unchanged"


def test_api_answers_400_with_the_problems_and_changes_nothing(shop, group, orders, admin_user):
    _, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")

    response = _post(shop.pk, csv_file((BOL, "PO-A", P1, "", KETTLE, 99, "", "")), token=raw)

    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "refused" and data["group"] == group.code
    assert data["problems"] == [
        {
            "line": 2,
            "message": f"PO PO-A, EAN {KETTLE}: the file ships 99, but only 12 may still ship "
            "(accepted by Amazon and not in another group shipment)",
        }
    ]
    assert not ShipmentLine.objects.exists()
    assert _post(shop.pk, b"x", token=raw, content_type="application/json").status_code == 415


def test_api_refuses_missing_bad_revoked_and_other_shops_tokens(
    shop, group, orders, admin_user, other_shop, other_admin
):
    content = csv_file(*GOOD)
    _, other_raw = api_token_create(actor=other_admin, shop=other_shop, name="Theirs")
    revoked, revoked_raw = api_token_create(actor=admin_user, shop=shop, name="Old")
    api_token_revoke(actor=admin_user, token=revoked)

    for token in (None, "sct_not-a-real-token", revoked_raw):
        response = _post(shop.pk, content, token=token)
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert _post(shop.pk, content, token=other_raw).status_code == 403
    assert Client().get(reverse("api:pack-import", args=[shop.pk])).status_code == 405
    assert not PackImport.objects.exists() and not ShipmentLine.objects.exists()


def test_recent_sscc_window_is_365_days(shop, group, orders):
    """An SSCC last used more than a year ago elsewhere may be used again."""
    SsccRecord.objects.create(
        shop=shop, sscc=P3, generated=False, used_at=timezone.now() - timedelta(days=366)
    )

    assert apply(shop, csv_file((BOL, "PO-A", P3, "", KETTLE, 1, "", ""))).ok


def test_a_label_dropped_by_one_file_may_come_back_in_the_next(shop, group, orders):
    """The same group shipment may use its own SSCCs again; another one may not."""
    from asn.shipments import GroupShipmentData, group_shipment_create

    first = csv_file((BOL, "PO-A", P3, "", KETTLE, 1, "", ""))
    assert apply(shop, first).ok
    assert apply(shop, csv_file((BOL, "PO-A", P1, "", KETTLE, 1, "", ""))).ok  # P3 dropped
    assert apply(shop, first).ok  # and back

    other = group_shipment_create(
        shop=shop,
        data=GroupShipmentData(
            warehouse=group.warehouse, fc_code=group.fc_code, bill_of_lading="BOL-OTHER-2"
        ),
        actor=None,
    )
    refused = apply(shop, csv_file((other.bill_of_lading, "PO-A", P1, "", KETTLE, 1, "", "")))
    assert not refused.ok
    assert any("365 days" in str(p) for p in refused.problems)
