"""ASN settings pages: the shop's warehouses (ship-from parties) and its document templates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from asn.forms import WarehouseForm
from asn.models import Warehouse
from shops.access import shop_for_user
from shops.audit import audit_record, diff, snapshot
from shops.permissions import Perm

WAREHOUSE_FIELDS = ("code", "name", "address_line", "postal_code", "city", "country")


@login_required
@require_http_methods(["GET", "POST"])
def warehouse_list(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The warehouses, with a form to add one."""
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    form = WarehouseForm(request.POST if request.method == "POST" else None, shop=shop)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            warehouse = form.save(commit=False)
            warehouse.shop = shop
            warehouse.save()
            audit_record(
                actor=request.user,
                shop=shop,
                action="warehouse.create",
                target=warehouse,
                changes=diff({}, snapshot(warehouse, WAREHOUSE_FIELDS)),
            )
        messages.success(request, f"Warehouse {warehouse.code} added.")
        return redirect("asn:warehouse-list", shop_id=shop.pk)
    return render(
        request,
        "asn/warehouse_list.html",
        {
            "shop": shop,
            "form": form,
            "warehouses": Warehouse.objects.filter(shop=shop),
            "active": "warehouses",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def warehouse_edit(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    warehouse = get_object_or_404(Warehouse, pk=pk, shop=shop)
    before = snapshot(warehouse, WAREHOUSE_FIELDS)
    form = WarehouseForm(
        request.POST if request.method == "POST" else None, instance=warehouse, shop=shop
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit_record(
                actor=request.user,
                shop=shop,
                action="warehouse.update",
                target=warehouse,
                changes=diff(before, snapshot(warehouse, WAREHOUSE_FIELDS)),
            )
        messages.success(request, f"Warehouse {warehouse.code} saved.")
        return redirect("asn:warehouse-list", shop_id=shop.pk)
    return render(
        request,
        "asn/warehouse_edit.html",
        {"shop": shop, "form": form, "warehouse": warehouse, "active": "warehouses"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def warehouse_delete(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    warehouse = get_object_or_404(Warehouse, pk=pk, shop=shop)
    try:
        with transaction.atomic():
            audit_record(actor=request.user, shop=shop, action="warehouse.delete", target=warehouse)
            warehouse.delete()
    except ProtectedError:
        messages.error(
            request, f"Warehouse {warehouse.code} has group shipments; it cannot be deleted."
        )
    else:
        messages.success(request, f"Warehouse {warehouse.code} deleted.")
    return redirect("asn:warehouse-list", shop_id=shop.pk)
