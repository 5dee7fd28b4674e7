"""Faults at the Amazon boundary: each gives the documented retry or a clear typed error,
never a hang and never an unbounded loop. HTTP is answered by respx (httpx's mock)."""

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from amazon1p.spapi.errors import (
    AmazonAuthError,
    AmazonRejectedError,
    AmazonTransientError,
)
from tests.support.spapi_fakes import ACCESS, REFRESH, SECRET, envelope, token_response

PO_PATH = "/vendor/orders/v1/purchaseOrders/ABC12345"
PO = {"purchaseOrderNumber": "ABC12345", "purchaseOrderState": "New"}


def ok_po():
    return httpx.Response(200, json={"payload": PO})


def test_429_storm_is_retried_with_growing_jittered_backoff(amazon, make_client, sleeper):
    route = amazon.get(PO_PATH).mock(
        side_effect=[envelope(429, "QuotaExceeded", "slow down")] * 3 + [ok_po()]
    )
    client = make_client(max_attempts=5)

    po = client.get_purchase_order("ABC12345")

    assert po.number == "ABC12345"
    assert route.call_count == 4
    assert client.stats.throttled == 3 and client.stats.retries == 3
    backoffs = [s for s in sleeper.sleeps if s > 0]
    caps = [0.5 * 2**n for n in (1, 2, 3)]
    assert len(backoffs) == 3 and all(0 <= s <= cap for s, cap in zip(backoffs, caps, strict=True))


def test_endless_429s_stop_after_the_attempt_budget(amazon, make_client):
    route = amazon.get(PO_PATH).mock(return_value=envelope(429, "QuotaExceeded", "slow down"))
    client = make_client(max_attempts=4)

    with pytest.raises(AmazonTransientError, match="gave up after 4 attempts"):
        client.get_purchase_order("ABC12345")
    assert route.call_count == 4


@pytest.mark.parametrize(
    "failure",
    [
        envelope(503, "ServiceUnavailable", "Try again"),
        envelope(500, "InternalFailure", "We encountered an internal error"),
        httpx.Response(
            502,
            text="<html><body><h1>502 Bad Gateway</h1></body></html>",
            headers={"content-type": "text/html"},
        ),
        httpx.Response(200, text='{"payload": {"purchaseOrderNumber": "ABC1'),  # truncated
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("connection refused"),
    ],
    ids=["503", "500", "html-502", "malformed-json", "timeout", "connect-error"],
)
def test_transient_failures_are_retried_then_succeed(amazon, make_client, failure):
    route = amazon.get(PO_PATH).mock(side_effect=[failure, failure, ok_po()])
    client = make_client(max_attempts=4)

    assert client.get_purchase_order("ABC12345").number == "ABC12345"
    assert route.call_count == 3
    assert client.stats.retries == 2


def test_a_persistent_html_error_page_ends_in_a_clear_error(amazon, make_client):
    amazon.get(PO_PATH).mock(return_value=httpx.Response(503, text="<html>Service down</html>"))
    client = make_client(max_attempts=3)

    with pytest.raises(AmazonTransientError) as caught:
        client.get_purchase_order("ABC12345")
    assert "HTTP 503" in caught.value.message and "not a JSON answer" in caught.value.message


def test_bad_request_is_a_typed_rejection_and_not_retried(amazon, make_client):
    route = amazon.get(PO_PATH).mock(
        return_value=envelope(400, "InvalidInput", "purchaseOrderNumber is invalid")
    )
    client = make_client()

    with pytest.raises(AmazonRejectedError) as caught:
        client.get_purchase_order("ABC12345")
    assert caught.value.code == "InvalidInput"
    assert caught.value.status == 400 and caught.value.request_id == "req-123"
    assert "purchaseOrderNumber is invalid" in caught.value.message
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("status", "error", "credential"),
    [
        (400, "invalid_grant", "refresh_token"),
        (401, "invalid_client", "lwa_client_secret"),
    ],
)
def test_refused_credentials_say_which_one_is_wrong(amazon, make_client, status, error, credential):
    amazon.routes["lwa"].mock(
        return_value=httpx.Response(status, json={"error": error, "error_description": "nope"})
    )
    route = amazon.get(PO_PATH).mock(return_value=ok_po())
    client = make_client()

    with pytest.raises(AmazonAuthError) as caught:
        client.get_purchase_order("ABC12345")
    assert caught.value.credential == credential
    assert amazon.routes["lwa"].call_count == 1  # no retry of a refused credential
    assert route.call_count == 0


def test_lwa_outage_is_retried(amazon, make_client):
    amazon.routes["lwa"].mock(side_effect=[httpx.Response(503, text="down"), token_response()])
    amazon.get(PO_PATH).mock(return_value=ok_po())

    assert make_client().get_purchase_order("ABC12345").number == "ABC12345"


def test_a_post_is_not_resent_after_a_timeout(amazon, make_client):
    route = amazon.post("/vendor/orders/v1/acknowledgements").mock(
        side_effect=httpx.ReadTimeout("read timed out")
    )
    client = make_client()

    with pytest.raises(AmazonTransientError):
        client.submit_acknowledgements([])
    assert route.call_count == 1  # Amazon may have taken it: the outbox decides


def test_a_post_is_resent_after_a_429(amazon, make_client):
    route = amazon.post("/vendor/orders/v1/acknowledgements").mock(
        side_effect=[
            envelope(429, "QuotaExceeded", "slow down"),
            httpx.Response(202, json={"payload": {"transactionId": "tx-1"}}),
        ]
    )
    assert make_client().submit_acknowledgements([]) == "tx-1"
    assert route.call_count == 2


def test_one_access_token_per_connection_until_shortly_before_expiry(amazon, make_client):
    now = [1000.0]
    amazon.routes["lwa"].mock(return_value=token_response(expires_in=600))
    amazon.get(PO_PATH).mock(return_value=ok_po())
    client = make_client(clock=lambda: now[0])

    for _ in range(3):
        client.get_purchase_order("ABC12345")
    client.get_transaction  # noqa: B018 - other API objects share the same token
    assert amazon.routes["lwa"].call_count == 1
    now[0] += 600 - 119  # inside the refresh margin
    client.get_purchase_order("ABC12345")
    assert amazon.routes["lwa"].call_count == 2


def test_an_access_token_refused_by_amazon_is_renewed_once(amazon, make_client):
    route = amazon.get(PO_PATH).mock(
        side_effect=[
            envelope(403, "Unauthorized", "Access to requested resource is denied."),
            ok_po(),
        ]
    )
    assert make_client().get_purchase_order("ABC12345").number == "ABC12345"
    assert amazon.routes["lwa"].call_count == 2 and route.call_count == 2


def test_paging_stops_on_a_repeated_next_token(amazon, make_client):
    page = {"payload": {"orders": [PO], "pagination": {"nextToken": "same"}}}
    route = amazon.get("/vendor/orders/v1/purchaseOrders").mock(
        return_value=httpx.Response(200, json=page)
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)

    client = make_client()

    pages = list(
        client.list_purchase_orders(created_after=start, created_before=start + timedelta(days=1))
    )

    # Amazon's static sandbox pages like this: what came is handed over, and paging ends.
    assert route.call_count == 2 and len(pages) == 2
    assert [po.number for page in pages for po in page.orders] == ["ABC12345"] * 2
    assert client.stats.repeated_token == (
        "getPurchaseOrders answered page 2 with the nextToken of an earlier page; "
        "paging stopped there"
    )


def test_secrets_never_reach_logs_or_errors(amazon, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    amazon.get(PO_PATH).mock(side_effect=[envelope(503, "ServiceUnavailable", "x"), ok_po()])
    client = make_client()
    client.get_purchase_order("ABC12345")
    amazon.routes["lwa"].mock(
        return_value=httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "bad"}
        )
    )
    fresh = make_client()
    with pytest.raises(AmazonAuthError) as caught:
        fresh.get_purchase_order("ABC12345")

    for secret in (SECRET, REFRESH, ACCESS):
        assert secret not in caplog.text
        assert secret not in str(caught.value) and secret not in repr(caught.value)
        assert secret not in repr(client.access)
