"""The approval steps of an offer: each checks the stage's permission, validates its form,
calls one service in bulkbuy.stages and returns to the offer page with a message.

The stage comes from the form (`stage`, or `as` on the download link); when missing, the
offer's current stage. Every step posts the revision the page showed.
"""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from bulkbuy import selectors, stages
from bulkbuy.access import offer_for_user
from bulkbuy.forms import StageFileForm, StageRowsForm, StageStepForm
from bulkbuy.models import Offer, OfferStage
from bulkbuy.views import ROWS_PAGE_SIZE, XLSX_TYPE
from core.http import AuthenticatedRequest
from core.views import form_errors_to_messages, service_run
from shops.permissions import Perm

EVENTS_SHOWN = 100


def stage_context(request: HttpRequest, offer: Offer, rows) -> dict:
    """What the offer page needs for the approval stages: the stages the user holds, the
    one acted as (`?as=`, else the offer's stage if held, else the first held), whether it
    may edit now, the rows changed since that stage's last look, and the history."""
    perms = request.shop_permissions  # type: ignore[attr-defined]
    held = [s for s in stages.STAGES if stages.STAGE_PERMS[s] in perms]
    current = stages.offer_stage(offer)
    wanted = request.GET.get("as")
    acting = wanted if wanted in held else (current if current in held else None)
    acting = acting or (held[0] if held else None)
    looks = stages.offer_stage_looks(offer=offer)
    look = looks.get(acting) if acting else None
    changed_ids = {
        row.pk
        for row in rows.object_list
        if look is not None and row.changed_revision > look.revision
    }
    return {
        "stages": [
            {
                "value": s.value,
                "label": s.label,
                "held": s in held,
                "look": looks.get(s),
                "pending": stages.offer_pending_count(offer=offer, stage=s),
            }
            for s in stages.STAGES
        ],
        "current_stage": current,
        "stage_index": stages.STAGES.index(current) if current else len(stages.STAGES),
        "approve_choices": stages.APPROVE_CHOICES,
        "acting": acting,
        "acting_label": OfferStage(acting).label if acting else "",
        "held_several": len(held) > 1,
        "can_edit": acting is not None and acting == current,
        "can_revoke": [
            {"value": s.value, "label": s.label}
            for s in held
            if current is not None and stages.STAGES.index(s) < stages.STAGES.index(current)
        ],
        "can_complete": current == OfferStage.WAREHOUSE and Perm.OFFERS_COMPLETE in perms,
        "changed_ids": changed_ids,
        "look": look,
        "events": [
            (event, stages.offer_event_summary(event))
            for event in offer.events.select_related("user")[:EVENTS_SHOWN]
        ],
    }


@login_required
@require_GET
def offer_stages(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    """The offer page with its approval stages (forms, highlights, history)."""
    offer = offer_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.OFFERS_VIEW)
    rows = Paginator(selectors.offer_rows(offer=offer), ROWS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "bulkbuy/offer_detail.html",
        {
            "shop": offer.shop,
            "offer": offer,
            "rows": rows,
            "has_stage2": "stage2_qty" in offer.columns,
            "approved_value": selectors.offer_approved_value(offer=offer),
            "now": timezone.now(),
            "with_stages": True,
            "tab": "rows",
            "linked_count": selectors.offer_linked_count(offer=offer),
            **stage_context(request, offer, rows),
        },
    )


def _offer_as_stage(
    request: HttpRequest, shop_id: int, pk: int, stage: str | None, *, quantities: bool = False
) -> tuple[Offer, str]:
    """The offer and the stage to act as, if the user holds that stage's permission."""
    offer = offer_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.OFFERS_VIEW)
    if stage not in OfferStage.values:
        stage = stages.offer_stage(offer) or OfferStage.WAREHOUSE
    if quantities and stage not in stages.QTY_STAGES:
        stage = OfferStage.MANUFACTURE
    perm = stages.STAGE_PERMS[stage]
    if perm not in request.shop_permissions:  # type: ignore[attr-defined]
        raise PermissionDenied(f"You need the “{perm.label}” permission.")
    return offer, stage


def _back(offer: Offer, stage: str | None = None) -> HttpResponse:
    url = reverse("bulkbuy:offer-stages", args=[offer.shop_id, offer.pk])
    return redirect(f"{url}?as={stage}" if stage else url)


def _stage_now(request: HttpRequest, offer: Offer) -> str | None:
    """The stage the offer waits in after a step, if the user holds it. After an approval
    that is the next stage, so someone holding both goes on without choosing it again;
    after any other step it is the stage just acted as. None (the plain page) otherwise."""
    current = stages.offer_stage(offer)
    perms = request.shop_permissions  # type: ignore[attr-defined]
    return current if current is not None and stages.STAGE_PERMS[current] in perms else None


def _onward(request: HttpRequest) -> Callable[[Offer], HttpResponse]:
    """After a step is taken, follow the offer to the stage it waits in now (a refusal stays
    with the stage acted as, so its message sits beside its controls)."""
    return lambda offer: _back(offer, _stage_now(request, offer))


@login_required
@require_POST
def offer_stage_rows(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """Save a page of rows for a stage: Commerce's decisions (or Approve all / Approve
    pending), or Manufacture's / Warehouse's quantities."""
    offer, stage = _offer_as_stage(request, shop_id, pk, request.POST.get("stage"))
    form = StageRowsForm(request.POST, stage=stage)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(offer, stage)
    revision = form.cleaned_data["revision"]
    if stage == OfferStage.COMMERCE:
        approve = form.cleaned_data["approve"]
        return service_run(
            request,
            lambda: stages.offer_commerce_decide(
                actor=request.user,
                offer_id=offer.pk,
                revision=revision,
                decisions=None if approve else form.decisions(),
                approve=approve,
            ),
            success="Decisions saved.",
            back=_back(offer, stage),
            forward=_onward(request),
        )
    return service_run(
        request,
        lambda: stages.offer_quantities_set(
            actor=request.user,
            offer_id=offer.pk,
            stage=stage,
            revision=revision,
            quantities=form.quantities(),
        ),
        success="Quantities saved.",
        back=_back(offer, stage),
        forward=_onward(request),
    )


def _stage_step(
    request: AuthenticatedRequest, shop_id: int, pk: int, step: Callable[..., Offer], done: str
) -> HttpResponse:
    """Approve or revoke the stage acted as (`step`); `done` names the stage as {stage}."""
    offer, stage = _offer_as_stage(request, shop_id, pk, request.POST.get("stage"))
    form = StageStepForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(offer, stage)
    return service_run(
        request,
        lambda: step(
            actor=request.user,
            offer_id=offer.pk,
            stage=stage,
            revision=form.cleaned_data["revision"],
        ),
        success=done.format(stage=OfferStage(stage).label),
        back=_back(offer, stage),
        forward=_onward(request),
    )


@login_required
@require_POST
def offer_stage_approve(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    return _stage_step(request, shop_id, pk, stages.offer_stage_approve, "{stage} stage approved.")


@login_required
@require_POST
def offer_stage_revoke(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    return _stage_step(
        request,
        shop_id,
        pk,
        stages.offer_stage_revoke,
        "{stage} approval revoked: the offer is back in that stage.",
    )


@login_required
@require_POST
def offer_complete(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    offer = offer_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.OFFERS_COMPLETE)
    form = StageStepForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(offer)
    return service_run(
        request,
        lambda: stages.offer_complete(
            actor=request.user, offer_id=offer.pk, revision=form.cleaned_data["revision"]
        ),
        success="Offer completed: it is locked now.",
        back=_back(offer),
        forward=_onward(request),
    )


@login_required
@require_GET
def offer_stage_file(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    """The stage file (xlsx) of Manufacture or Warehouse at the current revision."""
    offer, stage = _offer_as_stage(request, shop_id, pk, request.GET.get("as"), quantities=True)
    filename, content = stages.offer_stage_file(offer=offer, stage=stage)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_POST
def offer_stage_upload(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """Apply a filled-in stage file; an outdated one is refused."""
    offer, stage = _offer_as_stage(request, shop_id, pk, request.POST.get("stage"), quantities=True)
    form = StageFileForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(offer, stage)
    upload = form.cleaned_data["file"]
    return service_run(
        request,
        lambda: stages.offer_stage_file_upload(
            actor=request.user,
            offer_id=offer.pk,
            stage=stage,
            content=upload.read(),
            filename=upload.name or "",
        ),
        success="Stage file applied.",
        back=_back(offer, stage),
        forward=_onward(request),
    )
