"""The /_simulator/ control API: request log (secrets masked), config, HTML page, routing."""

import json

import httpx
import pytest

from simulator import SimulatorConfig, start_simulator
from tests.support.simulator_api import ACKS, CLIENT_SECRET, ORDERS, REFRESH_TOKEN, Api

INJECTED = {
    "MarketplaceId": "A1PA6795UKMFR9",
    "MarketplaceIds": "A1PA6795UKMFR9",
    "marketplace_ids": "A1PA6795UKMFR9",
    "marketplaceIds": "A1PA6795UKMFR9",
}


def test_request_log_records_what_arrived_with_secrets_masked(api: Api) -> None:
    api.get(ORDERS, limit=2, **INJECTED)
    api.post(ACKS, {"acknowledgements": [], "marketplaceIds": ["A1PA6795UKMFR9"]})

    log = api.control("GET", "requests")

    token_call, list_call, ack_call = log
    assert [entry["seq"] for entry in log] == [1, 2, 3]
    assert token_call["path"] == "/auth/o2/token" and token_call["status"] == 200
    assert token_call["body"]["refresh_token"] == "Atzr|****"
    assert token_call["body"]["client_secret"] == "****"
    assert list_call["operation"] == "getPurchaseOrders"
    assert list_call["query"] == {"limit": "2", **INJECTED}
    assert list_call["headers"]["x-amz-access-token"] == "Atza|****"
    assert list_call["status"] == 200 and list_call["request_id"] and list_call["time"]
    assert ack_call["body"]["marketplaceIds"] == ["A1PA6795UKMFR9"]  # recorded, yet ignored
    assert ack_call["status"] == 400
    text = json.dumps(log) + api.http.get("/_simulator/").text
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, api.token, api.token[5:]):
        assert secret not in text


def test_request_log_since_and_clear(api: Api) -> None:
    api.get(ORDERS, limit=1)
    api.get(ORDERS, limit=1)

    assert [e["seq"] for e in api.control("GET", "requests?since=2")] == [3]
    api.control("DELETE", "requests")
    assert api.control("GET", "requests") == []
    api.get(ORDERS, limit=1)
    assert [e["seq"] for e in api.control("GET", "requests")] == [4]


def test_control_requests_are_not_logged_nor_numbered(api: Api) -> None:
    api.control("GET", "config")

    assert [e["path"] for e in api.control("GET", "requests")] == ["/auth/o2/token"]


def test_html_page_lists_recent_requests(api: Api) -> None:
    api.get(ORDERS, limit=1)

    page = api.http.get("/_simulator/")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Vendor Central simulator" in page.text
    assert "/vendor/orders/v1/purchaseOrders" in page.text


def test_config_lists_every_option(api: Api) -> None:
    config = api.control("GET", "config")

    assert config["seed"] == 7 and config["vendor_codes"] == ["VNDR1"]
    assert api.base_url.endswith(f":{config['port']}")  # the port bound, not the 0 asked for
    assert {"throttle_rate", "malformed_rate", "token_ttl", "sandbox"} <= set(config)


def test_unknown_paths_get_amazons_404_envelope(api: Api) -> None:
    for method, path in (("GET", "/vendor/orders/v2/nothing"), ("DELETE", ORDERS)):
        response = api.http.request(method, path, headers={"x-amz-access-token": api.token})

        assert response.status_code == 404
        assert response.headers["x-amzn-RequestId"]
        assert response.json()["errors"][0]["code"] == "ResourceNotFound"
    assert api.http.get("/_simulator/nothing").status_code == 404


def test_chunked_request_bodies_are_read(api: Api) -> None:
    chunks = iter([b'{"acknowledgements":', b" []}"])

    response = api.http.post(
        ACKS,
        content=chunks,
        headers={"x-amz-access-token": api.token, "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert "acknowledgements" in response.json()["errors"][0]["message"]


def test_python_api_of_a_running_simulator() -> None:
    with start_simulator(SimulatorConfig(seed=2, rate_limits=False)) as running:
        api = Api(running.base_url)
        config = running.update_config(error_rate=1.0)
        assert config.error_rate == 1.0 and running.config.error_rate == 1.0
        assert api.get(ORDERS).status_code in (500, 503)
        assert [entry["status"] for entry in running.requests(since=1)] == [
            api.control("GET", "requests")[-1]["status"]
        ]
        running.reset()
        http = api.http
    with pytest.raises(httpx.TransportError):  # stop() also ends keep-alive connections
        http.get("/_simulator/config")
