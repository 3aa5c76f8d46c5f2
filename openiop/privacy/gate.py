"""The one disclosure gate: every path by which patient data leaves the program asks here.

`disclose()` asks whether a current consent of the patient covers this recipient, purpose
and information (the rules are in `openiop.domain.consent`), then records a `Disclosure`
and an audit event in the caller's transaction, or raises `DisclosureRefused` (403, its
audit event kept even when the caller's transaction rolls back). `check()` answers the same
question without recording anything (to show a form or hold a claim); `checker()` loads the
consents of many patients in one query for batch paths (claims, FHIR search, bulk export).

What leaves carries the notice of 42 CFR 2.32(a) and a summary of the consent's scope
(2.32(b)): `NOTICE` and `consent_summary()`.

Staff reading a chart inside the program is use, not disclosure (42 CFR 2.12(c)(3)); it is
decided by the access policy and audited, not gated here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.policy import Refused
from openiop.domain.consent import (
    DATA,
    PURPOSES,
    TPO_RECIPIENT_WORDING,
    ConsentFacts,
    ConsentKind,
    Decision,
    DisclosureRequest,
    Recipient,
    decide,
)
from openiop.patients.models import OPEN_STATUSES, Enrollment, Patient
from openiop.privacy.models import Channel, Consent, Disclosure

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User

# 42 CFR 2.32(a)(1), the notice that accompanies each disclosure made with the patient's
# written consent (2024 final rule, 89 FR 12472).
# https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-B/section-2.32
NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with "
    "42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any other "
    "use or disclosure of this record unless at least one of the following applies: "
    "(i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise permitted "
    "by 42 CFR part 2. (ii) You are a covered entity or business associate and have received "
    "the record for treatment, payment, or health care operations, or (iii) You have received "
    "the record from a covered entity or business associate as permitted by 45 CFR part 164, "
    "subparts A and E. A general authorization for the release of medical or other "
    "information is NOT sufficient to meet the required elements of written consent to "
    "further use or redisclose the record (see 42 CFR 2.31)."
)
# 42 CFR 2.32(a)(2): the abbreviated notice, where space is short (a claim, a label).
NOTICE_SHORT = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."


class DisclosureRefused(Refused):
    """No current consent covers the disclosure: 403 with the reason, audited."""


@dataclass(frozen=True)
class PatientConsents:
    consents: tuple[ConsentFacts, ...]
    treatment_ended_on: date | None
    zone: str = "UTC"  # the time zone of the patient's site: days are the clinic's days


def _label(consent: Consent) -> str:
    kind = {
        ConsentKind.TPO: "The treatment, payment and operations consent",
        ConsentKind.NAMED: f"The consent for {consent.recipient_name}",
        ConsentKind.SUD_NOTES: "The counseling-notes consent",
        ConsentKind.RESEARCH: "The research consent",
    }[ConsentKind(consent.kind)]
    return f"{kind} signed {consent.signed_on:%d %b %Y}"


def facts(consent: Consent, treatment_ended_on: date | None = None) -> ConsentFacts:
    return ConsentFacts(
        id=consent.pk,
        kind=ConsentKind(consent.kind),
        recipient=Recipient(consent.recipient_kind, consent.recipient_name, consent.recipient_key),
        purpose=consent.purpose,
        data=frozenset(consent.data),
        signed_on=consent.signed_on,
        effective_at=consent.recorded_at,
        expires_on=consent.expires_on,
        ends_with_treatment=consent.ends_with_treatment,
        revoked_at=consent.revoked_at,
        superseded_at=consent.superseded_at,
        label=_label(consent),
        treatment_ended_on=treatment_ended_on,
    )


def episode_ends(spans: Iterable[tuple[date, date | None]]) -> tuple[list[date], bool]:
    """The days treatment episodes ended, from a patient's enrolments (start, end or None
    while open): overlapping or back-to-back enrolments are one episode. Also whether an
    episode is still open."""
    ordered = sorted(spans, key=lambda span: span[0])
    ends: list[date] = []
    current: date | None = None
    open_now = False
    started = False
    for start, end in ordered:
        if open_now:
            continue  # an open enrolment absorbs every later one into its episode
        if started and current is not None and start <= current + timedelta(days=1):
            if end is None:
                open_now = True
            else:
                current = max(current, end)
            continue
        if started and current is not None:
            ends.append(current)
        started = True
        current = end
        open_now = end is None
    if started and not open_now and current is not None:
        ends.append(current)
    return ends, open_now


def load(patient_ids: Iterable[int]) -> dict[int, PatientConsents]:
    """The consents of many patients, each with the day its treatment episode ended (for a
    consent that ends with treatment), and the time zone of each patient's site, in three
    queries whatever the number of patients (the scans of paper consents are not read).

    A consent that ends with treatment ends with the episode it was signed in (or the next
    one, if signed before admission): a later readmission does not bring it back."""
    ids = list(set(patient_ids))
    spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for row in Enrollment.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "starts_on", "ends_on", "status"
    ):
        pid, starts_on, ends_on, status = row
        closed = status not in OPEN_STATUSES
        spans[pid].append((starts_on, (ends_on or starts_on) if closed else None))
    episodes = {pid: episode_ends(spans[pid]) for pid in ids}
    zones = dict(Patient.objects.filter(pk__in=ids).values_list("pk", "site__timezone"))
    by_patient: dict[int, list[ConsentFacts]] = defaultdict(list)
    for consent in Consent.objects.filter(patient_id__in=ids).defer("scan"):
        ends, open_now = episodes[consent.patient_id]
        ended = next((e for e in ends if e >= consent.signed_on), None)
        if ended is None and not open_now and ends:
            # signed after the last episode ended, with none open: treatment had ended
            ended = ends[-1]
        by_patient[consent.patient_id].append(facts(consent, ended))
    result = {}
    for pid in ids:
        ends, open_now = episodes[pid]
        last = ends[-1] if ends and not open_now else None
        result[pid] = PatientConsents(tuple(by_patient[pid]), last, zones.get(pid) or "UTC")
    return result


def _request(
    known: PatientConsents,
    recipient: Recipient,
    purpose: str,
    data: Collection[str],
    at: datetime,
    relied_on: datetime | None = None,
) -> DisclosureRequest:
    # Dates (expiry, end of treatment) are the clinic's days, so the moments are compared in
    # the time zone of the patient's site: a consent that expires today covers all of today.
    zone = ZoneInfo(known.zone)
    return DisclosureRequest(
        recipient=recipient,
        purpose=purpose,
        data=frozenset(data),
        at=at.astimezone(zone),
        relied_on=relied_on.astimezone(zone) if relied_on is not None else None,
    )


def decision(
    known: PatientConsents,
    *,
    recipient: Recipient,
    purpose: str,
    data: Collection[str],
    at: datetime,
    relied_on: datetime | None = None,
) -> Decision:
    """The decision for one patient whose consents were loaded with `load()` (batch paths
    that need a different `relied_on` per item, such as claims)."""
    return decide(known.consents, _request(known, recipient, purpose, data, at, relied_on))


def check(
    patient: Patient,
    *,
    recipient: Recipient,
    purpose: str,
    data: Collection[str],
    at: datetime | None = None,
    relied_on: datetime | None = None,
) -> Decision:
    """Would a disclosure be allowed now? Records nothing. `relied_on`: when the program
    acted in reliance on the consent (a claim: the day of service; see the domain rules)."""
    known = load([patient.pk])[patient.pk]
    return decide(
        known.consents,
        _request(known, recipient, purpose, data, at or timezone.now(), relied_on),
    )


def checker(
    patient_ids: Iterable[int],
    *,
    recipient: Recipient,
    purpose: str,
    data: Collection[str],
    at: datetime | None = None,
    relied_on: Mapping[int, datetime] | None = None,
) -> Mapping[int, Decision]:
    """`check()` for many patients at once (two queries); `relied_on` by patient id."""
    when = at or timezone.now()
    relied = relied_on or {}
    return {
        pid: decide(
            known.consents, _request(known, recipient, purpose, data, when, relied.get(pid))
        )
        for pid, known in load(patient_ids).items()
    }


def refusal(
    patient: Patient,
    decision: Decision,
    *,
    recipient: Recipient,
    purpose: str,
    channel: str,
    actor: User | None = None,
    client_name: str = "",
    request: HttpRequest | None = None,
) -> DisclosureRefused:
    """The audited refusal for a decision that did not allow the disclosure."""
    who = f" (client {client_name[:60]})" if client_name else ""
    event: dict[str, Any] = {
        "actor": actor if getattr(actor, "is_authenticated", False) else None,
        "action": AuditAction.DENIED,
        "patient": patient,
        "object_type": "privacy.disclosure",
        "request": request,
        "detail": (
            f"disclosure refused by {channel} to {recipient.name[:80]}{who} for {purpose}: "
            f"{decision.reason}"
        ),
        "part2": True,
        "organization_id": patient.organization_id,
    }
    return DisclosureRefused(decision.reason, event, audit.record(**event))


def record(
    patient: Patient,
    decision: Decision,
    *,
    recipient: Recipient,
    purpose: str,
    data: Collection[str],
    channel: str,
    description: str,
    actor: User | None = None,
    client_name: str = "",
    obj: Any = None,
    request: HttpRequest | None = None,
    at: datetime | None = None,
) -> Disclosure:
    """Write the Disclosure and its audit event for an allowed decision."""
    assert decision.allowed and decision.consent_id is not None
    disclosure = Disclosure.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        consent_id=decision.consent_id,
        channel=channel,
        recipient_kind=recipient.kind,
        recipient_name=recipient.name[:200],
        recipient_key=recipient.key,
        purpose=purpose,
        data=sorted(data),
        description=description[:300],
        made_at=at or timezone.now(),
        made_by=actor if getattr(actor, "is_authenticated", False) else None,
        client_name=client_name[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )
    who = f" (client {client_name[:60]})" if client_name else ""
    audit.record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=AuditAction.DISCLOSE,
        patient=patient,
        obj=disclosure,
        fields=sorted(data),
        request=request,
        detail=f"{channel} to {recipient.name[:80]}{who} for {purpose} under consent "
        f"{decision.consent_id}",
        organization_id=patient.organization_id,
    )
    return disclosure


def disclose(
    patient: Patient,
    *,
    recipient: Recipient,
    purpose: str,
    data: Collection[str],
    channel: str,
    description: str,
    actor: User | None = None,
    client_name: str = "",
    obj: Any = None,
    request: HttpRequest | None = None,
) -> Disclosure:
    """Allow and record one disclosure, or raise the audited refusal. Call inside the
    service's transaction that hands the data out."""
    if channel not in Channel.values:
        raise ValueError(f"unknown disclosure channel {channel!r}")
    now = timezone.now()
    decision = check(patient, recipient=recipient, purpose=purpose, data=data, at=now)
    if not decision.allowed:
        raise refusal(
            patient,
            decision,
            recipient=recipient,
            purpose=purpose,
            channel=channel,
            actor=actor,
            client_name=client_name,
            request=request,
        )
    return record(
        patient,
        decision,
        recipient=recipient,
        purpose=purpose,
        data=data,
        channel=channel,
        description=description,
        actor=actor,
        client_name=client_name,
        obj=obj,
        request=request,
        at=now,
    )


def consent_summary(consent: Consent) -> str:
    """A clear explanation of the consent's scope, to travel with the data (42 CFR
    2.32(b)): who signed, when, to whom, for what, which information, until when."""
    recipient = TPO_RECIPIENT_WORDING if consent.kind == ConsentKind.TPO else consent.recipient_name
    purpose = (
        "treatment, payment and health care operations"
        if consent.kind == ConsentKind.TPO
        else PURPOSES.get(consent.purpose, consent.purpose).lower()
    )
    data = ", ".join(DATA.get(d, d).lower() for d in consent.data)
    if consent.expires_on:
        until = f"until {consent.expires_on:%d %B %Y}"
    elif consent.ends_with_treatment:
        until = "until the end of treatment"
    else:
        until = "with no expiry date"
    signer = consent.signer_name
    if consent.signer_relation != "patient":
        signer += f" ({consent.get_signer_relation_display().lower()})"
    detail = f" ({consent.data_detail})" if consent.data_detail else ""
    return (
        f"Disclosed under the written consent signed by {signer} on "
        f"{consent.signed_on:%d %B %Y}: to {recipient}, for {purpose}; information: "
        f"{data}{detail}; valid {until} unless revoked earlier."
    )


# 42 CFR 2.53 (2024 final rule, 89 FR 12472): records may be disclosed without consent to a
# government agency that funds or regulates the program for its audit or evaluation.
# https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-D/section-2.53
AUDIT_EVALUATION_BASIS = "Without consent: evaluation by a government agency (42 CFR 2.53)"


def record_without_consent(
    patients: Iterable[Patient],
    *,
    basis: str,
    recipient: Recipient,
    data: Collection[str],
    channel: str,
    description: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> list[Disclosure]:
    """Record a disclosure the rule allows without consent (``basis`` names the rule, as
    ``AUDIT_EVALUATION_BASIS``), one row per patient so each patient's accounting lists it,
    each with its audit event. Call in the transaction that hands the data out. Like an
    emergency disclosure (2.51) there is no consent to check, so nothing is refused here:
    the caller's policy check decides who may make it. The only such disclosure allowed is
    the report to the state (``Channel.STATE_REPORT``) under 42 CFR 2.53
    (``AUDIT_EVALUATION_BASIS``): any other channel or basis raises ``ValueError`` and
    records nothing (the database refuses it too)."""
    if channel != Channel.STATE_REPORT:
        raise ValueError(f"no disclosure without consent by channel {channel!r}")
    if basis != AUDIT_EVALUATION_BASIS:
        raise ValueError(f"no disclosure without consent under {basis!r}")
    now = timezone.now()
    made_by = actor if getattr(actor, "is_authenticated", False) else None
    rows = [
        Disclosure(
            organization_id=p.organization_id,
            patient=p,
            consent=None,
            channel=channel,
            recipient_kind=recipient.kind,
            recipient_name=recipient.name[:200],
            recipient_key=recipient.key,
            purpose="other",
            data=sorted(data),
            description=description[:300],
            made_at=now,
            made_by=made_by,
            legal_basis=basis[:120],
        )
        for p in patients
    ]
    created = Disclosure.objects.bulk_create(rows)
    for d in created:
        audit.record(
            actor=made_by,
            action=AuditAction.DISCLOSE,
            patient=d.patient,
            obj=d,
            fields=sorted(data),
            request=request,
            detail=f"{channel} to {recipient.name[:80]} without consent: {basis[:80]}",
            organization_id=d.organization_id,
        )
    return created
