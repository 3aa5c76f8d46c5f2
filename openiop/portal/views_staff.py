"""Staff pages of the portal: a patient's portal access (invite the patient or a family
member, reset an account, close it)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.patients.models import Patient
from openiop.portal import services
from openiop.portal.forms import InviteForm
from openiop.portal.models import AccountKind, InvitationChannel, PortalAccount, PortalInvitation

log = logging.getLogger(__name__)

INVITATION_SUBJECT = "Your portal invitation"


def _patient(request: HttpRequest, pk: int) -> Patient:
    return access.patient_for(
        access.staff(request), pk, action=Action.PORTAL_MANAGE, request=request
    )


def _forms(patient: Patient, data: object = None) -> tuple[InviteForm, InviteForm]:
    patient_form = InviteForm(data, prefix="patient")  # type: ignore[arg-type]
    del patient_form.fields["consent"]
    family_form = InviteForm(data, prefix="family")  # type: ignore[arg-type]
    family_form.fields["consent"].choices = [  # type: ignore[attr-defined]
        (c.pk, f"{c.recipient_name} (signed {c.signed_on:%-d %b %Y})")
        for c in services.family_consents(patient)
    ]
    family_form.fields["consent"].required = True
    return patient_form, family_form


def _page(
    request: HttpRequest,
    patient: Patient,
    *,
    forms: tuple[InviteForm, InviteForm] | None = None,
    link: str = "",
    sent: str = "",
    status: int = 200,
) -> HttpResponse:
    patient_form, family_form = forms or _forms(patient)
    accounts = list(
        PortalAccount.objects.filter(patient=patient)
        .select_related("user", "consent")
        .order_by("ended_at", "kind", "pk")
    )
    invitations = list(
        PortalInvitation.objects.filter(
            patient=patient, used_at__isnull=True, withdrawn_at__isnull=True
        ).select_related("created_by")
    )
    has_patient_account = any(
        a.kind == AccountKind.PATIENT and a.ended_at is None for a in accounts
    )
    return render(
        request,
        "portal/staff_access.html",
        {
            "patient": patient,
            "accounts": accounts,
            "invitations": invitations,
            "patient_form": patient_form,
            "family_form": family_form,
            "has_patient_account": has_patient_account,
            "link": link,
            "sent": sent,
        },
        status=status,
    )


def access_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _patient(request, pk))


def _link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("portal:welcome", args=[token]))


def _deliver(invitation: PortalInvitation, link: str) -> str:
    """Send the link by e-mail (no health detail in the subject or body); "" if not sent."""
    if invitation.channel != InvitationChannel.EMAIL:
        return ""
    body = (
        f"Hello {invitation.display_name},\n\n"
        "You have been invited to set up a portal account. Open this link to choose your "
        f"password and set up sign-in with an authenticator app:\n\n{link}\n\n"
        f"The link works once and expires on {invitation.expires_at:%-d %b %Y at %H:%M} UTC.\n"
        "If you were not expecting this message, ignore it.\n"
    )
    try:
        send_mail(INVITATION_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [invitation.send_to])
    except Exception:  # any mail failure: staff give the link another way
        log.warning("portal invitation %s: e-mail not sent", invitation.pk)
        return "failed"
    return "sent"


@require_POST
def invite(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = access.staff(request)
    patient = _patient(request, pk)
    forms = _forms(patient, request.POST)
    form = forms[0] if kind == AccountKind.PATIENT else forms[1]
    if kind not in AccountKind.values or not form.is_valid():
        return _page(request, patient, forms=forms, status=422)
    try:
        made = services.invitation_create(
            actor=user,
            patient=patient,
            kind=kind,
            channel=form.cleaned_data["channel"],
            send_to=form.cleaned_data.get("send_to", ""),
            consent_id=form.cleaned_data.get("consent"),
            request=request,
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, patient, forms=forms, status=422)
    return _shown(request, patient, made.invitation, _link(request, made.token))


def _shown(
    request: HttpRequest, patient: Patient, invitation: PortalInvitation, link: str
) -> HttpResponse:
    """A link e-mailed to its person is not shown to staff (so staff cannot set up the account
    themselves); a link for a text message, or one whose e-mail failed, is shown once."""
    sent = _deliver(invitation, link)
    return _page(request, patient, link="" if sent == "sent" else link, sent=sent)


def _account(request: HttpRequest, pk: int, account_id: int) -> tuple[Patient, PortalAccount]:
    patient = _patient(request, pk)
    account = (
        PortalAccount.objects.select_related("user", "patient", "consent")
        .filter(pk=account_id, patient=patient)
        .first()
    )
    if account is None:
        audit.record(
            actor=access.staff(request),
            action=AuditAction.DENIED,
            object_type="portal.portalaccount",
            object_id=str(account_id),
            request=request,
            detail="portal account of another patient, or unknown",
            part2=False,
        )
        raise Http404("No such portal account.")
    return patient, account


@require_POST
def reset(request: HttpRequest, pk: int, account_id: int) -> HttpResponse:
    user = access.staff(request)
    patient, account = _account(request, pk, account_id)
    channel = request.POST.get("channel", InvitationChannel.TEXT)
    send_to = request.POST.get("send_to", "") or account.user.email
    if channel == InvitationChannel.EMAIL and not send_to:
        channel = InvitationChannel.TEXT
    try:
        made = services.account_reset(
            actor=user, account=account, channel=channel, send_to=send_to, request=request
        )
    except ValidationError as exc:
        return _page(request, patient, status=422, sent=" ".join(exc.messages))
    _tell_of_reset(account)
    return _shown(request, patient, made.invitation, _link(request, made.token))


def _tell_of_reset(account: PortalAccount) -> None:
    """Tell the account's own e-mail address that its sign-in was reset (no health detail)."""
    address = account.user.email
    if not address:
        return
    try:
        send_mail(
            "Your portal sign-in was reset",
            "The program's staff reset the password and authenticator of your portal account. "
            "If you did not ask for this, contact the program.\n",
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
    except Exception:  # any mail failure: the reset itself stands
        log.warning("portal account %s: reset notice not sent", account.pk)


@require_POST
def end(request: HttpRequest, pk: int, account_id: int) -> HttpResponse:
    user = access.staff(request)
    patient, account = _account(request, pk, account_id)
    services.account_end(actor=user, account=account, request=request)
    return _page(request, patient)
