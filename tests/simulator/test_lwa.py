"""The LWA token endpoint and access-token checks on the vendor APIs."""

import time

import pytest

from tests.support.simulator_api import CLIENT_ID, ORDERS, Api, make_api


def test_token_grant_answers_like_api_amazon_com(api: Api) -> None:
    response = api.login()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert body["access_token"].startswith("Atza|")
    assert body["refresh_token"] == "Atzr|simulator-test-refresh-token"
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"refresh_token": "not-an-lwa-token"}, 400, "invalid_grant"),
        ({"refresh_token": "Atzr|revoked-by-the-vendor"}, 400, "invalid_grant"),
        ({"refresh_token": "Atzr|expired-long-ago"}, 400, "invalid_grant"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"client_secret": ""}, 401, "invalid_client"),
        ({"client_secret": "wrong-secret"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
    ],
)
def test_bad_credentials_get_oauth_errors(api: Api, form, status, error) -> None:
    response = api.login(**form)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.mark.parametrize("missing", ["grant_type", "refresh_token", "client_id", "client_secret"])
def test_missing_field_is_invalid_request(api: Api, missing: str) -> None:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|x",
        "client_id": CLIENT_ID,
        "client_secret": "s",
    }
    del form[missing]

    response = api.http.post("/auth/o2/token", data=form)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert missing in response.json()["error_description"]


@pytest.mark.parametrize("token", [None, "Atza|never-issued"])
def test_unknown_access_token_is_refused_with_403(api: Api, token) -> None:
    headers = {"x-amz-access-token": token} if token else {}

    response = api.http.get(ORDERS, headers=headers)

    assert response.status_code == 403
    assert response.headers["x-amzn-RequestId"]
    assert response.json() == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "The access token you provided is revoked, malformed or invalid.",
            }
        ]
    }


def test_expired_access_token_is_refused_with_403() -> None:
    for api in make_api(token_ttl=1):
        assert api.get(ORDERS).status_code == 200
        time.sleep(1.05)

        response = api.get(ORDERS)

        assert response.status_code == 403
        error = response.json()["errors"][0]
        assert error["code"] == "Unauthorized"
        assert error["details"] == "The access token you provided has expired."
        assert api.login().json()["expires_in"] == 1


def test_any_host_header_is_accepted(api: Api) -> None:
    # python-amazon-sp-api sends endpoint[8:] as Host, i.e. "27.0.0.1:PORT" for http://.
    response = api.http.get(
        ORDERS, headers={"x-amz-access-token": api.token, "host": "27.0.0.1:1234"}
    )

    assert response.status_code == 200
