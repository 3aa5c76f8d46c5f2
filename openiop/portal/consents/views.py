"""The patient's consents in the portal: read them, sign a consent on screen, revoke one
(42 CFR 2.31), and the disclosures made (42 CFR 2.25)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openiop.accounts.models import User
from openiop.core.forms import render_form, submit
from openiop.domain.compliance.combined import is_adolescent
from openiop.domain.consent import TPO_RECIPIENT_WORDING
from openiop.portal import access
from openiop.portal.consents import selectors
from openiop.portal.consents.forms import PatientConsentForm, RevokeConfirmForm
from openiop.portal.models import AccountKind, PortalAccount
from openiop.privacy import gate, services
from openiop.privacy.models import Consent

RENAME = {"data": "information"}


def _user(request: HttpRequest) -> User:
    """The signed-in user as the request carries it (verified by the second factor)."""
    user = request.user
    assert isinstance(user, User)
    return user


# 42 CFR 2.31(a)(6): the right to revoke, and its limit.
REVOKE_STATEMENT = (
    "You may revoke this consent at any time, here or by telling the program's staff. "
    "Revoking it stops any further sharing from that moment; what was already shared while "
    "the consent was in effect stays lawful (42 CFR 2.31(a)(6))."
)


LIST_STATEMENT = (
    "You may revoke a consent at any time, here or by telling the program's staff. What was "
    "already shared while it was in effect stays lawful (42 CFR 2.31(a)(6))."
)


def _patient_words(form: PatientConsentForm, full_name: str) -> None:
    """The signature's errors as the patient reads them (the shared checks speak to staff)."""
    words = {
        "typed_name": f"Type your full name exactly as shown: {full_name}.",
        "agreed": "Tick the box to sign.",
    }
    for name, text in words.items():
        if name in form.errors:
            form.errors[name] = form.error_class([text])


def consents(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    patient = portal.patient
    today = services.patient_today(patient)
    current, past = selectors.consent_lines(patient, today)
    access.viewed(request, portal, ["consents", "disclosures"], "consents and who has access")
    return render(
        request,
        "portal/consents/list.html",
        {
            "portal": portal,
            "current": current,
            "past": past,
            "family": selectors.family_lines(patient),
            "disclosures": selectors.accounting(patient, today),
            "years": selectors.ACCOUNTING_YEARS,
            "tpo_wording": TPO_RECIPIENT_WORDING,
            "revoke_statement": LIST_STATEMENT,
        },
    )


def sign(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    patient = portal.patient
    minor = is_adolescent(patient.date_of_birth, services.patient_today(patient))
    form = PatientConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda _data: services.consent_sign_by_patient(
                user=_user(request), patient=patient, request=request, **form.service_data()
            ),
            rename=RENAME,
        )
        _patient_words(form, f"{patient.first_name} {patient.last_name}")
        if saved is not None:
            messages.success(
                request, f"Consent signed. {saved.recipient_name} is now listed below."
            )
            return redirect("portal:consents")
    return render_form(
        request,
        "portal/consents/sign.html",
        {
            "portal": portal,
            "form": form,
            "minor": minor,
            "minor_message": services.MINOR_SIGNS_WITH_STAFF,
            "discloser": services.program_name(patient),
            "signer": f"{patient.first_name} {patient.last_name}",
            "revoke_statement": REVOKE_STATEMENT,
        },
    )


def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    portal = access.me(request)
    consent = Consent.objects.defer("scan").filter(pk=pk, patient_id=portal.patient_id).first()
    if consent is None:
        raise access.not_found(request, portal, "privacy.consent", pk)
    consent.patient = portal.patient
    if request.method != "POST":
        access.viewed(request, portal, ["consents"], "a consent before revoking it")
    form = RevokeConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.consent_revoke_by_patient(
                user=_user(request), consent=consent, confirmed=data["confirm"], request=request
            ),
        )
        if saved is not None:
            messages.success(
                request, "Consent revoked. Nothing more is shared under it from now on."
            )
            return redirect("portal:consents")
    family = PortalAccount.objects.filter(
        patient_id=portal.patient_id,
        kind=AccountKind.FAMILY,
        consent=consent,
        ended_at__isnull=True,
    ).order_by("display_name")
    return render_form(
        request,
        "portal/consents/revoke.html",
        {
            "portal": portal,
            "c": consent,
            "current": consent.is_current,
            "summary": gate.consent_summary(consent),
            "family": list(family),
            "form": form,
            "revoke_statement": REVOKE_STATEMENT,
            "tpo_wording": TPO_RECIPIENT_WORDING,
        },
    )
