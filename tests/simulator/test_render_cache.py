"""The render cache: a PO served again comes from its encoded JSON, which must never be stale
(acknowledgements, runtime options, the passing of time) nor leak between simulators."""

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from simulator import RunningSimulator, Simulator, SimulatorConfig
from simulator.faults import FaultPlan
from simulator.generator import DAY, HOUR, header, purchase_order
from simulator.lifecycle import header_timeline, snapshot
from simulator.orders_api import (
    get_purchase_order,
    get_purchase_orders,
    get_purchase_orders_status,
)
from simulator.state import ENTRY_OVERHEAD, RenderCache
from simulator.transactions import submit_acknowledgement
from simulator.wire import Context, Request
from tests.support.simulator import running_simulator
from tests.support.simulator_api import (
    ACKS,
    ORDERS,
    STATUS,
    TRANSACTIONS,
    Api,
    ack_body,
    iso_days_ago,
)

DELAY = 0.1
T0 = 1_760_000_000  # a fixed clock for the handler-level tests


def compact(body: bytes) -> bytes:
    """What json.dumps made of the whole page before fragments were joined."""
    return json.dumps(json.loads(body), separators=(",", ":")).encode()


@pytest.fixture
def running(simulator_factory) -> RunningSimulator:
    return simulator_factory(seed=7, rate_limits=False, transaction_delay=DELAY)


@pytest.fixture
def api(running: RunningSimulator) -> Iterator[Api]:
    client = Api(running.base_url)
    yield client
    client.http.close()


def test_same_page_twice_gives_identical_compact_json(running: RunningSimulator, api: Api) -> None:
    window = {"createdAfter": iso_days_ago(7), "createdBefore": iso_days_ago(0.01)}
    first = api.get(ORDERS, limit=20, **window)

    second = api.get(ORDERS, limit=20, **window)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content == compact(first.content)
    assert first.json()["payload"]["pagination"]["nextToken"]
    assert len(first.json()["payload"]["orders"]) == 20
    assert len(running.simulator.renders) >= 20
    last_page = api.get(
        ORDERS, limit=100, createdAfter=iso_days_ago(1), createdBefore=iso_days_ago(0.01)
    )
    assert "pagination" not in last_page.json()["payload"]
    assert last_page.content == compact(last_page.content)
    number = first.json()["payload"]["orders"][0]["purchaseOrderNumber"]
    one = api.get(f"{ORDERS}/{number}")
    assert one.content == api.get(f"{ORDERS}/{number}").content == compact(one.content)
    assert json.loads(one.content)["payload"] == first.json()["payload"]["orders"][0]
    status = api.get(STATUS, limit=20, **window)
    assert status.content == api.get(STATUS, limit=20, **window).content == compact(status.content)


def test_acknowledged_po_shows_its_new_state_on_the_next_listing(api: Api) -> None:
    window = {"createdAfter": iso_days_ago(1.5), "createdBefore": iso_days_ago(0.01), "limit": 100}
    listed = api.all_orders(**window)  # every PO of the window is now cached
    order = next(o for o in listed if o["purchaseOrderState"] == "New")
    number = order["purchaseOrderNumber"]
    [status_before] = [
        s
        for s in api.get(STATUS, purchaseOrderNumber=number).json()["payload"]["ordersStatus"]
        if s["purchaseOrderNumber"] == number
    ]
    assert status_before["itemStatus"][0]["acknowledgementStatus"]["confirmationStatus"] == (
        "UNCONFIRMED"
    )

    response = api.post(ACKS, ack_body(order))
    assert response.status_code == 202, response.text
    time.sleep(DELAY + 0.05)
    transaction_id = response.json()["payload"]["transactionId"]
    result = api.get(f"{TRANSACTIONS}/{transaction_id}").json()["payload"]["transactionStatus"]
    assert result["status"] == "Success"

    relisted = {o["purchaseOrderNumber"]: o for o in api.all_orders(**window)}
    assert relisted[number]["purchaseOrderState"] == "Acknowledged"
    assert relisted[number]["orderDetails"]["purchaseOrderStateChangedDate"] >= iso_days_ago(0.01)
    assert {k: v for k, v in relisted.items() if k != number} == {
        o["purchaseOrderNumber"]: o for o in listed if o["purchaseOrderNumber"] != number
    }
    assert api.get(f"{ORDERS}/{number}").json()["payload"] == relisted[number]
    [status] = api.get(STATUS, purchaseOrderNumber=number).json()["payload"]["ordersStatus"]
    assert status["itemStatus"][0]["acknowledgementStatus"]["confirmationStatus"] == "ACCEPTED"
    brief = api.all_orders(includeDetails="false", **window)
    assert {"purchaseOrderNumber": number, "purchaseOrderState": "Acknowledged"} in brief


def test_changed_options_show_on_cached_pos(running: RunningSimulator, api: Api) -> None:
    window = {"createdAfter": iso_days_ago(7), "createdBefore": iso_days_ago(0.01), "limit": 30}
    clean = api.get(ORDERS, **window).json()["payload"]["orders"]

    running.update_config(malformed_rate=1.0)
    broken = api.get(ORDERS, **window).json()["payload"]["orders"]
    api.control("POST", "faults", {"malformed_rate": 0.0})
    again = api.get(ORDERS, **window).json()["payload"]["orders"]

    assert [o["purchaseOrderNumber"] for o in broken] == [o["purchaseOrderNumber"] for o in clean]
    # Every malformation changes a detailed Order.
    assert all(b != c for b, c in zip(broken, clean, strict=True))
    assert again == clean


def test_reset_empties_the_render_cache(running: RunningSimulator, api: Api) -> None:
    api.get(ORDERS, limit=10)
    assert len(running.simulator.renders) == 10

    api.control("POST", "reset")

    assert len(running.simulator.renders) == 0


def test_simulators_in_one_process_do_not_share_rendered_pos() -> None:
    # Same seed and schedule, so the same PO indices and states: only the currency differs.
    euros = {"seed": 5, "rate_limits": False, "currency": "EUR"}
    pounds = {"seed": 5, "rate_limits": False, "currency": "GBP"}
    with running_simulator(**euros) as first, running_simulator(**pounds) as second:
        first_api, second_api = Api(first.base_url), Api(second.base_url)
        window = {"createdAfter": iso_days_ago(7), "createdBefore": iso_days_ago(0.01), "limit": 20}

        in_euros = first_api.get(ORDERS, **window).json()["payload"]["orders"]
        in_pounds = second_api.get(ORDERS, **window).json()["payload"]["orders"]
        first_api.http.close()
        second_api.http.close()

    assert [o["purchaseOrderNumber"] for o in in_euros] == [
        o["purchaseOrderNumber"] for o in in_pounds
    ]
    assert {i["netCost"]["currencyCode"] for o in in_euros for i in o["orderDetails"]["items"]} == {
        "EUR"
    }
    assert {
        i["netCost"]["currencyCode"] for o in in_pounds for i in o["orderDetails"]["items"]
    } == {"GBP"}


# Handler level, with the clock swapped: the cache of one simulator serving on through nine
# days (states, changes, receipts move on) must answer exactly what a fresh simulator renders.


def _context(simulator: Simulator, config: SimulatorConfig | None = None) -> Context:
    return Context(
        config or simulator.config,
        simulator.world,
        simulator.state,
        simulator.codec,
        FaultPlan(),
        simulator.renders,
    )


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Fixed windows: the same POs at every moment (New at T0, Acknowledged, received, Closed later).
CREATED = {"createdAfter": _iso(T0 - 2 * DAY), "createdBefore": _iso(T0), "limit": "100"}
CHANGED = {"changedAfter": _iso(T0 - 3 * DAY), "changedBefore": _iso(T0)}


def _bodies(context: Context, now: float) -> list[bytes]:
    queries: list[tuple[Any, dict[str, str]]] = [
        (get_purchase_orders, CREATED),
        (get_purchase_orders, {**CREATED, "includeDetails": "false"}),
        (get_purchase_orders, CHANGED),
        (get_purchase_orders_status, CREATED),
    ]
    bodies = []
    for handler, query in queries:
        response = handler(context, Request("GET", "/", query, {}, b"", now), {})
        assert response.status == 200, response.body
        bodies.append(response.body)
    first = json.loads(bodies[0])["payload"]["orders"][0]["purchaseOrderNumber"]
    one = get_purchase_order(
        context, Request("GET", "/", {}, {}, b"", now), {"purchaseOrderNumber": first}
    )
    return [*bodies, one.body]


def test_cached_json_matches_a_fresh_render_as_time_passes() -> None:
    config = SimulatorConfig(seed=13, orders_per_day=300, rate_limits=False)
    warm = Simulator(config)
    states = set()
    for offset in (0, HOUR, 2.5 * DAY, 5 * DAY, 9 * DAY, 0):
        now = T0 + offset
        served = _bodies(_context(warm), now)

        assert served == _bodies(_context(Simulator(config)), now), offset
        states |= {o["purchaseOrderState"] for o in json.loads(served[0])["payload"]["orders"]}
    assert states == {"New", "Acknowledged", "Closed"}


def test_cached_json_matches_a_fresh_render_at_each_event_of_a_po() -> None:
    config = SimulatorConfig(seed=13, orders_per_day=300, rate_limits=False)
    warm = Simulator(config)
    start = warm.world.first_after(T0)
    # One PO per kind of change, one never changed, one rejected outright.
    picked: dict[str | None, int] = {}
    for index in range(start, start + 2000):
        head = header(warm.world, index)
        picked.setdefault("rejected" if head.rejected_all else head.change_kind, index)
    assert set(picked) == {None, "quantity", "cancel_line", "window", "ship_to", "rejected"}
    for index in picked.values():
        head = header(warm.world, index)
        number = head.number
        moments = [head.created, head.ack_at - 1, head.ack_at, head.first_receipt]
        moments += [head.close_at - 1, head.close_at]
        if head.changed_at is not None:
            moments += [head.changed_at - 1, head.changed_at]
        for now in sorted(moments):
            request = Request("GET", "/", {"purchaseOrderNumber": number}, {}, b"", now)
            for handler in (get_purchase_order, get_purchase_orders_status):
                params = {"purchaseOrderNumber": number}
                served = handler(_context(warm), request, params).body
                fresh = handler(_context(Simulator(config)), request, params).body
                assert served == fresh, (head.change_kind, now - head.created, handler)


def test_each_acknowledgement_moves_the_cached_state_changed_date() -> None:
    warm = Simulator(SimulatorConfig(seed=13, orders_per_day=300, transaction_delay=0.0))
    context = _context(warm)
    listing = Request("GET", "/", {**CREATED, "purchaseOrderState": "New"}, {}, b"", T0)
    order = json.loads(get_purchase_orders(context, listing, {}).body)["payload"]["orders"][0]
    number = order["purchaseOrderNumber"]

    def served(now: float) -> dict[str, Any]:
        request = Request("GET", "/", {}, {}, b"", now)
        body = get_purchase_order(context, request, {"purchaseOrderNumber": number}).body
        return json.loads(body)["payload"]

    def acknowledge(now: float) -> None:
        body = json.dumps(ack_body(order)).encode()
        headers = {"content-type": "application/json"}
        request = Request("POST", ACKS, {}, headers, body, now)
        assert submit_acknowledgement(context, request, {}).status == 202

    assert served(T0 + 10)["purchaseOrderState"] == "New"
    acknowledge(T0 + 20)
    first = served(T0 + 30)
    acknowledge(T0 + HOUR)
    second = served(T0 + HOUR + 10)

    assert first["purchaseOrderState"] == second["purchaseOrderState"] == "Acknowledged"
    assert first["orderDetails"]["purchaseOrderStateChangedDate"] == _iso(T0 + 20)
    assert second["orderDetails"]["purchaseOrderStateChangedDate"] == _iso(T0 + HOUR)
    assert served(T0 + 10)["purchaseOrderState"] == "New"  # before both


def test_cached_json_follows_the_malformed_rate_even_without_clearing() -> None:
    config = SimulatorConfig(seed=13, orders_per_day=300, rate_limits=False)
    warm = Simulator(config)
    _bodies(_context(warm), T0)
    malformed = SimulatorConfig(seed=13, orders_per_day=300, rate_limits=False, malformed_rate=0.5)

    served = _bodies(_context(warm, malformed), T0)  # a request still holding other options

    fresh = Simulator(malformed)
    assert served == _bodies(_context(fresh), T0)
    assert served != _bodies(_context(Simulator(config)), T0)


def test_header_timeline_is_the_snapshot_timeline_without_an_acknowledgement() -> None:
    """What lets a cache key come from the header alone."""
    world = Simulator(SimulatorConfig(seed=17, orders_per_day=500)).world
    start = world.first_after(T0)
    for index in range(start, start + 600):
        head = header(world, index)
        order = purchase_order(world, index)
        moments = [head.created, head.created + HOUR, head.ack_at - 1, head.ack_at]
        moments += [head.first_receipt, head.close_at - 1, head.close_at, head.close_at + DAY]
        if head.changed_at is not None:
            moments += [head.changed_at - 1, head.changed_at]
        for now in moments:
            assert header_timeline(head, now) == snapshot(order, now, None).timeline, (index, now)


def test_render_cache_drops_the_least_recently_used_beyond_its_budget() -> None:
    cache = RenderCache(max_bytes=3 * (100 + ENTRY_OVERHEAD))
    cache.put("a", b"a" * 100)
    cache.put("b", b"b" * 100)
    cache.put("c", b"c" * 100)
    assert cache.get("a") == b"a" * 100  # now the most recently used

    cache.put("d", b"d" * 100)

    assert cache.get("b") is None
    assert [cache.get(key) for key in "acd"] == [b"a" * 100, b"c" * 100, b"d" * 100]
    cache.put("huge", b"x" * cache.max_bytes)
    assert cache.get("huge") is None and len(cache) == 3
