"""Reading a PO reuses what earlier reads made of the same party, price, quantity or window,
and never what an earlier read refused."""

import copy
from decimal import Decimal

import pytest

from amazon1p.spapi import parsing
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import CASES, EACHES


def _po(number: str) -> dict:
    return {
        "purchaseOrderNumber": number,
        "purchaseOrderState": "New",
        "orderDetails": {
            "purchaseOrderDate": "2026-11-20T10:00:00Z",
            "shipToParty": {
                "partyId": "DUS2",
                "address": {"name": "Amazon DUS2", "addressLine1": "Amazonstraße 1"},
            },
            "deliveryWindow": "2026-11-24T07:00:00Z--2026-11-29T07:00:00Z",
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "vendorProductIdentifier": "4006381333931",
                    "orderedQuantity": {"amount": 3, "unitOfMeasure": "Cases", "unitSize": 6},
                    "isBackOrderAllowed": False,
                    "netCost": {"currencyCode": "EUR", "amount": "5.63"},
                }
            ],
        },
    }


def test_equal_values_in_two_pos_are_read_once_and_shared():
    first = parsing.parse_purchase_order(_po("PO1"))
    second = parsing.parse_purchase_order(_po("PO2"))  # equal values, other dict objects

    assert second.ship_to_party is first.ship_to_party
    assert second.delivery_window is first.delivery_window
    assert second.items[0].net_cost is first.items[0].net_cost
    assert second.items[0].ordered_quantity is first.items[0].ordered_quantity
    assert first.items[0].ordered_quantity.eaches == 18
    assert (first.number, second.number) == ("PO1", "PO2")


def test_a_refused_value_is_refused_again_and_does_not_poison_the_memo():
    bad = _po("PO3")
    bad["orderDetails"]["items"][0]["netCost"]["amount"] = "5,63"
    for _ in range(2):
        with pytest.raises(AmazonMappingError, match="not a number"):
            parsing.parse_purchase_order(copy.deepcopy(bad))
    assert parsing.parse_purchase_order(_po("PO4")).items[0].net_cost.amount == Decimal("5.63")


def test_an_absent_unit_means_eaches_but_an_explicit_null_is_refused_after_it():
    absent = _po("PO5")
    del absent["orderDetails"]["items"][0]["orderedQuantity"]["unitOfMeasure"]
    read = parsing.parse_purchase_order(absent).items[0].ordered_quantity
    assert (read.unit, read.eaches) == (EACHES, 3)

    null = _po("PO6")
    null["orderDetails"]["items"][0]["orderedQuantity"]["unitOfMeasure"] = None
    with pytest.raises(AmazonMappingError, match="unitOfMeasure"):
        parsing.parse_purchase_order(null)
    assert parsing.parse_purchase_order(_po("PO7")).items[0].ordered_quantity.unit == CASES


def test_a_string_amount_and_a_bool_are_not_mistaken_for_the_memoised_int():
    as_text = _po("PO8")
    as_text["orderDetails"]["items"][0]["orderedQuantity"]["amount"] = "3"
    assert parsing.parse_purchase_order(as_text).items[0].ordered_quantity.amount == 3
    as_bool = _po("PO9")
    as_bool["orderDetails"]["items"][0]["orderedQuantity"]["amount"] = True
    with pytest.raises(AmazonMappingError, match="whole number"):
        parsing.parse_purchase_order(as_bool)
