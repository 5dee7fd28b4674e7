"""The pack-file REST endpoint: the warehouse posts a pack file, authenticated by one of the
shop's API tokens (the same tokens as pick results)."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from amazon1p.picks.views import CSV_TYPES
from amazon1p.picks.views import api_refusal as _error  # both endpoints answer alike
from asn.models import PackSource
from asn.packfile import pack_file_read, pack_import
from shops.tokens import api_token_authenticate


@csrf_exempt  # no cookies: the token in the Authorization header authenticates each call
@require_POST
def pack_api(request: HttpRequest, shop_id: int) -> HttpResponse:
    """POST a pack file (text/csv) as `Authorization: Token <token>`; `X-Filename` names it
    in the records. 200 with the report (`status` applied or unchanged, `group`, `lines`,
    `orders`, `pallets`, `cartons`); 400 with `problems` [{line, message}], nothing changed;
    401 without a valid token, 403 for another shop's token."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = api_token_authenticate(raw.strip()) if scheme.lower() == "token" else None
    if token is None:
        return _error(401, "Send a valid API token: Authorization: Token <token>.")
    if token.shop_id != shop_id:
        return _error(403, "This token belongs to another shop.")
    if request.content_type not in CSV_TYPES:
        return _error(415, "Send the pack file as text/csv.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "Too large: send one bill of lading per call.")
    result = pack_import(
        shop=token.shop,
        pack=pack_file_read(body),
        source=PackSource.API,
        name=request.headers.get("X-Filename", "") or f"API token {token.name}",
    )
    return JsonResponse(result.as_json(), status=200 if result.ok else 400)
