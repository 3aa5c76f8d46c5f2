"""Consent pages (42 CFR 2.31): a patient's consents and notices, record, replace and revoke
a consent, its scan; the admission notice (2.22); an emergency disclosure (2.51)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.core import access, audit
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.compliance.combined import is_adolescent
from openiop.domain.consent import TPO_RECIPIENT_WORDING
from openiop.fhir.models import FhirClient
from openiop.patients.models import Patient
from openiop.privacy import notice as notice_text
from openiop.privacy import selectors, services
from openiop.privacy.forms import ConsentForm, EmergencyForm, NoticeForm, RevokeForm
from openiop.privacy.models import Consent
from openiop.support.models import Partner

RENAME = {"data": "information"}
REVOKE_STATEMENT = (
    "The patient may revoke this consent in writing at any time, except to the extent that "
    "the program or others have already acted in reliance on it (42 CFR 2.31(a)(6))."
)


def _accounting_url(patient: Patient) -> str | None:
    try:
        return reverse("privacy:accounting", args=[patient.pk])
    except NoReverseMatch:
        return None


def consents(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.CONSENT_READ, request=request)
    today = timezone.localdate()
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=patient,
        fields=["consents", "notices"],
        request=request,
        detail="consents and notices",
    )
    return render(
        request,
        "privacy/consents.html",
        {
            "patient": patient,
            "rows": selectors.consents_of(patient, today),
            "notices": selectors.notices_of(patient),
            "accounting_url": _accounting_url(patient),
            "tpo_wording": TPO_RECIPIENT_WORDING,
        },
    )


def _clients(patient: Patient) -> QuerySet[FhirClient]:
    """The registered systems a consent of this patient may be bound to."""
    return FhirClient.objects.filter(organization_id=patient.organization_id, active=True)


def _partners(patient: Patient) -> QuerySet[Partner]:
    """The directory's partners a consent of this patient may be bound to."""
    return Partner.objects.filter(organization_id=patient.organization_id, active=True)


def _bound_partner(consent: Consent) -> Partner | None:
    """The directory's partner a consent is bound to (its key "partner:<id>"), if any."""
    prefix, _, pk = consent.recipient_key.partition(":")
    if prefix != "partner" or not pk.isdigit():
        return None
    return Partner.objects.filter(pk=int(pk), organization_id=consent.organization_id).first()


def _bound_client(consent: Consent) -> FhirClient | None:
    """The registered system a consent is bound to (its key "fhir-client:<id>"), if any."""
    prefix, _, pk = consent.recipient_key.partition(":")
    if prefix != "fhir-client" or not pk.isdigit():
        return None
    return FhirClient.objects.filter(pk=int(pk), organization_id=consent.organization_id).first()


def _form_page(
    request: HttpRequest, patient: Patient, form: ConsentForm, replaces: Consent | None
) -> HttpResponse:
    today = timezone.localdate()
    return render_form(
        request,
        "privacy/consent_form.html",
        {
            "patient": patient,
            "form": form,
            "replaces": replaces,
            "tpo_wording": TPO_RECIPIENT_WORDING,
            "revoke_statement": REVOKE_STATEMENT,
            "minor": is_adolescent(patient.date_of_birth, today),
            "minor_note": services.MINOR_NOTE,
        },
    )


def _save(request: HttpRequest, patient: Patient, replaces: Consent | None) -> HttpResponse:
    user = access.staff(request)
    form = ConsentForm(
        request.POST, request.FILES, clients=_clients(patient), partners=_partners(patient)
    )
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda _data: services.consent_record(
                user, patient, replaces=replaces, request=request, **form.service_data()
            ),
            rename=RENAME,
        )
    if saved is not None:
        messages.success(request, "Consent recorded.")
        return redirect("privacy:consents", pk=patient.pk)
    return _form_page(request, patient, form, replaces)


def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.CONSENT_RECORD, request=request)
    if request.method == "POST":
        return _save(request, patient, None)
    form = ConsentForm(
        initial={
            "disclosing_party": patient.organization.name,
            "signed_on": timezone.localdate(),
            "signer_name": f"{patient.first_name} {patient.last_name}",
        },
        clients=_clients(patient),
        partners=_partners(patient),
    )
    return _form_page(request, patient, form, None)


def consent_replace(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    old = selectors.consent_for(user, pk, action=Action.CONSENT_RECORD, request=request)
    if request.method == "POST":
        return _save(request, old.patient, old)
    skip = ("scan", "typed_name", "agreed", "information", "fhir_client", "partner")
    fields = [n for n in ConsentForm.base_fields if n not in skip]
    initial: dict[str, Any] = {name: getattr(old, name) for name in fields}
    initial["information"] = list(old.data)
    initial["signed_on"] = timezone.localdate()
    if old.kind == "tpo":
        initial["recipient_name"] = ""
    bound = _bound_client(old)
    if bound is not None:
        initial["fhir_client"] = bound.pk  # the new version keeps the binding
    partner = _bound_partner(old)
    if partner is not None:
        initial["partner"] = partner.pk  # likewise
    form = ConsentForm(
        initial=initial, clients=_clients(old.patient), partners=_partners(old.patient)
    )
    return _form_page(request, old.patient, form, old)


def consent(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    c = selectors.consent_for(user, pk, action=Action.CONSENT_READ, request=request)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=c.patient,
        obj=c,
        request=request,
        detail="consent",
    )
    today = timezone.localdate()
    return render(
        request,
        "privacy/consent.html",
        {
            "c": c,
            "patient": c.patient,
            "status": selectors.status_now(c, today),
            "bound_client": _bound_client(c),
            "data_words": selectors.data_labels(c),
            "versions": selectors.versions_of(c),
            "revoke_form": RevokeForm(),
            "revoke_statement": REVOKE_STATEMENT,
            "tpo_wording": TPO_RECIPIENT_WORDING,
        },
    )


@require_POST
def consent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    c = selectors.consent_for(user, pk, action=Action.CONSENT_RECORD, request=request)
    form = RevokeForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.consent_revoke(
                user, c, method=data["method"], note=data.get("note") or "", request=request
            ),
        )
    if saved is not None:
        messages.success(request, "Consent revoked. It covers no disclosure from now on.")
        return redirect("privacy:consent", pk=c.pk)
    today = timezone.localdate()
    return render_form(
        request,
        "privacy/consent.html",
        {
            "c": c,
            "patient": c.patient,
            "status": selectors.status_now(c, today),
            "bound_client": _bound_client(c),
            "data_words": selectors.data_labels(c),
            "versions": selectors.versions_of(c),
            "revoke_form": form,
            "revoke_statement": REVOKE_STATEMENT,
            "tpo_wording": TPO_RECIPIENT_WORDING,
        },
    )


def consent_scan(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    c = selectors.consent_for(user, pk, action=Action.CONSENT_READ, request=request)
    content = Consent.objects.filter(pk=c.pk).values_list("scan", flat=True).first()
    if not content:
        raise Http404("No scan.")
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=c.patient,
        obj=c,
        request=request,
        detail="consent scan",
    )
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        c.scan_type, "bin"
    )
    response = HttpResponse(bytes(content), content_type=c.scan_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="consent-{c.pk}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def notice(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    action = Action.CONSENT_RECORD if request.method == "POST" else Action.CONSENT_READ
    patient = access.patient_for(user, pk, action=action, request=request)
    form = NoticeForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST":
        saved = None
        if form.is_valid():
            saved = submit(
                form,
                lambda data: services.notice_record(
                    user,
                    patient,
                    method=data["method"],
                    given_on=data["given_on"],
                    acknowledged=data["acknowledged"],
                    request=request,
                ),
            )
        if saved is not None:
            messages.success(request, "Notice recorded.")
            return redirect("privacy:consents", pk=patient.pk)
    program = patient.program.name if patient.program else patient.organization.name
    return render_form(
        request,
        "privacy/notice.html",
        {
            "patient": patient,
            "form": form,
            "title": notice_text.title(program),
            "describes": notice_text.HEADER_DESCRIBES,
            "body": notice_text.BODY,
            "version": notice_text.NOTICE_VERSION,
        },
    )


def emergency(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.EMERGENCY_DISCLOSE, request=request)
    form = EmergencyForm(request.POST or None)
    if request.method == "POST":
        saved = None
        if form.is_valid():
            saved = submit(
                form,
                lambda _data: services.emergency_disclose(
                    user, patient, request=request, **form.service_data()
                ),
                rename=RENAME,
            )
        if saved is not None:
            messages.success(request, "Emergency disclosure recorded.")
            return redirect("privacy:consents", pk=patient.pk)
    return render_form(request, "privacy/emergency.html", {"patient": patient, "form": form})
