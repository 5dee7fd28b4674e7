"""Log lines: JSON with the shop, run and PO where known; never a secret."""

import io
import json
import logging

import pytest
from celery.signals import task_postrun, task_prerun
from django.urls import reverse

from amazon1p.acknowledgements.tasks import acknowledgement_send_task
from amazon1p.importing.tasks import amazon1p_sync_run_task
from invoicing.tasks import invoice_check_task
from ops.logs import RedactingTextFormatter, log_context, redact
from tests.support.ops import acknowledgement, invoice_submission, run
from tests.support.web import web_client_for

REFRESH = "Atzr|IwEBIA-very-secret-refresh-token_0123456789"
ACCESS = "Atza|IwEBIBaccess-token-abcdef"
CLIENT_SECRET = "amzn1.oa2-cs.v1.0123456789abcdef0123456789abcdef"
SECRETS = (REFRESH, ACCESS, CLIENT_SECRET, "sekrit-bearer-value", "tok3n-value")


@pytest.fixture
def lines():
    """What the configured console handler (settings.LOGGING) writes, as a list of lines."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        handler.setStream(old)


def records(lines) -> list[dict]:
    return [json.loads(line) for line in lines()]


def test_log_lines_are_json_with_the_context(lines):
    log = logging.getLogger("amazon1p.importing.sync")
    with log_context(shop_id=7, run_id=42, po="4Z32PABC"):
        log.warning("PO %s could not be mapped", "4Z32PABC")
    log.warning("outside")

    inside, outside = records(lines)
    assert inside["message"] == "PO 4Z32PABC could not be mapped"
    assert (inside["shop_id"], inside["run_id"], inside["po"]) == (7, 42, "4Z32PABC")
    assert inside["level"] == "WARNING"
    assert inside["logger"] == "amazon1p.importing.sync"
    assert "time" in inside
    assert not {"shop_id", "run_id", "po"} & set(outside)


def test_secrets_never_reach_a_log_line(lines):
    log = logging.getLogger("amazon1p.spapi.client")
    log.warning("token refresh with %s and %s", REFRESH, CLIENT_SECRET)
    log.warning("headers %s", {"x-amz-access-token": ACCESS, "Authorization": "Bearer sekrit"})
    log.warning("Authorization: Bearer sekrit-bearer-value")
    log.warning("body grant_type=refresh_token&refresh_token=tok3n-value&client_id=abc")
    try:
        raise RuntimeError(f"LWA refused {REFRESH}")
    except RuntimeError:
        log.exception("call failed")

    text = "\n".join(lines())
    for secret in (*SECRETS, "sekrit"):
        assert secret not in text
    assert text.count("[redacted]") >= 7
    assert "client_id=abc" in text  # not a secret: kept
    assert json.loads(lines()[-1])["exc_info"].startswith("Traceback")


def test_redact_masks_each_kind_of_secret():
    assert redact(f"rt={REFRESH} next") == "rt=[redacted] next"
    assert redact(f'"client_secret": "{CLIENT_SECRET}"') == '"client_secret": "[redacted]"'
    assert redact("authorization: Token abc123") == "authorization: [redacted]"
    assert redact("PO 4Z32PABC rows 3") == "PO 4Z32PABC rows 3"


def test_a_sync_run_task_logs_with_its_shop_and_run(lines, shop):
    sync_run = run(shop, status="queued")
    task_prerun.send(sender=amazon1p_sync_run_task, task_id="t1", args=(sync_run.pk,), kwargs={})
    logging.getLogger("amazon1p.importing.sync").info("window done")
    task_postrun.send(sender=amazon1p_sync_run_task, task_id="t1", args=(sync_run.pk,))
    logging.getLogger("amazon1p.importing.sync").info("after the task")

    during, after = records(lines)
    assert (during["shop_id"], during["run_id"]) == (shop.pk, sync_run.pk)
    assert during["task"] == "amazon1p.tasks.amazon1p_sync_run"
    assert "run_id" not in after and "task" not in after


def test_an_acknowledgement_task_logs_with_its_shop_and_po(lines, shop):
    ack = acknowledgement(shop, "8W3PFQ2Z")
    task_prerun.send(sender=acknowledgement_send_task, task_id="t2", args=(ack.pk,), kwargs={})
    logging.getLogger("amazon1p.acknowledgements.outbox").info("sending")
    task_postrun.send(sender=acknowledgement_send_task, task_id="t2", args=(ack.pk,))

    (line,) = records(lines)
    assert (line["shop_id"], line["po"]) == (shop.pk, "8W3PFQ2Z")


def test_a_task_whose_row_is_gone_still_runs_and_logs(lines, db):
    task_prerun.send(sender=amazon1p_sync_run_task, task_id="t3", args=(999999,), kwargs={})
    logging.getLogger("x").info("still here")
    task_postrun.send(sender=amazon1p_sync_run_task, task_id="t3", args=(999999,))
    line = records(lines)[-1]
    assert line["run_id"] == 999999 and "shop_id" not in line


def test_a_page_logs_with_its_shop(lines, shop, other_admin):
    response = web_client_for(other_admin).get(reverse("orders:order-list", args=[shop.pk]))
    assert response.status_code == 404
    (line,) = [r for r in records(lines) if r["logger"] == "django.request"]
    assert line["shop_id"] == shop.pk


def test_text_format_for_the_demo_appends_the_context():
    formatter = RedactingTextFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", (REFRESH,), None)
    record.shop_id, record.po = 3, "PO9"
    assert formatter.format(record) == "INFO got [redacted] [shop_id=3 po=PO9]"


def test_an_invoice_task_logs_with_its_shop_and_pos(lines, shop):
    sent = invoice_submission(shop, "4XQ7PL2M")
    task_prerun.send(sender=invoice_check_task, task_id="t4", args=(sent.pk, 0), kwargs={})
    logging.getLogger("invoicing.outbox").info("checking")
    task_postrun.send(sender=invoice_check_task, task_id="t4", args=(sent.pk, 0))

    (line,) = records(lines)
    assert (line["shop_id"], line["po"]) == (shop.pk, "4XQ7PL2M")
    assert line["task"] == "invoicing.tasks.invoice_check"
