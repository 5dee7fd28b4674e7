"""A fake SP-API host for respx: its address, the secrets that must never leak, and Amazon's
answers (LWA token, error envelope)."""

BASE = "http://sp.test"


SECRET = "amzn1.oa2-cs.v1.topsecretclientsecret"


REFRESH = "Atzr|refresh-token-that-must-never-leak"


ACCESS = "Atza|access-token-that-must-never-leak"


class Recorder:
    """Stands in for time.sleep: records the delays instead of waiting."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def token_response(expires_in: int = 3600):
    import httpx

    return httpx.Response(
        200,
        json={
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "token_type": "bearer",
            "expires_in": expires_in,
        },
    )


def envelope(status: int, code: str, message: str):
    import httpx

    return httpx.Response(
        status,
        json={"errors": [{"code": code, "message": message}]},
        headers={"x-amzn-RequestId": "req-123"},
    )
