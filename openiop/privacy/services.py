"""Part 2 writes: record, replace and revoke a consent (42 CFR 2.31), record the admission
notice (2.22) and an emergency disclosure (2.51). One `@service` each, audited in the same
transaction; refusals are audited even when the transaction rolls back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.compliance.combined import is_adolescent
from openiop.domain.consent import DATA, TPO_RECIPIENT_WORDING, missing_elements, same_name
from openiop.domain.consent import ConsentKind as DomainKind
from openiop.fhir.models import FhirClient
from openiop.patients.models import Patient
from openiop.privacy.limits import MAX_SCAN_BYTES
from openiop.privacy.models import (
    Channel,
    Consent,
    ConsentKind,
    Disclosure,
    NoticeGiven,
    NoticeMethod,
    RevocationMethod,
    SignatureMethod,
    SignerRelation,
)
from openiop.privacy.notice import NOTICE_VERSION

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User

# Magic numbers of the accepted scan formats (never trust the file name).
SCAN_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
MINOR_SIGNERS = frozenset({SignerRelation.PATIENT, SignerRelation.PARENT, SignerRelation.GUARDIAN})
ADULT_SIGNERS = frozenset({SignerRelation.PATIENT, SignerRelation.REPRESENTATIVE})
# 42 CFR 2.14: who may consent for a minor depends on state law.
MINOR_NOTE = "The patient is under 18. Who may sign for a minor depends on state law (42 CFR 2.14)."


def sniff_scan(content: bytes) -> str:
    """The content type of a scan from its first bytes, or "" if it is not a PDF, PNG or
    JPEG."""
    for magic, content_type in SCAN_TYPES:
        if content.startswith(magic):
            return content_type
    return ""


def _in_scope(
    actor: User, patient: Patient, *, request: HttpRequest | None, signed_in: bool
) -> None:
    """The patient is in the actor's organization and scope (an audited 403 otherwise)."""
    if patient.organization_id != actor.organization_id:
        raise policy.refuse(
            actor,
            "This patient belongs to another organization.",
            request=request,
            object_type="patients.patient",
            object_id=str(patient.pk),
            detail="write refused: patient of another organization",
        )
    if signed_in:
        access.require_in_scope(actor, patient, request=request)
    elif not Patient.objects.filter(
        access.membership_patients_filter(actor), pk=patient.pk
    ).exists():
        raise policy.refuse(
            actor,
            "This patient is outside your sites and programs.",
            object_type="patients.patient",
            object_id=str(patient.pk),
            detail="write refused: patient outside the user's scope",
        )


def _check_signature(
    patient: Patient,
    errors: dict[str, str],
    *,
    signer_name: str,
    signer_relation: str,
    signed_on: date | None,
    signature_method: str,
    typed_name: str,
    agreed: bool,
    scan: bytes | None,
    today: date | None = None,
) -> str:
    """Add the signature's problems to `errors`; return the scan's content type. `today`: the
    signer's local day (default the server's)."""
    if signed_on is not None and signed_on > (today or timezone.localdate()):
        errors["signed_on"] = "The date it was signed cannot be in the future."
    minor = signed_on is not None and is_adolescent(patient.date_of_birth, signed_on)
    if signer_relation not in SignerRelation.values:
        errors["signer_relation"] = "Say who signed: the patient or someone for them."
    elif minor and signer_relation not in MINOR_SIGNERS:
        errors["signer_relation"] = (
            "For a patient under 18, the patient, a parent or a legal guardian signs; who may "
            "sign depends on state law (42 CFR 2.14)."
        )
    elif not minor and signer_relation not in ADULT_SIGNERS:
        errors["signer_relation"] = (
            "An adult patient signs, or their authorized representative (42 CFR 2.31(a)(8))."
        )
    scan_type = ""
    if signature_method == SignatureMethod.SCREEN:
        if not typed_name.strip() or not same_name(typed_name, signer_name):
            errors["typed_name"] = "The signer types their full name, as written above."
        if not agreed:
            errors["agreed"] = "The signer ticks the box to sign."
    elif signature_method == SignatureMethod.PAPER:
        if not scan:
            errors["scan"] = "Attach the scan of the signed paper consent."
        elif len(scan) > MAX_SCAN_BYTES:
            errors["scan"] = "The scan is larger than 5 MB; scan it at a lower resolution."
        else:
            scan_type = sniff_scan(scan)
            if not scan_type:
                errors["scan"] = "The scan must be a PDF, PNG or JPEG file."
    else:
        errors["signature_method"] = "Say how the consent was signed."
    return scan_type


def _bind_client(
    patient: Patient,
    errors: dict[str, str],
    *,
    kind: str,
    client_id: int,
    recipient_name: str,
    recipient_kind: str,
    recipient_key: str,
) -> tuple[str, str, str]:
    """The recipient's name, kind and key of a consent bound to a registered FHIR client; the
    choice's problems added to `errors`."""
    if kind == ConsentKind.TPO:
        errors["fhir_client"] = (
            "A treatment, payment and operations consent names no one (42 CFR 2.31(a)(4)(i)): "
            "leave the registered system empty."
        )
        return recipient_name, recipient_kind, recipient_key
    client = FhirClient.objects.filter(
        pk=client_id, organization_id=patient.organization_id, active=True
    ).first()
    if client is None:
        errors["fhir_client"] = "Choose an active registered system of this organization."
        return recipient_name, recipient_kind, recipient_key
    if not recipient_name.strip():
        recipient_name = client.name
    elif not same_name(recipient_name, client.name):
        errors["recipient_name"] = "The name differs from the registered system's name."
    return recipient_name, recipient_kind or client.recipient_kind, client.recipient_key


@service
def consent_record(
    actor: User,
    patient: Patient,
    *,
    kind: str,
    recipient_kind: str = "",
    recipient_name: str = "",
    recipient_key: str = "",
    fhir_client: int | None = None,
    purpose: str = "",
    purpose_detail: str = "",
    data: Iterable[str] = (),
    data_detail: str = "",
    expires_on: date | None = None,
    ends_with_treatment: bool = False,
    signer_name: str = "",
    signer_relation: str = SignerRelation.PATIENT,
    signed_on: date | None = None,
    signature_method: str = SignatureMethod.SCREEN,
    typed_name: str = "",
    agreed: bool = False,
    scan: bytes | None = None,
    scan_type: str = "",
    disclosing_party: str = "",
    replaces: Consent | None = None,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Consent:
    """Record a patient's written consent (42 CFR 2.31(a)), or a new version of one
    (`replaces`). `scan_type` as sent by the browser is ignored: the type is read from the
    file's first bytes.

    `fhir_client`: the id of a registered FHIR system client the patient named (an active
    client of the patient's organization, for a consent other than TPO). The consent is then
    bound to it (`recipient_key` "fhir-client:<id>"), its recipient's name and kind taken from
    the client when left empty: the API matches a client to a named consent by this key only,
    never by name (`openiop.fhir.recipients`)."""
    policy.require(
        actor,
        Action.CONSENT_RECORD,
        request=request,
        patient=patient,
        obj=patient,
        signed_in=signed_in,
    )
    _in_scope(actor, patient, request=request, signed_in=signed_in)
    return _create_consent(
        actor,
        patient,
        kind=kind,
        recipient_kind=recipient_kind,
        recipient_name=recipient_name,
        recipient_key=recipient_key,
        fhir_client=fhir_client,
        purpose=purpose,
        purpose_detail=purpose_detail,
        data=data,
        data_detail=data_detail,
        expires_on=expires_on,
        ends_with_treatment=ends_with_treatment,
        signer_name=signer_name,
        signer_relation=signer_relation,
        signed_on=signed_on,
        signature_method=signature_method,
        typed_name=typed_name,
        agreed=agreed,
        scan=scan,
        disclosing_party=disclosing_party,
        replaces=replaces,
        request=request,
    )


def _create_consent(
    actor: User,
    patient: Patient,
    *,
    kind: str,
    recipient_kind: str,
    recipient_name: str,
    recipient_key: str,
    fhir_client: int | None,
    purpose: str,
    purpose_detail: str,
    data: Iterable[str],
    data_detail: str,
    expires_on: date | None,
    ends_with_treatment: bool,
    signer_name: str,
    signer_relation: str,
    signed_on: date | None,
    signature_method: str,
    typed_name: str,
    agreed: bool,
    scan: bytes | None,
    disclosing_party: str,
    replaces: Consent | None,
    request: HttpRequest | None,
    today: date | None = None,
    detail: str = "",
) -> Consent:
    """The 2.31(a) checks and the write shared by staff and patients (the caller has checked
    the actor's role and scope)."""
    errors: dict[str, str] = {}
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": "Choose the kind of consent."})
    data = sorted(set(data))
    signer_name = signer_name.strip()
    disclosing_party = disclosing_party.strip() or patient.organization.name
    if fhir_client is not None:
        recipient_name, recipient_kind, recipient_key = _bind_client(
            patient,
            errors,
            kind=kind,
            client_id=fhir_client,
            recipient_name=recipient_name,
            recipient_kind=recipient_kind,
            recipient_key=recipient_key,
        )
    if kind == ConsentKind.TPO:
        recipient_name = TPO_RECIPIENT_WORDING
        recipient_kind = recipient_kind or "treating_provider"
        purpose = "treatment"  # the gate accepts any TPO purpose under a TPO consent
    errors.update(
        missing_elements(
            kind=DomainKind(kind),
            recipient_name=recipient_name,
            recipient_kind=recipient_kind,
            purpose=purpose,
            data=data,
            expires_on=expires_on,
            ends_with_treatment=ends_with_treatment,
            signer_name=signer_name,
            signed_on=signed_on,
            disclosing_party=disclosing_party,
        )
    )
    stored_type = _check_signature(
        patient,
        errors,
        signer_name=signer_name,
        signer_relation=signer_relation,
        signed_on=signed_on,
        signature_method=signature_method,
        typed_name=typed_name,
        agreed=agreed,
        scan=scan,
        today=today,
    )
    if replaces is not None:
        replaces = Consent.objects.select_for_update().get(pk=replaces.pk)
        if replaces.patient_id != patient.pk:
            errors["replaces"] = "That consent belongs to another patient."
        elif replaces.revoked_at is not None:
            errors["replaces"] = "A revoked consent cannot be replaced; record a new one."
        elif replaces.superseded_at is not None:
            errors["replaces"] = "This consent was already replaced by a newer version."
    if errors:
        raise ValidationError(errors)
    assert signed_on is not None  # missing_elements refused a missing date
    now = timezone.now()
    paper = signature_method == SignatureMethod.PAPER
    consent = Consent.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind=kind,
        version=replaces.version + 1 if replaces else 1,
        supersedes=replaces,
        disclosing_party=disclosing_party[:200],
        recipient_kind=recipient_kind,
        recipient_name=recipient_name.strip()[:200],
        recipient_key=recipient_key[:64],
        purpose=purpose,
        purpose_detail=purpose_detail.strip()[:300],
        data=data,
        data_detail=data_detail.strip()[:300],
        expires_on=expires_on,
        ends_with_treatment=ends_with_treatment,
        signer_name=signer_name[:200],
        signer_relation=signer_relation,
        signed_on=signed_on,
        signature_method=signature_method,
        scan=scan if paper else None,
        scan_type=stored_type,
        scan_sha256=hashlib.sha256(scan).hexdigest() if paper and scan else "",
        recorded_by=actor,
        recorded_at=now,
    )
    if replaces is not None:
        replaces.superseded_at = now
        replaces.save(update_fields=["superseded_at"])
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            patient=patient,
            obj=replaces,
            request=request,
            detail=f"consent replaced by version {consent.version}",
        )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=consent,
        fields=data,
        request=request,
        detail=f"{kind} consent version {consent.version}{detail}",
    )
    return consent


@service
def consent_revoke(
    actor: User,
    consent: Consent,
    *,
    method: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Revoke a consent from now on (42 CFR 2.31(a)(6), 2.35): it covers no disclosure
    made after this moment; disclosures already made in reliance on it stay lawful."""
    patient = consent.patient
    policy.require(actor, Action.CONSENT_RECORD, request=request, patient=patient, obj=consent)
    _in_scope(actor, patient, request=request, signed_in=True)
    return _revoke(actor, consent, method=method, note=note, request=request)


def _revoke(
    actor: User,
    consent: Consent,
    *,
    method: str,
    note: str,
    request: HttpRequest | None,
    detail: str = "",
) -> Consent:
    """The revocation shared by staff and patients (the caller has checked the actor)."""
    patient = consent.patient
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    errors: dict[str, str] = {}
    if consent.revoked_at is not None:
        errors["method"] = "This consent was already revoked."
    elif consent.superseded_at is not None:
        errors["method"] = "This version was replaced; revoke the current version."
    if method not in RevocationMethod.values:
        errors["method"] = "Say how the patient revoked it."
    elif method == RevocationMethod.SPOKEN and not note.strip():
        errors["note"] = "Write down what the patient said, and when."
    if errors:
        raise ValidationError(errors)
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.revocation_method = method
    consent.revocation_note = note.strip()[:300]
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_method", "revocation_note"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=consent,
        request=request,
        detail=f"consent revoked ({method}){detail}",
    )
    return consent


# The kinds of recipient and purposes a patient may name when signing a consent in the portal:
# a named recipient only (a treatment, payment and operations consent, a counseling-notes
# consent and a research consent are signed with the program's staff).
PATIENT_RECIPIENT_KINDS = ("family", "employer", "school", "court", "treating_provider", "other")
PATIENT_PURPOSES = ("family", "employment", "education", "legal", "treatment", "other")
# 42 CFR 2.14: who may consent for a minor depends on state law, so a patient under 18 signs
# with the program's staff, who know the state's rule.
MINOR_SIGNS_WITH_STAFF = "A parent or guardian signs with the program's staff."
PORTAL_REVOCATION_NOTE = "Revoked by the patient in the portal."


def _own_patient(user: User, patient: Patient, *, request: HttpRequest | None) -> None:
    """The patient is the signed-in portal user's own (an audited 403 otherwise)."""
    from openiop.portal.models import AccountKind, PortalAccount

    if not PortalAccount.objects.filter(
        user=user, patient=patient, kind=AccountKind.PATIENT, ended_at__isnull=True
    ).exists():
        raise policy.refuse(
            user,
            "You can only sign or revoke your own consents.",
            request=request,
            object_type="patients.patient",
            object_id=str(patient.pk),
            detail="portal consent refused: not the account's own patient",
        )


def patient_today(patient: Patient) -> date:
    """The patient's local day (the time zone of their site)."""
    return timezone.now().astimezone(ZoneInfo(patient.site.timezone or "UTC")).date()


@service
def consent_sign_by_patient(
    *,
    user: User,
    patient: Patient,
    recipient_kind: str = "",
    recipient_name: str = "",
    purpose: str = "",
    purpose_detail: str = "",
    data: Iterable[str] = (),
    data_detail: str = "",
    expires_on: date | None = None,
    ends_with_treatment: bool = False,
    typed_name: str = "",
    agreed: bool = False,
    request: HttpRequest | None = None,
) -> Consent:
    """A named-recipient consent the patient signs on screen in the portal (42 CFR 2.31(a)):
    the program discloses, the patient signs (typed full name and agreement) on their local
    day; the same 2.31 checks as a consent recorded by staff. A patient under 18 is refused:
    who may sign for a minor depends on state law (42 CFR 2.14)."""
    policy.require(user, Action.PORTAL_SELF, request=request, patient=patient, obj=patient)
    _own_patient(user, patient, request=request)
    today = patient_today(patient)
    if is_adolescent(patient.date_of_birth, today):
        raise ValidationError({"__all__": MINOR_SIGNS_WITH_STAFF})
    errors: dict[str, str] = {}
    if recipient_kind and recipient_kind not in PATIENT_RECIPIENT_KINDS:
        errors["recipient_kind"] = "Choose who the person or organization is."
    if purpose and purpose not in PATIENT_PURPOSES:
        errors["purpose"] = "Choose why they may receive your information."
    if "sud_notes" in set(data):
        errors["data"] = (
            "Counseling notes need a consent of their own, signed with the program's staff "
            "(42 CFR 2.31(b))."
        )
    if errors:
        raise ValidationError(errors)
    return _create_consent(
        user,
        patient,
        kind=ConsentKind.NAMED,
        recipient_kind=recipient_kind,
        recipient_name=recipient_name,
        recipient_key="",
        fhir_client=None,
        purpose=purpose,
        purpose_detail=purpose_detail,
        data=data,
        data_detail=data_detail,
        expires_on=expires_on,
        ends_with_treatment=ends_with_treatment,
        signer_name=f"{patient.first_name} {patient.last_name}",
        signer_relation=SignerRelation.PATIENT,
        signed_on=today,
        signature_method=SignatureMethod.SCREEN,
        typed_name=typed_name,
        agreed=agreed,
        scan=None,
        disclosing_party=program_name(patient),
        replaces=None,
        request=request,
        today=today,
        detail=", signed by the patient in the portal",
    )


def program_name(patient: Patient) -> str:
    """Who discloses, as a consent signed in the portal names it (42 CFR 2.31(a)(2)): the
    patient's program and its organization."""
    org = patient.organization.name
    if patient.program_id and patient.program is not None:
        return f"{patient.program.name}, {org}"
    return org


@service
def consent_revoke_by_patient(
    *, user: User, consent: Consent, confirmed: bool, request: HttpRequest | None = None
) -> Consent:
    """The patient revokes their own consent in the portal, from now on (42 CFR 2.31(a)(6)):
    it covers no disclosure after this moment, so a family member's portal access under it
    ends at once; disclosures already made stay lawful. Recorded as a revocation in writing
    (the patient's own written act in the portal)."""
    patient = consent.patient
    policy.require(user, Action.PORTAL_SELF, request=request, patient=patient, obj=consent)
    _own_patient(user, patient, request=request)
    if not confirmed:
        raise ValidationError({"confirm": "Tick the box to confirm that you revoke this consent."})
    return _revoke(
        user,
        consent,
        method=RevocationMethod.WRITING,
        note=PORTAL_REVOCATION_NOTE,
        request=request,
        detail=" by the patient in the portal",
    )


def _notice(
    actor: User,
    patient: Patient,
    *,
    method: str,
    given_on: date | None,
    acknowledged: bool,
    request: HttpRequest | None,
) -> NoticeGiven:
    errors: dict[str, str] = {}
    if method not in NoticeMethod.values:
        errors["method"] = "Say how the notice was given."
    if given_on is None:
        errors["given_on"] = "Give the date the notice was given."
    elif given_on > timezone.localdate():
        errors["given_on"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    assert given_on is not None
    notice = NoticeGiven.objects.create(
        patient=patient,
        version=NOTICE_VERSION,
        given_on=given_on,
        method=method,
        acknowledged=acknowledged,
        given_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=notice,
        request=request,
        detail=f"Part 2 notice {NOTICE_VERSION} given ({method})",
    )
    return notice


def notice_record_at_admission(
    actor: User,
    patient: Patient,
    *,
    method: str,
    given_on: date,
    acknowledged: bool,
    request: HttpRequest | None = None,
) -> NoticeGiven:
    """The notice given at admission (42 CFR 2.22(a)), written inside the admission
    service's transaction: the admission service has already checked the actor's role and
    scope for this patient."""
    return _notice(
        actor,
        patient,
        method=method,
        given_on=given_on,
        acknowledged=acknowledged,
        request=request,
    )


@service
def notice_record(
    actor: User,
    patient: Patient,
    *,
    method: str,
    given_on: date | None,
    acknowledged: bool,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> NoticeGiven:
    """Record that the patient was given the program's Part 2 notice (42 CFR 2.22)."""
    policy.require(
        actor,
        Action.CONSENT_RECORD,
        request=request,
        patient=patient,
        obj=patient,
        signed_in=signed_in,
    )
    _in_scope(actor, patient, request=request, signed_in=signed_in)
    return _notice(
        actor,
        patient,
        method=method,
        given_on=given_on,
        acknowledged=acknowledged,
        request=request,
    )


@service
def emergency_disclose(
    actor: User,
    patient: Patient,
    *,
    personnel: str,
    affiliation: str,
    nature: str,
    data: Iterable[str],
    description: str = "",
    request: HttpRequest | None = None,
) -> Disclosure:
    """Record a disclosure to medical personnel in a bona fide medical emergency, with the
    details 42 CFR 2.51(c) requires: who received it, their affiliation, who disclosed it,
    when, and the nature of the emergency."""
    policy.require(actor, Action.EMERGENCY_DISCLOSE, request=request, patient=patient, obj=patient)
    _in_scope(actor, patient, request=request, signed_in=True)
    personnel, affiliation, nature = personnel.strip(), affiliation.strip(), nature.strip()
    data = sorted(set(data))
    errors: dict[str, str] = {}
    if not personnel:
        errors["personnel"] = (
            "Name the medical staff who received the information (42 CFR 2.51(c))."
        )
    if not affiliation:
        errors["affiliation"] = "Give their hospital or service (42 CFR 2.51(c))."
    if not nature:
        errors["nature"] = "Describe the nature of the emergency (42 CFR 2.51(c))."
    if not data:
        errors["data"] = "Say what information was disclosed."
    elif set(data) - DATA.keys():
        errors["data"] = "Unknown kind of information."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    disclosure = Disclosure.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        consent=None,
        channel=Channel.EMERGENCY,
        recipient_kind="treating_provider",
        recipient_name=f"{personnel} ({affiliation})"[:200],
        purpose="treatment",
        data=data,
        description=(description.strip() or "Medical emergency")[:300],
        made_at=now,
        made_by=actor,
        emergency=True,
        emergency_personnel=personnel[:200],
        emergency_affiliation=affiliation[:200],
        emergency_nature=nature[:500],
    )
    audit.record(
        actor=actor,
        action=AuditAction.DISCLOSE,
        patient=patient,
        obj=disclosure,
        fields=data,
        request=request,
        detail="medical emergency disclosure without consent (42 CFR 2.51)",
        organization_id=patient.organization_id,
    )
    return disclosure
