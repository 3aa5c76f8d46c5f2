"""Portal sign-in: the invitation link, password, the authenticator (TOTP), sign-out.

Why TOTP and not a passkey (recorded in docs/adr/0006-portal-second-factor.md): any phone
can run a free authenticator app, it works on a shared family computer and in every browser
the program's patients use, and the program already runs and audits TOTP for staff; a passkey
tied to one phone is lost with it, and recovery would fall on staff more often.
"""

from __future__ import annotations

import base64

from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts import services as account_services
from openiop.accounts.forms import PortalAuthenticationForm, TokenForm
from openiop.accounts.models import User
from openiop.accounts.views import _qr_svg
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import is_portal_account
from openiop.portal import services
from openiop.portal.forms import AcceptForm


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = False

    def get_success_url(self) -> str:
        return "/portal/mfa/"


def _portal_user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and is_portal_account(user):
        return user
    return None


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: choose a user name (new accounts) and a password."""
    if request.user.is_authenticated and not is_portal_account(request.user):
        # A member of staff must not set up (and then act in) a patient's account in their
        # own browser: refused and audited, never a silent switch of user.
        raise policy.refuse(
            request.user,
            "You are signed in as staff. An invitation link is for the patient or family member "
            "it was sent to: give it to them.",
            request=request,
            object_type="portal.portalinvitation",
            detail="portal invitation opened by a signed-in staff user",
        )
    invitation, problem = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/welcome_invalid.html", {"problem": problem}, status=410)
    form = AcceptForm(request.POST or None, new_account=invitation.account is None)
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    token=token,
                    username=form.cleaned_data.get("username", ""),
                    password=form.cleaned_data["password"],
                    email=form.cleaned_data.get("email", ""),
                    request=request,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(
                        None if field == "__all__" or field not in form.fields else field, errors
                    )
            else:
                if request.user.is_authenticated:
                    logout(request)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("portal:mfa_setup")
        return render(
            request, "portal/welcome.html", {"form": form, "invitation": invitation}, status=422
        )
    return render(request, "portal/welcome.html", {"form": form, "invitation": invitation})


def mfa(request: HttpRequest) -> HttpResponse:
    user = _portal_user(request)
    if user is None:
        return redirect("portal:login")
    if user.is_verified():
        return redirect("portal:home")
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("portal:mfa_setup")
    form = TokenForm(request.POST or None)
    form.fields["token"].label = "6-digit code from your authenticator app"
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()
            audit.record(
                actor=user, action=AuditAction.LOGIN, request=request, detail="portal sign-in"
            )
            return redirect("portal:home")
        audit.record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            request=request,
            detail="portal: wrong second factor",
        )
        form.add_error("token", "That code is not valid. Codes change every 30 seconds.")
    status = 422 if form.errors else 200
    return render(request, "portal/mfa_verify.html", {"form": form}, status=status)


def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = _portal_user(request)
    if user is None:
        return redirect("portal:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("portal:mfa" if not user.is_verified() else "portal:home")
    device_id = request.session.get("_openiop_pending_totp")
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = account_services.totp_device_start(user=user)
        request.session["_openiop_pending_totp"] = device.pk
    form = TokenForm(request.POST or None)
    form.fields["token"].label = "6-digit code"
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            account_services.totp_device_confirm(
                user=user, device=device, request=request, recovery_codes=False
            )
            request.session.pop("_openiop_pending_totp", None)
            otp_login(request, device)
            request.session.cycle_key()
            return redirect("portal:home")
        form.add_error("token", "That code is not valid. Check the time on your phone.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "portal/mfa_setup.html",
        {"form": form, "qr": mark_safe(_qr_svg(device.config_url)), "secret": secret},  # noqa: S308
        status=422 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")
