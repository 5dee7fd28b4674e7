"""Sign-in (password, then the second factor), the account page, two-factor set-up, password
change and the user's invitations. Views check, validate, call one service, redirect."""

from base64 import b32encode
from io import BytesIO
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import AccountPasswordChangeForm, CodeForm, ConfirmPasswordForm, SetupForm
from accounts.security import client_ip, mfa_required_by, remember_enrollment
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, post_data
from shops.models import Invitation
from shops.people import invitation_accept as accept_service
from shops.people import invitation_decline as decline_service
from shops.people import invitations_open_for

RECOVERY_CODES_SESSION_KEY = "recovery_codes_once"


def _login_context() -> dict:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return {
        "demo_mfa_off": settings.DEBUG and not settings.MFA_REQUIRED,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }


class SignIn(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_login_context()}


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: the sign-in page, saying why and how long."""
    from django.contrib.auth.forms import AuthenticationForm

    form = AuthenticationForm(request, data=None)
    context = {
        **_login_context(),
        "form": form,
        "locked_out": True,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def _next_url(request: HttpRequest, fallback: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(fallback)


@login_required
@never_cache
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of sign-in: an authenticator or recovery code."""
    if request.user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware adds it
        return redirect(_next_url(request))
    if not remember_enrollment(request, request.user):
        return redirect(_next_url(request))
    form = CodeForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(
                user=request.user, token=form.cleaned_data["token"], ip_address=client_ip(request)
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request, f"Recovery code used; {left} left. Make new ones on your Account page."
                )
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
def mfa_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Set up the authenticator: scan the QR code (or type the key), enter a code."""
    if remember_enrollment(request, request.user):
        verified = request.user.is_verified()  # type: ignore[attr-defined]  # OTPMiddleware adds it
        return redirect("accounts:account" if verified else "accounts:verify")
    device = services.mfa_setup_begin(user=request.user)
    form = SetupForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.mfa_setup_confirm(
                user=request.user,
                device=device,
                token=form.cleaned_data["token"],
                ip_address=client_ip(request),
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            otp_login(request, device)
            remember_enrollment(request, request.user)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            messages.success(request, "Two-factor sign-in is set up.")
            query = urlencode({"next": _next_url(request)})
            return redirect(f"{reverse('accounts:recovery-codes')}?{query}")
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "secret": secret,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required_by": mfa_required_by(request.user),
            "next": request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
@require_GET
def mfa_qr(request: HttpRequest) -> HttpResponse:
    """The pending authenticator's otpauth:// URL as a QR code (SVG, never cached)."""
    device = get_object_or_404(TOTPDevice, user=request.user, confirmed=False)
    svg = BytesIO()
    segno.make(device.config_url, error="m").save(svg, kind="svg", scale=5, border=2)
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


@login_required
@never_cache
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Shows new recovery codes once; POST makes new ones (the old stop working)."""
    if request.method == "POST":
        try:
            codes = services.mfa_recovery_codes_renew(
                user=request.user, ip_address=client_ip(request)
            )
        except ShopCtrlError as error:
            messages.error(request, error.message)
            return redirect("accounts:account")
        request.session[RECOVERY_CODES_SESSION_KEY] = codes
        return redirect("accounts:recovery-codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": _next_url(request, "accounts:account")},
    )


@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    """The user's own page: two-factor sign-in, password, invitations."""
    totp = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    static = StaticDevice.objects.filter(user=request.user).first()
    return render(
        request,
        "accounts/account.html",
        {
            "totp": totp,
            "recovery_left": static.token_set.count() if static else 0,
            "required_by": mfa_required_by(request.user),
            "remove_form": ConfirmPasswordForm(user=request.user),
            "invitations": invitations_open_for(request.user),
        },
    )


@login_required
@require_POST
def mfa_remove(request: AuthenticatedRequest) -> HttpResponse:
    form = ConfirmPasswordForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Two-factor sign-in was not removed: that is not your password.")
        return redirect("accounts:account")
    try:
        services.mfa_remove(user=request.user, ip_address=client_ip(request))
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        remember_enrollment(request, request.user)
        messages.success(request, "Two-factor sign-in removed.")
    return redirect("accounts:account")


class PasswordChange(auth_views.PasswordChangeView):
    """Every user's password change (Django's view: old password, validators, keeps this
    session signed in)."""

    request: AuthenticatedRequest
    form_class = AccountPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=self.request.user, ip_address=client_ip(self.request))
        messages.success(self.request, "Password changed.")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@login_required
@require_GET
def invitation_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_list.html",
        {"invitations": invitations_open_for(request.user)},
    )


def _own_invitation(request: AuthenticatedRequest, pk: int) -> Invitation:
    # Only the addressee sees an invitation: anyone else's is a 404.
    return get_object_or_404(invitations_open_for(request.user), pk=pk)


@login_required
@require_POST
def invitation_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = _own_invitation(request, pk)
    try:
        membership = accept_service(user=request.user, invitation=invitation)
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("accounts:invitation-list")
    messages.success(request, f"You are now a member of {membership.shop.name}.")
    return redirect("orders:order-list", shop_id=membership.shop_id)


@login_required
@require_POST
def invitation_decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = _own_invitation(request, pk)
    try:
        decline_service(user=request.user, invitation=invitation)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invitation to {invitation.shop.name} declined.")
    return redirect("accounts:invitation-list")
