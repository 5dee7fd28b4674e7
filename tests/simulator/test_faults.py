"""Rate limits and every fault switch; faults are deterministic from the seed."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from simulator import schema_errors
from simulator.faults import MALFORMATIONS
from tests.support.simulator_api import ORDERS, TRANSACTIONS, Api, iso_days_ago, make_api

QUOTA = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


def burst(api: Api, calls: int = 40) -> list[httpx.Response]:
    with ThreadPoolExecutor(20) as pool:
        return list(pool.map(lambda _: api.get(ORDERS, limit=1), range(calls)))


def test_a_burst_of_40_calls_meets_quota_exceeded() -> None:
    for api in make_api(rate_limits=True):
        responses = burst(api)

        throttled = [r for r in responses if r.status_code == 429]
        assert len(throttled) >= 20  # 10 at once, then 10 per second
        assert {r.status_code for r in responses} == {200, 429}
        assert all(r.json() == QUOTA for r in throttled)
        assert all(r.headers["x-amzn-RequestId"] for r in throttled)
        assert "x-amzn-RateLimit-Limit" not in throttled[0].headers


def test_without_rate_limits_nothing_is_throttled(api: Api) -> None:
    assert {r.status_code for r in burst(api)} == {200}


def test_buckets_are_per_account_and_operation() -> None:
    for api in make_api(rate_limits=True):
        statuses = [api.get(ORDERS, limit=1).status_code for _ in range(15)]
        assert statuses.count(429) >= 3

        other_operation = api.get(f"{TRANSACTIONS}/unknown")
        other_account = Api(api.base_url, refresh_token="Atzr|another-vendor-account")

        assert other_operation.status_code == 404
        assert other_account.get(ORDERS, limit=1).status_code == 200


def statuses_under(seed: int, calls: int = 30, **faults) -> list[tuple[int, int]]:
    """(status, body length) of `calls` list requests on a fresh simulator."""
    window = {"createdAfter": iso_days_ago(3), "createdBefore": iso_days_ago(2), "limit": 20}
    for api in make_api(seed=seed, **faults):
        responses = [api.get(ORDERS, **window) for _ in range(calls)]
        return [(r.status_code, len(r.content)) for r in responses]
    raise AssertionError


def test_faults_repeat_exactly_for_the_same_seed() -> None:
    faults: dict[str, Any] = {
        "throttle_rate": 0.2,
        "error_rate": 0.2,
        "html_error_rate": 0.2,
        "truncate_rate": 0.2,
    }

    first, second = statuses_under(9, **faults), statuses_under(9, **faults)

    assert first == second
    assert len({status for status, _ in first}) >= 4
    assert len({length for status, length in first if status == 200}) >= 2  # some truncated
    assert statuses_under(10, **faults) != first


def test_throttle_rate_answers_429_whatever_the_bucket(api: Api) -> None:
    api.control("POST", "faults", {"throttle_rate": 1.0})

    response = api.get(ORDERS)

    assert response.status_code == 429 and response.json() == QUOTA


def test_error_rate_answers_5xx_with_the_json_envelope(api: Api) -> None:
    api.control("POST", "faults", {"error_rate": 1.0})

    responses = [api.get(ORDERS) for _ in range(12)]

    assert {r.status_code for r in responses} == {500, 503}
    codes = {r.json()["errors"][0]["code"] for r in responses}
    assert codes == {"InternalFailure", "ServiceUnavailable"}
    assert all(r.headers["x-amzn-RequestId"] for r in responses)


def test_html_error_rate_answers_a_gateway_page(api: Api) -> None:
    api.control("POST", "faults", {"html_error_rate": 1.0})

    responses = [api.get(ORDERS) for _ in range(12)]

    assert {r.status_code for r in responses} == {502, 503}
    assert all(r.headers["content-type"] == "text/html" for r in responses)
    assert all(r.text.startswith("<html>") for r in responses)


def test_slow_ms_delays_every_response(api: Api) -> None:
    api.control("POST", "faults", {"slow_ms": 150})
    started = time.monotonic()

    api.get(ORDERS, limit=1)

    assert time.monotonic() - started >= 0.15


def test_truncate_rate_cuts_the_body_mid_json(api: Api) -> None:
    whole = api.get(ORDERS, limit=5).content
    api.control("POST", "faults", {"truncate_rate": 1.0})

    response = api.get(ORDERS, limit=5)

    assert response.status_code == 200
    assert 0 < len(response.content) < len(whole)
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_malformed_pos_are_malformed_every_time(api: Api) -> None:
    clean = {o["purchaseOrderNumber"]: o for o in api.all_orders()}
    api.control("POST", "faults", {"malformed_rate": 0.3})

    listed = {o["purchaseOrderNumber"]: o for o in api.all_orders()}

    broken = [n for n in listed if listed[n] != clean[n]]
    assert 0.15 * len(listed) < len(broken) < 0.45 * len(listed)
    for number in broken:
        again = api.get(f"{ORDERS}/{number}").json()["payload"]
        assert again == listed[number]
        problems = schema_errors("vendorOrders", "Order", again)
        cost = again["orderDetails"]["items"][0]["netCost"]["amount"]
        assert problems or "," in cost
    assert {malformation_of(listed[number]) for number in broken} == set(MALFORMATIONS)


def malformation_of(order: dict) -> str:
    details, item = order["orderDetails"], order["orderDetails"]["items"][0]
    if order["purchaseOrderState"] == "Pending":
        return "unknown_state"
    if "purchaseOrderDate" not in details:
        return "missing_required"
    if details["purchaseOrderType"] == "DropShipOrder":
        return "unknown_type"
    if "," in item["netCost"]["amount"]:
        return "non_numeric_amount"
    assert item["orderedQuantity"]["unitOfMeasure"] == "Pallets"
    return "unknown_unit"


def test_faults_can_be_changed_at_runtime_and_are_validated(api: Api) -> None:
    config = api.control("POST", "faults", {"error_rate": 0.25, "rate_limits": True})

    assert config["error_rate"] == 0.25 and config["rate_limits"] is True
    assert api.control("GET", "config")["error_rate"] == 0.25
    for bad in ({"seed": 3}, {"error_rate": 2}, {"short_pages": "yes"}):
        response = api.http.post("/_simulator/faults", json=bad)
        assert response.status_code == 400 and response.json()["error"]
