"""A PO value longer than an order parameter holds is kept cut, with an alert that the import
can raise (found by mypy: the alert was a bare string, which the upsert could not raise)."""

from amazon1p.importing.order_mapping import (
    PARAM_DEAL_CODE,
    PARAMETER_MAX,
    MappedAlert,
    MappingContext,
    map_purchase_order,
)
from amazon1p.importing.upsert import mapped_alerts_raise
from amazon1p.spapi.parsing import parse_purchase_order
from shops.models import AlertKind

CTX = MappingContext(
    shop_currency="EUR",
    fcs={},
    payment_types={},
    statuses={},
    default_main_status_id=1,
    default_payment_status_id=1,
)


def _po(deal_code: str) -> dict:
    return {
        "purchaseOrderNumber": "LONGDEAL1",
        "purchaseOrderState": "New",
        "orderDetails": {
            "purchaseOrderDate": "2026-11-30T10:00:00Z",
            "dealCode": deal_code,
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "amazonProductIdentifier": "B000000001",
                    "vendorProductIdentifier": "4006381333931",
                    "orderedQuantity": {"amount": 2, "unitOfMeasure": "Eaches"},
                    "isBackOrderAllowed": False,
                    "netCost": {"currencyCode": "EUR", "amount": "5.00"},
                }
            ],
        },
    }


def test_an_over_long_deal_code_is_cut_with_an_alert_the_upsert_can_raise(monkeypatch):
    values = map_purchase_order(parse_purchase_order(_po("D" * (PARAMETER_MAX + 1))), CTX)

    assert values.parameters[PARAM_DEAL_CODE] == "D" * PARAMETER_MAX
    (alert,) = [a for a in values.alerts if "longer than" in a.text]
    assert alert == MappedAlert(
        AlertKind.ORDER_DATA,
        f"PO LONGDEAL1: {PARAM_DEAL_CODE} is longer than {PARAMETER_MAX} characters; the "
        "order parameter keeps the beginning, the payload all of it.",
    )

    raised: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        "amazon1p.importing.upsert.alerts_raise",
        lambda *, shop, kind, alerts: raised.append((kind, [a[1] for a in alerts])),
    )
    monkeypatch.setattr("amazon1p.importing.upsert.alerts_group_raise", lambda **_: None)
    mapped_alerts_raise(None, [(7, alert)])
    assert raised == [(AlertKind.ORDER_DATA, [alert.text])]
