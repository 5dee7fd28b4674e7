"""The example purchase orders in Amazon's vendorOrders model (its sandbox cases)."""

import json
from pathlib import Path

MODEL = Path(__file__).resolve().parents[2] / "simulator/models/vendorOrders.json"


def _example_pos() -> list[dict]:
    """Every distinct example PO with details (one listed twice or thrice counts once)."""
    spec = json.loads(MODEL.read_text())
    found: dict[str, dict] = {}
    for methods in spec["paths"].values():
        for op in methods.values():
            if not isinstance(op, dict):
                continue
            if op.get("operationId") not in ("getPurchaseOrders", "getPurchaseOrder"):
                continue
            for case in op["responses"]["200"]["x-amzn-api-sandbox"]["static"]:
                payload = case["response"]["payload"]
                for po in payload.get("orders", [payload]):
                    if "orderDetails" in po:
                        key = json.dumps(po, sort_keys=True)
                        found.setdefault(key, po)
    return list(found.values())


EXAMPLES = _example_pos()
