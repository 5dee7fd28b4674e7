"""The Amazon settings form as a browser posts it, with the secrets it carries, and a server
that never answers (for timeouts)."""

import socket
import threading
from contextlib import contextmanager

from shops.models import CreditReason

SECRET = "amzn1.oa2-cs.v1.0123456789abcdefsecret"


TOKEN = "Atzr|IwEBIrefresh-token-value-1234"


def form_data(shop, connection, **overrides) -> dict:
    """What the page posts: every pane, the eight mappings and the FC rows."""
    reasons = {r.name: r.pk for r in CreditReason.objects.filter(shop=shop)}
    data = {
        "action": "save",
        "region": "EU",
        "marketplace_id": "A1PA6795UKMFR9",
        "endpoint_kind": "production",
        "custom_base_url": "",
        "vendor_code": "VNDR1",
        "lwa_client_id": "amzn1.application-oa2-client.abc123",
        "lwa_client_secret": "",
        "refresh_token": "",
        "orders_integration": "on",
        "import_new_orders": "on",
        "import_missing_orders": "on",
        "credit_reason_rejected": reasons["Rejected by Amazon"],
        "credit_reason_cancelled": reasons["Cancelled by Amazon"],
        "offer_expiry_alert_days": "2",
        "offer_link_min_days_ahead": "30",
        "ack_stuck_after_minutes": "30",
        "ack_warn_hours": "4",
        "auto_acknowledge_rule": "off",
        "pallet_weight_kg": "25",
        "carton_weight_kg": "0.5",
        "gs1_company_prefix": "4012345",
        "bol_as_asn_number": "on",
        "shortage_grace_days": "7",
        "map-TOTAL_FORMS": "8",
        "map-INITIAL_FORMS": "8",
        "map-MIN_NUM_FORMS": "8",
        "map-MAX_NUM_FORMS": "8",
        "fc-TOTAL_FORMS": "0",
        "fc-INITIAL_FORMS": "0",
    }
    for i, mapping in enumerate(connection.status_mappings.order_by("id")):
        data[f"map-{i}-amazon_status"] = mapping.amazon_status
        data[f"map-{i}-main_status"] = mapping.main_status_id or ""
        data[f"map-{i}-payment_status"] = mapping.payment_status_id or ""
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@contextmanager
def hanging_server():
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
