"""Pick results: the REST endpoint the warehouse posts to (token auth), the shop's API tokens
page and the list of pick imports with their reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from amazon1p.picks.forms import ApiTokenForm
from amazon1p.picks.models import PickImport, PickSource
from amazon1p.picks.services import pick_import
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, post_data
from shops import tokens
from shops.access import shop_for_user
from shops.models import ApiToken
from shops.permissions import Perm
from shops.views import render_settings_page

CSV_TYPES = ("text/csv", "application/csv", "text/plain")


def api_refusal(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Token realm="shopctrl"'
    return response


@csrf_exempt  # no cookies: a token in the Authorization header authenticates each call
@require_POST
def pick_api(request: HttpRequest, shop_id: int) -> HttpResponse:
    """POST pick results (text/csv, or application/json: a list of objects with the CSV's
    columns) as `Authorization: Token <token>`. 200 with the report; 400 with the problems
    (nothing changed); 409 when the only problem is an acknowledgement on its way (send the
    same again later); 401 without a valid token, 403 for another shop's token."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = tokens.api_token_authenticate(raw.strip()) if scheme.lower() == "token" else None
    if token is None:
        return api_refusal(401, "Send a valid API token: Authorization: Token <token>.")
    if token.shop_id != shop_id:
        return api_refusal(403, "This token belongs to another shop.")
    content_type = request.content_type or ""
    if content_type not in (*CSV_TYPES, "application/json"):
        return api_refusal(415, "Send text/csv or application/json.")
    try:
        body = request.body
    except RequestDataTooBig:
        return api_refusal(413, "Too large: split the picks into several calls.")
    result = pick_import(
        content=body,
        json_body=content_type == "application/json",
        source=PickSource.API,
        shop=token.shop,
        filename=request.headers.get("X-Filename", ""),
        api_token=token,
    )
    status = 200 if result.ok else 409 if result.retry else 400
    return JsonResponse(result.as_json(), status=status)


NEW_TOKEN_SESSION_KEY = "amazon1p:new-api-token"


@login_required
def api_token_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """The shop's API tokens; POST makes one and shows it this once."""
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    form = ApiTokenForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            _, token = tokens.api_token_create(
                actor=request.user, shop=shop, name=form.cleaned_data["name"]
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            # Post/redirect/get, so a reload cannot make a second token. The token rides in
            # the (server-side) session for this one redirect and is shown once.
            request.session[NEW_TOKEN_SESSION_KEY] = token
            return redirect("amazon1p:api-token-list", shop_id=shop.pk)
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, "") if request.method == "GET" else ""
    return render_settings_page(
        request,
        "amazon1p/api_tokens.html",
        {
            "shop": shop,
            "form": form,
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(shop=shop).select_related("created_by"),
            "api_url": request.build_absolute_uri(reverse("api:pick-import", args=[shop.pk])),
            "active": "api-tokens",
        },
        form,
    )


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    token_id = request.POST.get("token", "")
    token = get_object_or_404(ApiToken, pk=token_id if token_id.isdigit() else None, shop=shop)
    tokens.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect("amazon1p:api-token-list", shop_id=shop.pk)


@login_required
@require_GET
def pick_import_list(request: HttpRequest, shop_id: int) -> HttpResponse:
    """Pick files and API calls, newest first, with what each did or why it was refused."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    imports = PickImport.objects.filter(shop=shop).select_related("api_token", "created_by")
    page = Paginator(imports, 50).get_page(request.GET.get("page"))
    return render_settings_page(
        request, "amazon1p/picks.html", {"shop": shop, "page": page, "active": "picks"}
    )
