"""Group-shipment pages: the list with "New group shipment", and one shipment's page with its
orders, packing, pre-flight check and ASN. Every change is a POST that redirects back
(post/redirect/get) with a message; viewers see the page without the controls."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from amazon1p.connection.models import AmazonConnection
from asn import packfile, placement, shipments, submission
from asn.forms import (
    AddOrderForm,
    ContainerAddForm,
    ContainerDetailsForm,
    GroupShipmentForm,
    LineQuantitiesForm,
    MoveForm,
    PlaceForm,
)
from asn.models import (
    AsnSubmission,
    Container,
    ContainerKind,
    GroupShipment,
    PackSource,
    Placement,
    Shipment,
    Warehouse,
)
from asn.preflight import preflight
from asn.selectors import group_shipment_list, shipment_rows
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_errors_to_messages, service_run
from shops.access import shop_for_user
from shops.permissions import Perm

PAGE_SIZE = 50


def _group(request: HttpRequest, shop_id: int, pk: int, perm: Perm) -> GroupShipment:
    shop = shop_for_user(request, shop_id, perm)
    return get_object_or_404(
        GroupShipment.objects.select_related("shop", "warehouse", "created_by"), pk=pk, shop=shop
    )


def _back(group: GroupShipment, anchor: str = "") -> HttpResponse:
    response = redirect("asn:group-detail", shop_id=group.shop_id, pk=group.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _list_page(request: AuthenticatedRequest, shop, form: GroupShipmentForm, *, status: int = 200):
    page = Paginator(group_shipment_list(shop), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "asn/group_list.html",
        {
            "shop": shop,
            "page": page,
            "form": form,
            "can_manage": Perm.SHIPMENTS_MANAGE in request.shop_permissions,
            "has_warehouse": Warehouse.objects.filter(shop=shop).exists(),
        },
        status=status,
    )


@login_required
@require_GET
def group_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    return _list_page(request, shop, GroupShipmentForm(shop=shop))


@login_required
@require_POST
def group_create(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHIPMENTS_MANAGE)
    form = GroupShipmentForm(request.POST, shop=shop)
    if form.is_valid():
        try:
            group = shipments.group_shipment_create(
                shop=shop, data=form.data_object(), actor=request.user
            )
        except ShopCtrlError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Group shipment {group.code} created: add its orders.")
            return _back(group)
    return _list_page(request, shop, form, status=400)


@login_required
@require_GET
def group_detail(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHOP_VIEW)
    can_manage = Perm.SHIPMENTS_MANAGE in request.shop_permissions
    connection = AmazonConnection.objects.filter(shop_id=group.shop_id).first()
    rows = shipment_rows(group)
    editable = can_manage and group.is_editable
    context = {
        "shop": group.shop,
        "group": group,
        "shipments": rows,
        "tree": placement.packing_tree(group),
        "unplaced": placement.unplaced_lines(group),
        "violations": preflight(group, connection) if connection else [],
        "submissions": list(group.submissions.select_related("created_by")[:10]),
        "can_manage": can_manage,
        "editable": editable,
        "next_type": submission.next_confirmation_type(group),
        "connection": connection,
        "pack_imports": list(group.pack_imports.select_related("created_by")[:5]),
    }
    if editable:
        context.update(
            transport_form=GroupShipmentForm(instance=group, shop=group.shop),
            add_order_form=AddOrderForm(candidates=shipments.candidate_orders(group)),
            container_form=ContainerAddForm(group=group),
            place_form=PlaceForm(group=group),
            move_form=MoveForm(group=group),
            quantity_forms={
                row.shipment.pk: LineQuantitiesForm(
                    lines=row.lines, initial={"revision": group.revision}
                )
                for row in rows
            },
        )
    return render(request, "asn/group_detail.html", context)


@login_required
@require_POST
def group_update(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    form = GroupShipmentForm(request.POST, instance=GroupShipment(shop=group.shop), shop=group.shop)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(group, "transport")
    revision = form.cleaned_data.get("revision") or 0
    return service_run(
        request,
        lambda: shipments.group_shipment_update(
            group=group, data=form.data_object(), revision=revision, actor=request.user
        ),
        success="Transport details saved.",
        back=_back(group, "transport"),
    )


@login_required
@require_POST
def order_add(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    order_id = request.POST.get("order", "")
    order = get_object_or_404(group.shop.orders, pk=int(order_id) if order_id.isdigit() else None)
    return service_run(
        request,
        lambda: shipments.shipment_add_order(group=group, order=order, actor=request.user),
        success=f"Order {order.number} added with everything it may still ship.",
        back=_back(group, "orders"),
    )


@login_required
@require_POST
def order_remove(request: HttpRequest, shop_id: int, pk: int, shipment_id: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    shipment = get_object_or_404(
        Shipment.objects.select_related("order"), pk=shipment_id, group=group
    )
    return service_run(
        request,
        lambda: shipments.shipment_remove(shipment=shipment, actor=request.user),
        success=f"Order {shipment.order.number} removed; its packing went with it.",
        back=_back(group, "orders"),
    )


@login_required
@require_POST
def quantities_set(request: HttpRequest, shop_id: int, pk: int, shipment_id: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    shipment = get_object_or_404(
        Shipment.objects.select_related("order"), pk=shipment_id, group=group
    )
    lines = list(shipment.lines.select_related("row"))
    form = LineQuantitiesForm(request.POST, lines=lines)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(group, "orders")
    return service_run(
        request,
        lambda: shipments.shipment_set_quantities(
            shipment=shipment,
            quantities=form.quantities(),
            revision=form.cleaned_data["revision"],
            actor=request.user,
        ),
        success=f"Quantities of {shipment.order.number} saved.",
        back=_back(group, "orders"),
    )


@login_required
@require_POST
def container_add(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    form = ContainerAddForm(request.POST, group=group)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(group, "packing")
    data = form.cleaned_data

    def add():
        if data["kind"] == ContainerKind.PALLET:
            made = placement.pallet_add(group=group, actor=request.user, sscc=data["sscc"])
        else:
            made = placement.carton_add(
                group=group,
                pallet=data["pallet"],
                actor=request.user,
                sscc=data["sscc"],
                tracking_number=data["tracking_number"],
            )
        messages.success(request, f"{made.get_kind_display()} {made.sscc} added.")

    return service_run(request, add, back=_back(group, "packing"))


@login_required
@require_POST
def container_remove(request: HttpRequest, shop_id: int, pk: int, container_id: int):
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    container = get_object_or_404(Container, pk=container_id, group=group)
    return service_run(
        request,
        lambda: placement.container_remove(container=container, actor=request.user),
        success=(
            f"{container.get_kind_display()} {container.sscc} removed; what it held is unplaced."
        ),
        back=_back(group, "packing"),
    )


@login_required
@require_POST
def container_details(request: HttpRequest, shop_id: int, pk: int, container_id: int):
    """A container's measured weight, dimensions and tracking number."""
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    container = get_object_or_404(Container, pk=container_id, group=group)
    form = ContainerDetailsForm(request.POST, instance=Container.objects.get(pk=container.pk))
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(group, "packing")
    return service_run(
        request,
        lambda: placement.container_update(
            container=container, actor=request.user, **form.cleaned_data
        ),
        success=f"{container.get_kind_display()} {container.sscc} saved.",
        back=_back(group, "packing"),
    )


@login_required
@require_POST
def place(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    form = PlaceForm(request.POST, group=group)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(group, "packing")
    data = form.cleaned_data
    return service_run(
        request,
        lambda: placement.place(
            line=data["line"],
            container=data["container"],
            quantity=data["quantity"],
            actor=request.user,
        ),
        success=f"{data['quantity']} placed in {data['container'].sscc}.",
        back=_back(group, "packing"),
    )


@login_required
@require_POST
def place_all(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    """Every unplaced each into one container (the common one-pallet case in one click)."""
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    container_id = request.POST.get("container", "")
    container = get_object_or_404(
        Container, pk=int(container_id) if container_id.isdigit() else None, group=group
    )
    moved: list[int] = []
    return service_run(
        request,
        lambda: moved.append(
            placement.place_all_unplaced(group=group, container=container, actor=request.user)
        ),
        success=f"Everything unplaced is now in {container.sscc}.",
        back=_back(group, "packing"),
    )


def _placement(group: GroupShipment, placement_id: int) -> Placement:
    return get_object_or_404(
        Placement.objects.select_related("container", "line"),
        pk=placement_id,
        container__group=group,
    )


@login_required
@require_POST
def unplace(request: HttpRequest, shop_id: int, pk: int, placement_id: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    item = _placement(group, placement_id)
    return service_run(
        request,
        lambda: placement.unplace(placement=item, actor=request.user),
        success=f"{item.quantity} taken out of {item.container.sscc}.",
        back=_back(group, "packing"),
    )


@login_required
@require_POST
def move(request: HttpRequest, shop_id: int, pk: int, placement_id: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    item = _placement(group, placement_id)
    form = MoveForm(request.POST, group=group)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(group, "packing")
    target = form.cleaned_data["to"]
    return service_run(
        request,
        lambda: placement.move(
            placement=item, to=target, quantity=form.cleaned_data["quantity"], actor=request.user
        ),
        success=f"Moved to {target.sscc}.",
        back=_back(group, "packing"),
    )


@login_required
@require_POST
def asn_submit(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    try:
        sent = submission.asn_submit(group=group, actor=request.user)
    except submission.AsnRefused as refused:
        messages.error(request, refused.message)
        for violation in refused.violations:
            messages.error(request, violation.message)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"ASN {sent.asn_number} ({sent.confirmation_type}) is on its way to Amazon."
        )
    return _back(group, "asn")


@login_required
@require_POST
def group_reopen(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    return service_run(
        request,
        lambda: submission.group_shipment_reopen(group=group, actor=request.user),
        success="Reopened: change what ships (only less), then send the Replace.",
        back=_back(group, "asn"),
    )


@login_required
@require_GET
def asn_status(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    """The ASN panel alone, polled by htmx while an ASN is on its way; once Amazon has
    decided, the whole page reloads (the shipment's status and controls change too)."""
    group = _group(request, shop_id, pk, Perm.SHOP_VIEW)
    subs = list(AsnSubmission.objects.filter(group=group).select_related("created_by")[:10])
    response = render(
        request,
        "asn/_asn_panel.html",
        {"group": group, "shop": group.shop, "submissions": subs, "polling": True},
    )
    if not any(s.in_flight for s in subs):
        response["HX-Refresh"] = "true"
    return response


PACK_FILE_MAX_BYTES = 5 * 1024 * 1024
PROBLEMS_SHOWN = 30


@login_required
@require_POST
def pack_upload(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """A pack file uploaded on the page: the same import as the inbox and the REST API (the
    file names its group shipment by bill of lading)."""
    group = _group(request, shop_id, pk, Perm.SHIPMENTS_MANAGE)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose the pack file (CSV) to upload.")
        return _back(group, "packing")
    if (upload.size or 0) > PACK_FILE_MAX_BYTES:
        messages.error(request, "The pack file is larger than 5 MB; split it.")
        return _back(group, "packing")
    result = packfile.pack_import(
        shop=group.shop,
        pack=packfile.pack_file_read(upload.read()),
        source=PackSource.UPLOAD,
        name=upload.name or "",
        actor=request.user,
    )
    if result.ok:
        messages.success(request, result.report().splitlines()[0])
    else:
        messages.error(request, f"The pack file was refused; nothing changed ({upload.name}):")
        for problem in result.problems[:PROBLEMS_SHOWN]:
            messages.error(request, str(problem))
        if len(result.problems) > PROBLEMS_SHOWN:
            messages.error(request, f"… and {len(result.problems) - PROBLEMS_SHOWN} more.")
    target = result.record.group or group
    return _back(target, "packing")
