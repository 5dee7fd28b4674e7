"""--sandbox: every case recorded in the models is answered with its recorded response."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from simulator import load_models
from tests.support.simulator_api import ORDERS, Api, make_api

INJECTED_QUERY = {"MarketplaceId": "ATVPDKIKX0DER", "marketplaceIds": "ATVPDKIKX0DER"}
INJECTED_BODY = {"marketplaceIds": ["ATVPDKIKX0DER"], "MarketplaceIds": ["ATVPDKIKX0DER"]}


def recorded_cases() -> Iterator[tuple[str, str, str, int, dict[str, Any], Any]]:
    """(operation, method, path template, status, parameters, response) of every case."""
    for model in load_models().values():
        for template, operations in model["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                for status, response in operation["responses"].items():
                    cases = [
                        *(response.get("x-amzn-api-sandbox") or {}).get("static", []),
                        *(response.get("x-amazon-spds-sandbox-behaviors") or []),
                    ]
                    for case in cases:
                        yield (
                            operation["operationId"],
                            method.upper(),
                            template,
                            int(status),
                            case["request"]["parameters"],
                            case["response"],
                        )


CASES = list(recorded_cases())


def as_query(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Api]:
    yield from make_api(sandbox=True)


def test_the_models_record_36_cases() -> None:
    # 34 in the orders, shipments and transaction models, 2 in vendorInvoices
    assert len(CASES) == 36


@pytest.mark.parametrize(
    ("operation", "method", "template", "status", "parameters", "expected"),
    CASES,
    ids=[f"{case[0]}-{case[3]}-{i}" for i, case in enumerate(CASES)],
)
def test_sandbox_answers_the_recorded_case(
    sandbox: Api, operation, method, template, status, parameters, expected
) -> None:
    values = {name: spec["value"] for name, spec in parameters.items() if "value" in spec}
    path = re.sub(r"\{(\w+)\}", lambda m: str(values.pop(m.group(1), "ANY")), template)
    body = values.pop("body", {}) if method == "POST" else None
    if isinstance(body, dict):
        body = {**body, **INJECTED_BODY}  # python-amazon-sp-api adds these; ignored
    query = {name: as_query(value) for name, value in values.items()}

    response = sandbox.http.request(
        method,
        path,
        params={**query, **INJECTED_QUERY},
        json=body,
        headers={"x-amz-access-token": sandbox.token},
    )

    assert response.status_code == status
    assert response.json() == expected
    assert response.headers["x-amzn-RateLimit-Limit"] == "5.0"


def test_unmatched_request_without_catch_all_is_refused(sandbox: Api) -> None:
    response = sandbox.get("/vendor/shipping/v1/shipments", vendorShipmentIdentifier="other")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Could not match input arguments"


def test_sandbox_throttles_at_burst_15() -> None:
    for api in make_api(sandbox=True, rate_limits=True):
        statuses = [api.get(ORDERS).status_code for _ in range(20)]

        assert 15 <= statuses.count(200) <= 16 and statuses.count(429) >= 4
