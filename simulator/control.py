"""The control and inspection API under `/_simulator/` (not part of Amazon's API).

GET    /_simulator/                  HTML page: latest requests, accepted ASNs, options
GET    /_simulator/requests[?since=N] JSON list of logged requests (seq > N)
DELETE /_simulator/requests          empty the log (sequence numbers keep counting)
GET    /_simulator/config            the current options
POST   /_simulator/faults            change fault / rate-limit options: {"error_rate": 0.5}
POST   /_simulator/reset             forget acknowledgements, transactions, shipment
                                     confirmations, offer POs and rate buckets
GET    /_simulator/shipment-confirmations  the ASNs Amazon accepted (see `asn.received_json`)
GET    /_simulator/invoices          the invoices and credit notes Amazon accepted (see
                                     `invoices.invoices_json`)
POST   /_simulator/offers[?vendor_code=V&ship_to=FC]  body: an offer workbook (xlsx) as the
                                     vendor uploads it back; creates the POs Amazon sends for
                                     it (see `offers.py`) → {"purchaseOrders": [numbers]}
"""

import html
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from simulator.asn import received_json, received_shipments
from simulator.config import config_to_json
from simulator.invoices import accepted_invoices, invoices_json
from simulator.offer_sheet import OfferError
from simulator.offers import create_offer_orders
from simulator.render import iso
from simulator.requestlog import LoggedRequest
from simulator.state import InvoiceRecord, ShipmentRecord
from simulator.wire import Response, json_response

if TYPE_CHECKING:
    from simulator.server import Simulator

PREFIX = "/_simulator"
PAGE_ROWS = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an upload may be labelled: the xlsx type, or the generic one `curl --data-binary` and
# many HTTP libraries send for raw bytes.
OFFER_CONTENT_TYPES = (XLSX, "application/octet-stream")


def _control_error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def handle_control(
    simulator: "Simulator",
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes,
    headers: Mapping[str, str],
) -> Response:
    """Answer a request under /_simulator/ (`headers` with lower-case names)."""
    route = path[len(PREFIX) :].strip("/")
    if route == "" and method == "GET":
        return Response(200, _page(simulator).encode(), content_type="text/html; charset=utf-8")
    if route == "requests" and method == "GET":
        since = query.get("since", "0")
        if not since.isdigit():
            return _control_error(400, "since must be a sequence number")
        return json_response(200, simulator.log.since(int(since)))
    if route == "requests" and method == "DELETE":
        simulator.log.clear()
        return json_response(200, {"cleared": True, "last_seq": simulator.log.last_seq})
    if route == "config" and method == "GET":
        return json_response(200, config_to_json(simulator.config))
    if route == "faults" and method == "POST":
        try:
            changes = json.loads(body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("send a JSON object of option names and values")
            return json_response(200, config_to_json(simulator.update_config(changes)))
        except ValueError as exc:
            return _control_error(400, str(exc))
    if route == "reset" and method == "POST":
        simulator.reset()
        return json_response(200, {"reset": True})
    if route == "shipment-confirmations" and method == "GET":
        return json_response(200, received_json(simulator.state, time.time()))
    if route == "invoices" and method == "GET":
        return json_response(200, invoices_json(simulator.state, time.time()))
    if route == "offers" and method == "POST":
        return _upload_offer(simulator, query, body, headers.get("content-type", ""))
    if route == "offers" and method == "GET":
        return Response(200, OFFER_PAGE.encode(), content_type="text/html; charset=utf-8")
    return _control_error(404, f"no control endpoint {method} {path}")


def _upload_offer(
    simulator: "Simulator", query: dict[str, str], body: bytes, content_type: str
) -> Response:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in OFFER_CONTENT_TYPES:
        return _control_error(
            415, f"send the offer workbook as {XLSX}, not {media_type or 'no Content-Type'}"
        )
    try:
        numbers = create_offer_orders(
            world=simulator.world,
            state=simulator.state,
            content=body,
            vendor_code=query.get("vendor_code") or None,
            ship_to=query.get("ship_to") or None,
            now=time.time(),
        )
    except OfferError as exc:
        return _control_error(400, str(exc))
    return json_response(200, {"purchaseOrders": numbers})


# Vendor Central's "upload the offer back" step for the demo: the exported workbook goes to
# POST /_simulator/offers as raw bytes (a few lines of script; the endpoint takes no forms).
OFFER_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upload a Bulk Buy offer</title>
<style>body{{font:14px system-ui,sans-serif;margin:2rem}}</style></head><body>
<h1>Upload a Bulk Buy offer</h1>
<p>Choose the workbook ShopCtrl exported for Amazon (<em>Export for Amazon</em> on a completed
offer). Amazon then sends the purchase orders of every approved row and delivery stage; the
next sync imports them. <a href="{PREFIX}/">Back</a></p>
<form id="offer"><input type="file" id="file" accept=".xlsx" required>
<button type="submit">Upload</button></form>
<pre id="answer"></pre>
<script>
document.getElementById("offer").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const file = document.getElementById("file").files[0];
  const answer = document.getElementById("answer");
  const response = await fetch("{PREFIX}/offers", {{
    method: "POST", headers: {{"Content-Type": "{XLSX}"}}, body: file}});
  const data = await response.json();
  answer.textContent = response.ok
    ? "Purchase orders created: " + data.purchaseOrders.join(", ")
    : "Refused: " + data.error;
}});
</script></body></html>"""


def _page(simulator: "Simulator") -> str:
    """A small self-refreshing page for the demo: the latest requests, the shipment
    confirmations accepted and the options."""
    config = config_to_json(simulator.config)
    options = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(json.dumps(value))}</td></tr>"
        for name, value in config.items()
        if name != "runtime_fields"
    )
    rows = "".join(_row(entry) for entry in reversed(simulator.log.recent(PAGE_ROWS)))
    received = reversed(received_shipments(simulator.state, time.time())[-PAGE_ROWS:])
    shipments = "".join(_shipment_row(r.record, r.transaction.transaction_id) for r in received)
    invoiced = reversed(accepted_invoices(simulator.state, time.time())[-PAGE_ROWS:])
    invoice_rows = "".join(_invoice_row(a.record, a.transaction.transaction_id) for a in invoiced)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Vendor Central simulator</title>
<style>body{{font:14px system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}}
.e{{color:#b00}}</style></head><body>
<h1>Vendor Central simulator</h1>
<p>Point a connection's custom base URL at this server. JSON:
<a href="{PREFIX}/requests">requests</a> · <a href="{PREFIX}/config">config</a> ·
<a href="{PREFIX}/shipment-confirmations">shipment confirmations</a> ·
<a href="{PREFIX}/invoices">invoices</a> ·
<a href="{PREFIX}/offers">upload a Bulk Buy offer</a></p>
<h2>Latest requests</h2>
<table><tr><th>#</th><th>time</th><th>request</th><th>operation</th><th>status</th>
<th>ms</th></tr>{rows}</table>
<h2>Shipment confirmations accepted</h2>
<table><tr><th>received</th><th>shipment</th><th>type</th><th>selling party</th>
<th>ship to</th><th>PO lines (eaches)</th><th>SSCCs</th><th>transaction</th></tr>
{shipments}</table>
<h2>Invoices accepted</h2>
<table><tr><th>received</th><th>number</th><th>type</th><th>total</th>
<th>PO lines (eaches)</th><th>transaction</th></tr>
{invoice_rows}</table>
<h2>Options</h2><table>{options}</table>
</body></html>"""


def _row(entry: LoggedRequest) -> str:
    query = "&".join(f"{key}={value}" for key, value in entry.query.items())
    target = entry.path + (f"?{query}" if query else "")
    css = ' class="e"' if entry.status and entry.status >= 400 else ""
    return (
        f"<tr{css}><td>{entry.seq}</td><td>{entry.time}</td>"
        f"<td>{html.escape(entry.method)} {html.escape(target)}</td>"
        f"<td>{html.escape(entry.operation or '')}</td><td>{entry.status or ''}</td>"
        f"<td>{entry.duration_ms if entry.duration_ms is not None else ''}</td></tr>"
    )


def _shipment_row(record: ShipmentRecord, transaction_id: str) -> str:
    ship_to = record.confirmation["shipToParty"]["partyId"]
    lines = ", ".join(
        f"{po}/{seq}: {eaches}" for (po, seq), eaches in sorted(record.quantities.items())
    )
    cells = (
        iso(record.received_at),
        record.identifier,
        record.confirmation_type,
        record.selling_party,
        ship_to,
        lines,
        " ".join(sorted(record.ssccs)),
        transaction_id,
    )
    return "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>"


def _invoice_row(record: InvoiceRecord, transaction_id: str) -> str:
    lines = ", ".join(
        f"{po}/{seq}: {eaches}" for (po, seq), eaches in sorted(record.quantities.items())
    )
    kind = record.invoice_type + (f" of {record.reference}" if record.reference else "")
    cells = (
        iso(record.received_at),
        record.invoice_id,
        kind,
        f"{record.total} {record.currency}",
        lines,
        transaction_id,
    )
    return "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>"
