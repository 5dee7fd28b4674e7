"""Shop pages: list, create, the dashboard, settings (general, lists, contact info, members,
roles), alerts and the audit log. Views check access, validate, call one service, then redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, post_data, safe_next_url
from shops import people, services
from shops.access import (
    alert_for_user,
    membership_for_user,
    role_for_user,
    shop_for_user,
    shop_object_for_user,
)
from shops.alerts import alert_unread_count, alerts_mark_all_read
from shops.dashboard import dashboard_cards_context
from shops.forms import (
    AlertFilterForm,
    ContactInfoForm,
    MemberAddForm,
    MemberRolesForm,
    RoleForm,
    ShopForm,
    ShopSecurityForm,
)
from shops.guards import ShopChangeRefused
from shops.models import Alert, AuditEntry, Invitation, InvitationStatus, Membership, Role, Shop
from shops.permissions import Perm
from shops.security_log import security_events_for_shop
from shops.settings_collections import COLLECTIONS, SettingCollection

LAST_SHOP_SESSION_KEY = "last_shop_id"
# Django's own model permission: superusers hold it; staff give it in /admin/ (Users).
SHOP_CREATE_PERMISSION = "shops.add_shop"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and ops: is the database reachable, and the cache?"""
    from django.core.cache import cache

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: no round trip"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on pages that link no icon (the admin, PDFs):
    the static file, under its current (hashed) name."""
    return redirect(static("shopctrl/favicon.ico"))


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Open the shop used last, else the first one, else the shop list."""
    if people.invitations_open_for(request.user).exists():
        return redirect("accounts:invitation-list")
    shops = Shop.objects.filter(memberships__user=request.user)
    last = shops.filter(pk=request.session.get(LAST_SHOP_SESSION_KEY, 0)).first() or shops.first()
    if last is None:
        return redirect("shops:shop-list")
    return redirect("orders:order-list", shop_id=last.pk)


@login_required
def shop_list(request: AuthenticatedRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("shop")
        .prefetch_related("roles")
        .order_by("shop__name")
    )
    can_create = request.user.has_perm(SHOP_CREATE_PERMISSION)
    if request.method == "POST" and not can_create:
        raise PermissionDenied("Creating shops needs the “Can add shop” permission.")
    for membership in memberships:  # "Edit" leads to the shop's settings where allowed
        membership.can_edit = any(  # type: ignore[attr-defined]  # for the template
            Perm.SHOP_CONFIGURE in role.permissions for role in membership.roles.all()
        )
    form = ShopForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            shop = services.shop_create(actor=request.user, **form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Shop “{shop.name}” created. You are its Shop Owner Admin.")
            return redirect("shops:settings-general", shop_id=shop.pk)
    return render(
        request,
        "shops/shop_list.html",
        {
            "memberships": memberships,
            "form": form if can_create else None,
            "invitations": people.invitations_open_for(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The shop at a glance: the cards higher apps register (shops/dashboard.py), such as
    the Bulk Buy Offers pipeline (offers.view)."""
    shop = shop_for_user(request, shop_id, Perm.OFFERS_VIEW)
    perms = request.shop_permissions  # type: ignore[attr-defined]
    return render(
        request,
        "shops/dashboard.html",
        {
            "shop": shop,
            "now": timezone.now(),
            "can_open_orders": Perm.SHOP_VIEW in perms,
            **dashboard_cards_context(request, shop),
        },
    )


def render_settings_page(
    request: HttpRequest, template: str, context: dict, form=None, *, invalid: bool = False
) -> HttpResponse:
    """A page of the shop settings (its topic menu needs the collections); 400 if invalid."""
    context = {"collections": COLLECTIONS.values(), **context}
    status = 400 if invalid or (form is not None and form.errors) else 200
    return render(request, template, context, status=status)


@login_required
def settings_general(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    return _shop_fields_form(
        request,
        shop,
        ShopForm,
        "General settings saved.",
        "shops/settings_general.html",
        "settings-general",
    )


@login_required
def settings_contact_info(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    return _shop_fields_form(
        request,
        shop,
        ContactInfoForm,
        "Contact info settings saved.",
        "shops/settings_contact_info.html",
        "settings-contact-info",
    )


def _shop_fields_form(request, shop, form_class, done, template, url_name) -> HttpResponse:
    form = form_class(post_data(request), instance=Shop.objects.get(pk=shop.pk))
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_update(actor=request.user, shop=shop, values=form.cleaned_data)
        except ShopChangeRefused as error:
            form_error_from(form, error)
            refusal = error.refusal
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, done)
            if request.POST.get("close"):  # "Save and Close": back to the shops list
                return redirect("shops:shop-list")
            return redirect(f"shops:{url_name}", shop_id=shop.pk)
    context = {"shop": shop, "form": form, "active": url_name, "refusal": refusal}
    if refusal is not None and refusal.link_url:
        context["refusal_link"] = reverse(refusal.link_url, kwargs={"shop_id": shop.pk})
    return render_settings_page(request, template, context, form)


@login_required
def setting_list(
    request: AuthenticatedRequest, shop_id: int, spec: SettingCollection
) -> HttpResponse:
    """A settings list with its add form; POST adds an entry."""
    shop = shop_for_user(request, shop_id, spec.perm)
    # The unsaved entry carries the shop, so the form can check what must be unique per shop.
    form = spec.form(post_data(request), instance=spec.model(shop=shop))
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_setting_save(
                actor=request.user, instance=spec.model(shop=shop), values=form.cleaned_data
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"{spec.singular.capitalize()} added.")
            return redirect(f"{spec.url_base}-list", shop_id=shop.pk)
    items = spec.model._default_manager.filter(shop=shop)
    rows = [(item, [_cell(item, attr) for attr, _ in spec.columns]) for item in items]
    return render_settings_page(
        request,
        "shops/setting_list.html",
        {"shop": shop, "spec": spec, "rows": rows, "form": form, "active": spec.key},
        form,
    )


def _cell(item, attr: str):
    value = getattr(item, attr)
    return value() if callable(value) else value


@login_required
def setting_edit(
    request: AuthenticatedRequest, shop_id: int, pk: int, spec: SettingCollection
) -> HttpResponse:
    shop = shop_for_user(request, shop_id, spec.perm)
    item = get_object_or_404(spec.model, pk=pk, shop=shop)
    form = spec.form(post_data(request), instance=spec.model._default_manager.get(pk=item.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_setting_save(actor=request.user, instance=item, values=form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"{spec.singular.capitalize()} saved.")
            return redirect(f"{spec.url_base}-list", shop_id=shop.pk)
    return render_settings_page(
        request,
        "shops/setting_edit.html",
        {"shop": shop, "spec": spec, "item": item, "form": form, "active": spec.key},
        form,
    )


@login_required
@require_POST
def setting_delete(
    request: AuthenticatedRequest, shop_id: int, pk: int, spec: SettingCollection
) -> HttpResponse:
    shop = shop_for_user(request, shop_id, spec.perm)
    item = get_object_or_404(spec.model, pk=pk, shop=shop)
    try:
        services.shop_setting_delete(actor=request.user, instance=item)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{spec.singular.capitalize()} “{item}” deleted.")
    return redirect(f"{spec.url_base}-list", shop_id=shop.pk)


@login_required
def member_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Members with their roles and pending invitations; POST invites someone by user name."""
    shop = shop_for_user(request, shop_id, Perm.MEMBERS_MANAGE)
    form = MemberAddForm(post_data(request), shop=shop)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = people.invitation_create(
                actor=request.user,
                shop=shop,
                username=form.cleaned_data["username"],
                roles=list(form.cleaned_data["roles"]),
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            # The same words whether or not the name has an account: nothing is revealed.
            messages.success(
                request,
                f"Invitation for “{invitation.username}” recorded. If an account of that name "
                "exists, they see it after signing in and join when they accept.",
            )
            return redirect("shops:member-list", shop_id=shop.pk)
    memberships = (
        Membership.objects.filter(shop=shop).select_related("user").prefetch_related("roles")
    )
    invitations = Invitation.objects.filter(
        shop=shop, status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
    ).prefetch_related("roles")
    return render_settings_page(
        request,
        "shops/member_list.html",
        {
            "shop": shop,
            "memberships": memberships,
            "invitations": invitations,
            "form": form,
            "active": "members",
        },
        form,
    )


@login_required
@require_POST
def invitation_revoke(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    invitation = shop_object_for_user(
        request, Invitation, shop_id=shop_id, pk=pk, perm=Perm.MEMBERS_MANAGE
    )
    people.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, f"Invitation for “{invitation.username}” revoked.")
    return redirect("shops:member-list", shop_id=shop_id)


@login_required
def security(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """The shop's sign-in policy (require two-factor sign-in) and its security log."""
    shop = shop_for_user(request, shop_id, Perm.SECURITY_MANAGE)
    form = ShopSecurityForm(post_data(request), initial={"require_mfa": shop.require_mfa})
    if request.method == "POST" and form.is_valid():
        try:
            people.shop_set_require_mfa(
                actor=request.user, shop=shop, required=form.cleaned_data["require_mfa"]
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, "Sign-in policy saved.")
            return redirect("shops:security", shop_id=shop.pk)
    page = Paginator(security_events_for_shop(shop), 50).get_page(request.GET.get("page"))
    return render_settings_page(
        request,
        "shops/security.html",
        {"shop": shop, "form": form, "page": page, "active": "security"},
        form,
    )


@login_required
def member_edit(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    membership = membership_for_user(request, shop_id=shop_id, pk=pk)
    form = MemberRolesForm(
        post_data(request),
        shop=membership.shop,
        initial={"roles": list(membership.roles.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_roles(
                actor=request.user, membership=membership, roles=list(form.cleaned_data["roles"])
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Roles of {membership.user.username} saved.")
            return redirect("shops:member-list", shop_id=shop_id)
    return render_settings_page(
        request,
        "shops/member_edit.html",
        {
            "shop": membership.shop,
            "membership": membership,
            "form": form,
            "active": "members",
        },
        form,
    )


@login_required
@require_POST
def member_remove(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    membership = membership_for_user(request, shop_id=shop_id, pk=pk)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user.username} no longer has access.")
    if (
        membership.user_id == request.user.pk
        and not Membership.objects.filter(pk=membership.pk).exists()
    ):
        return redirect("home")
    return redirect("shops:member-list", shop_id=shop_id)


@login_required
def role_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Roles and what they allow; POST creates a role."""
    shop = shop_for_user(request, shop_id, Perm.MEMBERS_MANAGE)
    form = RoleForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_save(actor=request.user, role=Role(shop=shop), **form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Role “{role.name}” created.")
            return redirect("shops:role-list", shop_id=shop.pk)
    roles = Role.objects.filter(shop=shop).prefetch_related("memberships__user")
    return render_settings_page(
        request,
        "shops/role_list.html",
        {
            "shop": shop,
            "roles": roles,
            "form": form,
            "active": "roles",
        },
        form,
    )


@login_required
def role_edit(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    role = role_for_user(request, shop_id=shop_id, pk=pk)
    form = RoleForm(
        post_data(request), initial={"name": role.name, "permissions": role.permissions}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.role_save(actor=request.user, role=role, **form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Role “{role.name}” saved.")
            return redirect("shops:role-list", shop_id=shop_id)
    return render_settings_page(
        request,
        "shops/role_edit.html",
        {
            "shop": role.shop,
            "role": role,
            "form": form,
            "active": "roles",
        },
        form,
    )


@login_required
@require_POST
def role_delete(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    role = role_for_user(request, shop_id=shop_id, pk=pk)
    try:
        services.role_delete(actor=request.user, role=role)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Role “{role.name}” deleted.")
    return redirect("shops:role-list", shop_id=shop_id)


@login_required
@require_GET
def audit_log(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The shop's audit log; `who=people` hides what integrations and jobs did."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    who = request.GET.get("who", "all")
    entries = AuditEntry.objects.filter(shop=shop).select_related("actor")
    if who == "people":
        entries = entries.filter(actor__isnull=False)
    elif who == "system":
        entries = entries.filter(actor__isnull=True)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render_settings_page(
        request, "shops/audit_log.html", {"shop": shop, "page": page, "active": "audit", "who": who}
    )


@login_required
@require_GET
def alert_list(request: HttpRequest, shop_id: int) -> HttpResponse:
    """Unread (or all) alerts, filtered by severity and kind."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    form = AlertFilterForm(request.GET or None)
    show_all, severity, kind = form.values()
    alerts = Alert.objects.filter(shop=shop).select_related("target_type", "item_type")
    if not show_all:
        alerts = alerts.filter(is_read=False)
    if severity:
        alerts = alerts.filter(severity=severity)
    if kind is not None:
        alerts = alerts.filter(kind=kind)
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "shops/alert_list.html",
        {
            "shop": shop,
            "page": page,
            "show_all": show_all,
            "form": form,
            "filter_query": query.urlencode(),
            "severity": severity,
            "kind": "" if kind is None else kind or "other",
        },
    )


@login_required
@require_POST
def alert_read_all(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Mark every unread alert read, or those of the severity and kind filtered on."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    _, severity, kind = AlertFilterForm(request.POST).values()
    count = alerts_mark_all_read(actor=request.user, shop=shop, severity=severity, kind=kind)
    messages.success(request, f"Marked {count} alert{'' if count == 1 else 's'} as read.")
    return redirect(safe_next_url(request, reverse("shops:alert-list", args=[shop_id])))


@login_required
@require_POST
def alert_read(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """Mark an alert read; with htmx the alert's own markup is swapped, and the sidebar's
    unread count with it (out of band)."""
    alert = services.alert_mark_read(
        actor=request.user, alert=alert_for_user(request, shop_id=shop_id, pk=pk)
    )
    if request.htmx:
        unread = alert_unread_count(alert.shop_id)
        return render(
            request,
            "shops/_alert_read.html",
            {"alert": alert, "shop": alert.shop, "unread_alert_count": unread, "oob": True},
        )
    return redirect(safe_next_url(request, reverse("shops:alert-list", args=[shop_id])))
