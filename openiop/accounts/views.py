"""Log in (password, then TOTP), MFA enrolment and recovery codes, log out."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts import services
from openiop.accounts.forms import StaffAuthenticationForm, TokenForm
from openiop.core import access, audit
from openiop.core.models import AuditAction


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = False

    def get_success_url(self) -> str:
        return "/accounts/mfa/"


def _safe_next(request: HttpRequest, default: str = "core:home") -> str:
    """The `next` target if it stays on this host, else `default`.

    Only a path on the host that served the request is followed (no other host, no
    scheme-relative `//host`, no backslash tricks that browsers read as `//`), and over HTTPS
    only HTTPS targets, so a crafted link cannot send a freshly logged-in clinician to a
    look-alike site.
    """
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qr_svg(uri: str) -> str:
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = BytesIO()
    img.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.find("<svg") :]


def mfa(request: HttpRequest) -> HttpResponse:
    """Ask for the second factor, or send the user to enrol an authenticator first."""
    user = access.authenticated(request)
    if user.is_verified():
        return redirect("core:home")
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:mfa_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()
            audit.record(
                actor=user,
                action=AuditAction.LOGIN,
                request=request,
                detail=f"second factor accepted ({device.persistent_id.split('/')[0]})",
            )
            if device.persistent_id.startswith("otp_static"):
                messages.warning(
                    request,
                    "You used a recovery code. It cannot be used again; "
                    "make new ones if you are running low.",
                )
            return redirect(_safe_next(request))
        audit.record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            request=request,
            detail="wrong second factor",
        )
        form.add_error(
            "token",
            "That code is not valid. Codes change every 30 seconds; after a wrong code, wait a few seconds before the next try.",
        )
    return render(request, "accounts/mfa_verify.html", {"form": form})


def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = access.authenticated(request)
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if has_device and not user.is_verified():
        # Replacing an authenticator needs the current one first.
        return redirect("accounts:mfa")
    device_id = request.session.get("_openiop_pending_totp")
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = services.totp_device_start(user=user)
        request.session["_openiop_pending_totp"] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            codes = services.totp_device_confirm(user=user, device=device, request=request)
            request.session.pop("_openiop_pending_totp", None)
            otp_login(request, device)
            request.session.cycle_key()
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("token", "That code is not valid. Check the time on your phone.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "qr": mark_safe(_qr_svg(device.config_url)), "secret": secret},  # noqa: S308
    )


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = services.recovery_codes_regenerate(user=access.staff(request), request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the server-side session
    return redirect("accounts:login")
