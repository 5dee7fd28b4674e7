"""The control and inspection API under `/_simulator/` (not part of Amazon's API).

GET    /_simulator/                  HTML page: options and the latest requests
GET    /_simulator/requests[?since=N] JSON list of logged requests (seq > N)
DELETE /_simulator/requests          empty the log (sequence numbers keep counting)
GET    /_simulator/config            the current options
POST   /_simulator/faults            change fault / rate-limit options: {"error_rate": 0.5}
POST   /_simulator/reset             forget acknowledgements, transactions, rate buckets
"""

import html
import json
from typing import TYPE_CHECKING

from amazon1p.spapi.simulator.config import config_to_json
from amazon1p.spapi.simulator.requestlog import LoggedRequest
from amazon1p.spapi.simulator.wire import Response, json_response

if TYPE_CHECKING:
    from amazon1p.spapi.simulator.server import Simulator

PREFIX = "/_simulator"
PAGE_ROWS = 100


def _control_error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def handle_control(
    simulator: "Simulator", method: str, path: str, query: dict[str, str], body: bytes
) -> Response:
    """Answer a request under /_simulator/."""
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
    return _control_error(404, f"no control endpoint {method} {path}")


def _page(simulator: "Simulator") -> str:
    """A small self-refreshing page for the demo: options and the latest requests."""
    config = config_to_json(simulator.config)
    options = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(json.dumps(value))}</td></tr>"
        for name, value in config.items()
        if name != "runtime_fields"
    )
    rows = "".join(_row(entry) for entry in reversed(simulator.log.recent(PAGE_ROWS)))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Vendor Central simulator</title>
<style>body{{font:14px system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}}
.e{{color:#b00}}</style></head><body>
<h1>Vendor Central simulator</h1>
<p>Point a connection's custom base URL at this server. JSON:
<a href="{PREFIX}/requests">requests</a> · <a href="{PREFIX}/config">config</a></p>
<h2>Latest requests</h2>
<table><tr><th>#</th><th>time</th><th>request</th><th>operation</th><th>status</th>
<th>ms</th></tr>{rows}</table>
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
