"""The "Shop synchronization › Amazon 1P Synchronization" settings page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from amazon1p.connection import services
from amazon1p.connection.forms import (
    AmazonSettingsForm,
    FulfillmentCenterFormSet,
    StatusMappingFormSet,
)
from amazon1p.connection.models import AmazonConnection, AmazonStatus
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, post_data
from shops.access import shop_for_user
from shops.permissions import Perm
from shops.views import render_settings_page

SECRET_FIELDS = ("lwa_client_secret", "refresh_token")


@login_required
def connection_settings(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Every pane on one page. POST `action`: save (default), save_close (then back to the
    shops list, as the setup article says), test, add_default_fcs, remove_empty_fcs.
    Saving is all or nothing; testing saves nothing but the result."""
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    connection = services.amazon_connection_for(shop)
    action = request.POST.get("action", "save") if request.method == "POST" else None
    if action in ("add_default_fcs", "remove_empty_fcs"):
        return _fc_action(request, connection, action)

    data = post_data(request)
    form = AmazonSettingsForm(
        data, instance=AmazonConnection.objects.get(pk=connection.pk), shop=shop
    )
    order = {status: i for i, status in enumerate(AmazonStatus.values)}
    mappings = sorted(connection.status_mappings.all(), key=lambda m: order[m.amazon_status])
    mapping_formset = StatusMappingFormSet(
        data,
        prefix="map",
        form_kwargs={"shop": shop},
        initial=[
            {
                "amazon_status": m.amazon_status,
                "main_status": m.main_status_id,
                "payment_status": m.payment_status_id,
            }
            for m in mappings
        ],
    )
    fc_formset = FulfillmentCenterFormSet(
        data, prefix="fc", queryset=connection.fulfillment_centers.all()
    )
    invalid = False
    if action == "test":
        invalid = not form.is_valid()
        if not invalid:
            _test(request, form, connection)
    elif action in ("save", "save_close"):
        valid = all([form.is_valid(), mapping_formset.is_valid(), fc_formset.is_valid()])
        if valid:
            try:
                _save(request, form, connection, mapping_formset, fc_formset)
            except ShopCtrlError as error:
                form_error_from(form, error)
            else:
                messages.success(request, "Amazon 1P settings saved.")
                if action == "save_close":
                    return redirect("shops:shop-list")
                return redirect("amazon1p:settings", shop_id=shop.pk)
        invalid = True
    connection.refresh_from_db()
    return render_settings_page(
        request,
        "amazon1p/settings.html",
        {
            "shop": shop,
            "connection": connection,
            "form": form,
            "active": "amazon1p",
            "mapping_formset": mapping_formset,
            "fc_formset": fc_formset,
            "mapping_rows": list(zip(mappings, mapping_formset.forms, strict=False)),
            "rotation_due": services.secret_rotation_due(connection),
            "blockers": services.enable_blockers(connection, mappings),
        },
        form,
        invalid=invalid,
    )


def _values(form: AmazonSettingsForm) -> dict:
    # Without custom endpoints the form has no custom_base_url field: the stored one stays.
    return {
        name: form.cleaned_data[name] for name in form._meta.fields or () if name in form.fields
    }


def _secrets(form: AmazonSettingsForm) -> dict[str, str]:
    return {name: form.cleaned_data.get(name) or "" for name in SECRET_FIELDS}


def _save(request, form, connection, mapping_formset, fc_formset) -> None:
    changed_fcs, deleted_fcs = [], []
    for fc_form in fc_formset.forms:
        if fc_form.cleaned_data.get("DELETE"):
            if fc_form.instance.pk:
                deleted_fcs.append(fc_form.instance)
        elif fc_form.has_changed():
            values = {k: v for k, v in fc_form.cleaned_data.items() if k not in ("DELETE", "id")}
            changed_fcs.append((fc_form.instance, values))
    services.amazon_settings_save(
        actor=request.user,
        connection=connection,
        values=_values(form),
        secrets=_secrets(form),
        mappings=[f.cleaned_data for f in mapping_formset.forms],
        fulfillment_centers=changed_fcs,
        deleted_fulfillment_centers=deleted_fcs,
    )


def _test(request, form, connection) -> None:
    result = services.amazon_connection_test(
        actor=request.user,
        connection=connection,
        overrides={k: v for k, v in _values(form).items() if k != "acknowledgeable_statuses"},
        secrets=_secrets(form),
    )
    # A test of values not saved yet is reported here only; the stored "last test" stays.
    scope = "" if result.saved else " (values on this page, not saved)"
    if result.ok:
        messages.success(request, f"Test connection{scope}: {result.message}")
    else:
        messages.error(request, f"Test connection failed{scope}: {result.message}")
        if result.field:
            form.add_error(result.field if result.field in form.fields else None, result.message)


def _fc_action(
    request: AuthenticatedRequest, connection: AmazonConnection, action: str
) -> HttpResponse:
    if action == "add_default_fcs":
        added = services.fulfillment_centers_add_defaults(actor=request.user, connection=connection)
        messages.success(
            request,
            f"{added} default fulfillment center(s) added for the {connection.region} region."
            if added
            else "Every default fulfillment center of the region is already listed.",
        )
    else:
        removed = services.fulfillment_centers_remove_unreferenced(
            actor=request.user, connection=connection
        )
        messages.success(
            request, f"{removed} fulfillment center(s) without ShipToPartyRef removed."
        )
    return redirect("amazon1p:settings", shop_id=connection.shop_id)
