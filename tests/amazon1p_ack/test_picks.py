"""Pick results end to end: a pick file credits what was not picked and acknowledges (the
simulator receives it), a later file for the same PO replaces the picks' credit rows, the same
file twice changes nothing, a bad file changes nothing and says why per line; the watched
folder, the REST endpoint with its tokens, and the tokens page."""

import hashlib
import json
import os
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse

from amazon1p.models import Acknowledgement, AckOrigin, AckStatus
from amazon1p.picks.inbox import pick_inbox_process
from amazon1p.picks.models import PickImport, PickImportStatus, PickSource
from amazon1p.picks.services import pick_import
from amazon1p.tasks import pick_inbox_process_task
from orders.models import CreditRow
from orders.services import order_credit_row_add
from shops.models import Alert, ApiToken, AuditEntry, CreditReason
from shops.tokens import api_token_create, api_token_revoke
from tests.support.acknowledgements import acknowledgement_posts, deliver, fresh_order

pytestmark = pytest.mark.django_db

HEADER = "shop,po,ean,picked_quantity,pick_time"


def _two_rows_of_several(po) -> bool:
    return len(po.items) >= 2 and all(
        i.ordered_quantity.eaches >= 3 * (i.ordered_quantity.unit_size or 1) for i in po.items[:2]
    )


def pick_csv(
    order, short: dict[int, int] | None = None, *, at: str = "2026-11-20T10:00:00Z"
) -> bytes:
    """A pick file for every row of `order`: all picked, less `short` (position → eaches)."""
    short = short or {}
    lines = [HEADER] + [
        f"{order.shop_id},{order.number},{row.ean},{row.quantity - short.get(row.position, 0)},{at}"
        for row in order.rows.all()
    ]
    return ("\n".join(lines) + "\n").encode()


def _case(row) -> int:
    return row.case_size or 1


def _pick_credits(order) -> dict[int, int]:
    return {
        c.row.position: c.quantity
        for c in CreditRow.objects.filter(order=order, pick_orders__isnull=False)
    }


def _folder_import(content: bytes, name: str = "picks.csv"):
    return pick_import(content=content, source=PickSource.FOLDER, filename=name)


# --- the service ------------------------------------------------------------------------------


def test_pick_file_credits_the_shortfall_and_acknowledges_it_as_rejected(connected, shop, api, sim):
    order = fresh_order(shop, where=_two_rows_of_several)
    row = order.rows.get(position=1)
    short = _case(row)

    result = _folder_import(pick_csv(order, {1: short}))

    assert result.ok, result.problems
    assert result.pick_import.status == PickImportStatus.APPLIED
    credit = CreditRow.objects.get(order=order)
    assert (credit.row, credit.quantity, credit.reason) == (
        row,
        short,
        connected.credit_reason_rejected,
    )
    assert credit.created_by is None
    ack = Acknowledgement.objects.get(order=order)
    assert ack.origin == AckOrigin.PICK
    line = ack.lines.get(row=row)
    assert (line.accepted, line.rejected, line.rejection_reason) == (
        row.quantity - short,
        short,
        "TemporarilyUnavailable",
    )
    assert all(line.rejected == 0 for line in ack.lines.exclude(row=row))
    assert f"PO {order.number}: acknowledgement #{ack.pk}" in result.pick_import.report
    assert AuditEntry.objects.filter(shop=shop, action="amazon1p.pick_import").count() == 1

    ack = deliver(ack, api)
    assert ack.status == AckStatus.SUCCESS, ack.errors
    assert acknowledgement_posts(sim, order.number) == 1
    item = next(
        i for i in ack.payload["items"] if i["itemSequenceNumber"] == line.item_sequence_number
    )
    parts = {p["acknowledgementCode"]: p for p in item["itemAcknowledgements"]}
    rejected = parts["Rejected"]["acknowledgedQuantity"]
    assert rejected["amount"] * (rejected.get("unitSize") or 1) == short


def test_a_later_file_for_the_same_po_replaces_the_picks_credits_and_may_only_lower(
    connected, shop, admin_user, api
):
    order = fresh_order(shop, where=_two_rows_of_several)
    first_row, second_row = order.rows.get(position=1), order.rows.get(position=2)
    one, two = _case(first_row), _case(second_row)
    reason = CreditReason.objects.get(shop=shop, name="Rejected by Amazon")
    staff = order_credit_row_add(
        actor=admin_user, order=order, row=second_row, quantity=two, reason=reason
    )

    first = _folder_import(pick_csv(order, {1: one, 2: two}, at="2026-11-20T10:00:00Z"))
    assert first.ok, first.problems
    assert _pick_credits(order) == {1: one}  # row 2's shortfall is the staff credit already
    assert deliver(Acknowledgement.objects.get(order=order), api).status == AckStatus.SUCCESS

    second = _folder_import(pick_csv(order, {1: 2 * one, 2: two}, at="2026-11-20T11:00:00Z"))

    assert second.ok, second.problems
    assert _pick_credits(order) == {1: 2 * one}  # replaced, not added to
    assert CreditRow.objects.filter(order=order, pick_orders__isnull=False).count() == 1
    assert CreditRow.objects.filter(pk=staff.pk, quantity=two).exists()  # never touched
    again = Acknowledgement.objects.filter(order=order).first()
    assert again.origin == AckOrigin.PICK
    assert again.lines.get(row=first_row).accepted == first_row.quantity - 2 * one
    assert deliver(again, api).status == AckStatus.SUCCESS, again.errors

    # Raising the picks again would confirm more than Amazon was told: refused, nothing changes.
    raised = _folder_import(pick_csv(order, {2: two}, at="2026-11-20T12:00:00Z"))
    assert not raised.ok
    assert "may only lower quantities" in raised.pick_import.report
    assert _pick_credits(order) == {1: 2 * one}
    assert Acknowledgement.objects.filter(order=order).count() == 2

    # A file picked before the applied one is stale.
    stale = _folder_import(pick_csv(order, {1: 3 * one, 2: two}, at="2026-11-20T10:30:00Z"))
    assert not stale.ok
    assert "older than those applied" in str(stale.problems[0])


def test_the_same_file_twice_changes_nothing_the_second_time(connected, shop):
    order = fresh_order(shop, where=_two_rows_of_several)
    content = pick_csv(order, {1: _case(order.rows.get(position=1))})
    assert _folder_import(content).ok
    credits_before = list(CreditRow.objects.filter(order=order).values_list("pk", "quantity"))

    again = _folder_import(content)

    assert again.ok and again.pick_import.status == PickImportStatus.DUPLICATE
    assert again.applied is not None and again.applied.status == PickImportStatus.APPLIED
    assert "nothing was changed" in again.pick_import.report
    assert (
        list(CreditRow.objects.filter(order=order).values_list("pk", "quantity")) == credits_before
    )
    assert Acknowledgement.objects.filter(order=order).count() == 1

    # Other bytes, same picks (semicolons, lines reversed): applied, but the PO is unchanged,
    # even with its acknowledgement still on the way.
    head, *lines = content.decode().strip().split("\n")
    same = "\n".join([head, *reversed(lines)]).replace(",", ";").encode()
    result = _folder_import(same)
    assert result.ok and result.pick_import.status == PickImportStatus.APPLIED
    assert result.as_json()["orders"][0]["unchanged"] is True
    assert (
        list(CreditRow.objects.filter(order=order).values_list("pk", "quantity")) == credits_before
    )
    assert Acknowledgement.objects.filter(order=order).count() == 1


def test_a_bad_file_changes_nothing_and_reports_every_problem_by_line(connected, shop):
    order = fresh_order(shop, where=_two_rows_of_several)
    other = fresh_order(shop, where=_two_rows_of_several)
    row = order.rows.get(position=1)
    good = pick_csv(other).decode().strip().split("\n")[1:]  # a PO that on its own would pass
    content = "\n".join(
        [
            HEADER,
            *good,
            f"{shop.pk},{order.number},{row.ean},{row.quantity},2026-11-20T10:00:00Z",
            f"{shop.pk},NOSUCHPO,{row.ean},1,2026-11-20T10:00:00Z",
            f"{shop.pk},{order.number},0000000000000,1,2026-11-20T10:00:00Z",
            f"{shop.pk},{order.number},{row.ean},two,2026-11-20T10:00:00Z",
            f"{shop.pk},{order.number},{row.ean},-3,2026-11-20T10:00:00Z",
            f"{shop.pk},{order.number},{row.ean},1,yesterday",
            f"{shop.pk},{order.number}",
        ]
    ).encode()
    n = len(good) + 2  # the line of the first bad entry

    result = _folder_import(content)

    assert not result.ok
    problems = [str(p) for p in result.problems]
    assert f"Line {n + 1}: PO NOSUCHPO is not an Amazon purchase order of this shop" in problems
    assert any(
        p.startswith(f"Line {n + 3}: picked quantity 'two' is not a whole number") for p in problems
    )
    assert f"Line {n + 4}: picked quantity -3 is negative" in problems
    assert any(p.startswith(f"Line {n + 5}: pick time 'yesterday'") for p in problems)
    assert f"Line {n + 6}: 2 fields where the header has 5" in problems
    # the problems found once the lines are readable: unknown EAN, a row missing, too many
    assert any(
        f"Line {n + 2}: PO {order.number} has no row with EAN 0000000000000" in p for p in problems
    )
    record = result.pick_import
    assert record.status == PickImportStatus.FAILED
    assert "Nothing was changed" in record.report and f"Line {n + 1}:" in record.report
    assert not CreditRow.objects.filter(order__in=[order, other]).exists()
    assert not Acknowledgement.objects.filter(order__in=[order, other]).exists()


def test_picks_beyond_the_order_missing_rows_and_staff_credits_are_refused(
    connected, shop, admin_user
):
    order = fresh_order(shop, where=_two_rows_of_several)
    first_row, second_row = order.rows.get(position=1), order.rows.get(position=2)
    reason = CreditReason.objects.get(shop=shop, name="Rejected by Amazon")
    order_credit_row_add(
        actor=admin_user, order=order, row=first_row, quantity=_case(first_row), reason=reason
    )
    at = "2026-11-20T10:00:00Z"
    lines = [
        HEADER,
        f"{shop.pk},{order.number},{first_row.ean},{first_row.quantity},{at}",  # staff credited
        f"{shop.pk},{order.number},{second_row.ean},{second_row.quantity + 1},{at}",  # too many
    ]  # every other row left out

    result = _folder_import("\n".join(lines).encode())

    report = result.pick_import.report
    assert f"only {first_row.quantity - _case(first_row)} can still ship" in report
    assert f"{second_row.quantity + 1} picked, {second_row.quantity} ordered" in report
    if order.rows.count() > 2:
        assert "row 3" in report and "is not in the file" in report
    assert CreditRow.objects.filter(order=order).count() == 1  # the staff's
    assert not Acknowledgement.objects.filter(order=order).exists()


def test_unset_credit_reason_refuses_the_file(connected, shop):
    connected.credit_reason_rejected = None
    connected.save()
    order = fresh_order(shop)
    result = _folder_import(pick_csv(order))
    assert "credit reason for rejected rows" in result.pick_import.report
    assert not Acknowledgement.objects.filter(order=order).exists()


def test_an_acknowledgement_on_its_way_refuses_for_now_and_the_same_file_goes_through_later(
    connected, shop, api
):
    order = fresh_order(shop, where=_two_rows_of_several)
    assert _folder_import(pick_csv(order)).ok  # acknowledged, not sent yet
    replacement = pick_csv(order, {1: _case(order.rows.get(position=1))}, at="2026-11-20T11:00Z")

    result = _folder_import(replacement)

    assert result.retry and "on its way to Amazon" in str(result.problems[0])
    assert not CreditRow.objects.filter(order=order).exists()

    assert deliver(Acknowledgement.objects.get(order=order), api).status == AckStatus.SUCCESS
    again = _folder_import(replacement)
    assert again.ok and again.pick_import.status == PickImportStatus.APPLIED
    assert _pick_credits(order) == {1: _case(order.rows.get(position=1))}
    assert Acknowledgement.objects.filter(order=order).count() == 2


@pytest.mark.django_db(transaction=True)  # the threads need to see committed rows
def test_two_workers_importing_the_same_file_apply_it_once(connected, shop):
    order = fresh_order(shop, where=_two_rows_of_several)
    content = pick_csv(order, {1: _case(order.rows.get(position=1))})
    statuses = []

    def run():
        try:
            statuses.append(_folder_import(content).pick_import.status)
        finally:
            db_connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [PickImportStatus.APPLIED, PickImportStatus.DUPLICATE]
    assert Acknowledgement.objects.filter(order=order).count() == 1
    assert CreditRow.objects.filter(order=order).count() == 1


# --- the watched folder ---------------------------------------------------------------------


def _drop(inbox, name: str, content: bytes):
    inbox.mkdir(parents=True, exist_ok=True)  # a shop's folder: <dir>/inbox/<shop id>/
    path = inbox / name
    path.write_bytes(content)
    past = time.time() - 60  # written a minute ago: settled
    os.utime(path, (past, past))
    return path


def test_folder_pass_moves_files_to_done_and_failed_with_reports(connected, shop, tmp_path):
    order = fresh_order(shop, where=_two_rows_of_several)
    good = pick_csv(order, {1: _case(order.rows.get(position=1))})
    _drop(tmp_path / "inbox" / str(shop.pk), "good.csv", good)
    _drop(
        tmp_path / "inbox" / str(shop.pk),
        "bad.csv",
        f"{HEADER}\n{shop.pk},NOSUCHPO,4006381333931,1,2026-11-20T10:00:00Z\n".encode(),
    )
    _drop(tmp_path / "inbox" / str(shop.pk), "notes.txt", b"not a pick file")
    fresh = _drop(tmp_path / "inbox" / str(shop.pk), "writing.csv", b"shop,po")
    os.utime(fresh)  # just now: maybe still being written

    handled = pick_inbox_process(directory=tmp_path)

    assert sorted(item.name for item in handled) == ["bad.csv", "good.csv"]
    assert sorted(p.name for p in (tmp_path / "inbox" / str(shop.pk)).iterdir()) == [
        "notes.txt",
        "writing.csv",
    ]
    assert (tmp_path / f"done/{shop.pk}/good.csv").read_bytes() == good
    assert "applied" in (tmp_path / f"done/{shop.pk}/good.report.txt").read_text()
    assert (tmp_path / f"failed/{shop.pk}/bad.csv").exists()
    assert "NOSUCHPO" in (tmp_path / f"failed/{shop.pk}/bad.report.txt").read_text()
    assert Acknowledgement.objects.filter(order=order).count() == 1
    assert Alert.objects.filter(shop=shop, message__contains="bad.csv was refused").count() == 1

    assert pick_inbox_process(directory=tmp_path) == []  # nothing new


def test_a_crash_before_the_move_reruns_harmlessly(connected, shop, tmp_path, settings):
    settings.PICK_INBOX_DIR = tmp_path
    order = fresh_order(shop, where=_two_rows_of_several)
    content = pick_csv(order, {1: _case(order.rows.get(position=1))})
    _drop(tmp_path / "inbox" / str(shop.pk), "picks.csv", content)
    # The pass that crashed imported the file but never moved it.
    assert _folder_import(content).ok
    credits = list(CreditRow.objects.filter(order=order).values_list("pk", flat=True))
    _drop(
        tmp_path / "inbox" / str(shop.pk), "old.csv", b""
    )  # and a done/ file of the same name exists already
    (tmp_path / "done" / str(shop.pk)).mkdir(parents=True)
    (tmp_path / f"done/{shop.pk}/picks.csv").write_bytes(b"earlier")

    assert pick_inbox_process_task() == 2

    assert not (tmp_path / f"inbox/{shop.pk}/picks.csv").exists()
    moved = [p for p in (tmp_path / "done" / str(shop.pk)).glob("picks.*.csv")]
    assert len(moved) == 1 and moved[0].read_bytes() == content
    assert "Same content as pick import" in moved[0].with_suffix(".report.txt").read_text()
    assert list(CreditRow.objects.filter(order=order).values_list("pk", flat=True)) == credits
    assert Acknowledgement.objects.filter(order=order).count() == 1
    assert "The file is empty" in (tmp_path / f"failed/{shop.pk}/old.report.txt").read_text()


def test_a_pick_file_acts_only_on_the_shop_whose_folder_holds_it(
    connected, shop, other_shop, tmp_path
):
    # Before: the file's shop column chose the shop, so anyone writing to the shared inbox
    # could acknowledge any shop's orders. Now the folder decides; the column must agree.
    order = fresh_order(shop, where=_two_rows_of_several)
    content = pick_csv(order, {1: _case(order.rows.get(position=1))})  # names shop.pk
    _drop(tmp_path / "inbox" / str(other_shop.pk), "picks.csv", content)
    _drop(tmp_path / "inbox", "shared.csv", content)  # in no shop's folder

    handled = pick_inbox_process(directory=tmp_path)

    assert sorted(item.name for item in handled) == ["picks.csv", "shared.csv"]
    report = (tmp_path / f"failed/{other_shop.pk}/picks.report.txt").read_text()
    assert f"shop {shop.pk} is not this shop ({other_shop.pk})" in report
    assert "not in a shop's folder" in (tmp_path / "failed/shared.report.txt").read_text()
    assert not Acknowledgement.objects.filter(order=order).exists()
    assert not CreditRow.objects.filter(order=order).exists()

    _drop(tmp_path / "inbox" / str(shop.pk), "picks.csv", content)
    (item,) = pick_inbox_process(directory=tmp_path)
    assert item.result.ok and Acknowledgement.objects.filter(order=order).count() == 1


def test_management_command_does_one_pass(connected, shop, tmp_path, capsys):
    order = fresh_order(shop)
    _drop(tmp_path / "inbox" / str(shop.pk), "picks.csv", pick_csv(order))

    call_command("amazon1p_picks", "--dir", str(tmp_path))

    out = capsys.readouterr().out
    assert "picks.csv: Applied" in out and "1 file(s) handled" in out
    assert (tmp_path / f"done/{shop.pk}/picks.csv").exists()


# --- the REST endpoint ----------------------------------------------------------------------


def _post(shop_id: int, body, *, token: str | None, content_type: str = "text/csv"):
    client = Client(enforce_csrf_checks=True)
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    url = reverse("api:pick-import", args=[shop_id])
    return client.post(url, data=body, content_type=content_type, **headers)


def test_api_imports_picks_with_a_token_of_the_shop(connected, shop, admin_user):
    token, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")
    order = fresh_order(shop, where=_two_rows_of_several)
    short = _case(order.rows.get(position=1))

    response = _post(shop.pk, pick_csv(order, {1: short}), token=raw)

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "applied"
    (summary,) = data["orders"]
    assert summary["po"] == order.number and summary["acknowledgement"]
    assert summary["rows"][0]["credited"] == short
    record = PickImport.objects.get(pk=data["import"])
    assert (record.source, record.api_token) == (PickSource.API, token)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert Acknowledgement.objects.get(order=order).origin == AckOrigin.PICK


def test_api_takes_a_json_list(connected, shop, admin_user):
    _, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")
    order = fresh_order(shop)
    body = [
        {
            "PO": order.number,
            "EAN": row.ean,
            "Quantity": row.quantity,
            "Pick_Time": "2026-11-20T10:00:00+01:00",
        }
        for row in order.rows.all()
    ]
    response = _post(shop.pk, json.dumps(body), token=raw, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Acknowledgement.objects.filter(order=order).exists()


def test_api_refuses_missing_bad_revoked_and_other_shops_tokens(
    connected, shop, admin_user, other_shop, other_admin
):
    order = fresh_order(shop)
    content = pick_csv(order)
    _, other_raw = api_token_create(actor=other_admin, shop=other_shop, name="Theirs")
    revoked, revoked_raw = api_token_create(actor=admin_user, shop=shop, name="Old")
    api_token_revoke(actor=admin_user, token=revoked)

    assert _post(shop.pk, content, token=None).status_code == 401
    assert _post(shop.pk, content, token="sct_not-a-real-token").status_code == 401
    assert _post(shop.pk, content, token=revoked_raw).status_code == 401
    assert _post(shop.pk, content, token=other_raw).status_code == 403
    response = _post(shop.pk, content, token=None)
    assert response["WWW-Authenticate"].startswith("Token")
    assert not PickImport.objects.exists()
    assert not Acknowledgement.objects.filter(order=order).exists()


def test_api_answers_400_with_the_problems_and_changes_nothing(connected, shop, admin_user):
    _, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")
    order = fresh_order(shop)
    row = order.rows.first()
    body = f"{HEADER}\n{shop.pk},{order.number},{row.ean},lots,2026-11-20T10:00:00Z\n"

    response = _post(shop.pk, body, token=raw)

    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "failed" and data["retry"] is False
    assert {"line": 2, "message": "picked quantity 'lots' is not a whole number"} in data[
        "problems"
    ]
    assert (
        _post(shop.pk, "{not json", token=raw, content_type="application/json").status_code == 400
    )
    assert _post(shop.pk, "x", token=raw, content_type="application/xml").status_code == 415
    other_shop_line = f"{HEADER}\n999999,{order.number},{row.ean},1,2026-11-20T10:00:00Z\n"
    assert _post(shop.pk, other_shop_line, token=raw).status_code == 400
    assert not CreditRow.objects.filter(order=order).exists()
    assert not Acknowledgement.objects.filter(order=order).exists()


# --- the tokens page ------------------------------------------------------------------------


def test_tokens_page_shows_a_new_token_once_and_stores_only_its_hash(shop, admin_client):
    url = reverse("amazon1p:api-token-list", args=[shop.pk])

    created = admin_client.post(url, {"name": "Warehouse WMS"})
    assert created.status_code == 302  # post/redirect/get: a reload makes no second token
    response = admin_client.get(url)

    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("sct_") and raw in response.content.decode()
    token = ApiToken.objects.get(shop=shop)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(ApiToken.objects.values()))
    assert raw not in str(list(AuditEntry.objects.values()))
    page = admin_client.get(url).content.decode()
    assert raw not in page and token.hint in page and "Warehouse WMS" in page

    revoke = reverse("amazon1p:api-token-revoke", args=[shop.pk])
    assert admin_client.post(revoke, {"token": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(shop=shop, action="api_token.revoke").count() == 1


def test_tokens_page_is_for_shop_owner_admins_only(shop, viewer_client, other_client, other_shop):
    url = reverse("amazon1p:api-token-list", args=[shop.pk])
    assert viewer_client.post(url, {"name": "Mine"}).status_code == 403
    assert other_client.post(url, {"name": "Mine"}).status_code == 404
    theirs, _ = api_token_create(
        actor=other_shop.memberships.first().user, shop=other_shop, name="T"
    )
    revoke = reverse("amazon1p:api-token-revoke", args=[other_shop.pk])
    assert viewer_client.post(revoke, {"token": theirs.pk}).status_code == 404
    assert not ApiToken.objects.filter(shop=shop).exists()
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_pick_imports_page_lists_reports(connected, shop, viewer_client):
    order = fresh_order(shop)
    _folder_import(pick_csv(order), name="wave-7.csv")
    page = viewer_client.get(reverse("amazon1p:pick-import-list", args=[shop.pk]))
    assert page.status_code == 200
    assert "wave-7.csv" in page.content.decode() and order.number in page.content.decode()


def test_pick_time_in_the_report_is_kept_per_po(connected, shop):
    order = fresh_order(shop)
    result = _folder_import(pick_csv(order, at="2026-11-20T10:00:00+02:00"))
    pick_order = result.pick_import.orders.get()
    assert pick_order.picked_at == datetime(2026, 11, 20, 8, tzinfo=UTC)
