"""Part 2 reads: a consent in the user's scope, a patient's consents and notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from openiop.core import access
from openiop.core.policy import Action
from openiop.domain.consent import DATA
from openiop.privacy import gate
from openiop.privacy.models import Consent, NoticeGiven

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User
    from openiop.patients.models import Patient

OBJECT_TYPE = "privacy.consent"


def consent_for(
    user: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> Consent:
    """The consent if its patient is in the user's scope (else an audited 404) and the
    user's role allows `action` (else an audited 403)."""
    access.require_verified_staff(user)
    consent = Consent.objects.filter(pk=pk, organization_id=access.organization_id(user)).first()
    if consent is None:
        raise access.not_found(user, OBJECT_TYPE, pk, request=request)
    consent.patient = access.patient_for(user, consent.patient_id, action=action, request=request)
    return consent


@dataclass(frozen=True)
class Status:
    code: str  # in_effect, revoked, replaced, expired
    label: str


def status_of(consent: Consent, today: date, treatment_ended_on: date | None = None) -> Status:
    """What a consent is today, in words (the same facts the disclosure gate decides on:
    `treatment_ended_on` is the end of the episode the consent was signed in)."""
    if consent.revoked_at is not None:
        return Status("revoked", f"Revoked on {consent.revoked_at:%d %b %Y}")
    if consent.superseded_at is not None:
        return Status("replaced", f"Replaced on {consent.superseded_at:%d %b %Y}")
    if consent.expires_on is not None and consent.expires_on < today:
        return Status("expired", f"Expired on {consent.expires_on:%d %b %Y}")
    if consent.ends_with_treatment and treatment_ended_on and treatment_ended_on < today:
        return Status("expired", f"Ended with treatment on {treatment_ended_on:%d %b %Y}")
    return Status("in_effect", "In effect")


def status_now(consent: Consent, today: date) -> Status:
    """`status_of` for one consent, with its treatment episode looked up."""
    ended = {
        f.id: f.treatment_ended_on
        for f in gate.load([consent.patient_id])[consent.patient_id].consents
    }
    return status_of(consent, today, ended.get(consent.pk))


def data_labels(consent: Consent) -> str:
    """The consent's information in words, as one sentence ("Dates and hours attended,
    diagnoses, ...")."""
    words = [DATA.get(d, d) for d in consent.data]
    return ", ".join(w if i == 0 else w[:1].lower() + w[1:] for i, w in enumerate(words))


def consents_of(patient: Patient, today: date) -> list[tuple[Consent, Status, str]]:
    """The patient's consents, those in effect first, then newest first (three queries
    whatever their number; the scans are not loaded)."""
    rows = list(
        Consent.objects.filter(patient=patient)
        .defer("scan")
        .select_related("recorded_by", "revoked_by")
        .order_by("-recorded_at", "-id")
    )
    ended = {f.id: f.treatment_ended_on for f in gate.load([patient.pk])[patient.pk].consents}
    pairs = [(c, status_of(c, today, ended.get(c.pk)), data_labels(c)) for c in rows]
    pairs.sort(key=lambda p: p[1].code != "in_effect")
    return pairs


def versions_of(consent: Consent) -> list[Consent]:
    """Every version of this consent, newest first (following `supersedes` both ways)."""
    chain = list(
        Consent.objects.filter(patient_id=consent.patient_id, kind=consent.kind)
        .defer("scan")
        .order_by("-version", "-id")
    )
    by_id = {c.pk: c for c in chain}
    newer = {c.supersedes_id: c for c in chain if c.supersedes_id}
    head = consent
    while head.pk in newer:
        head = newer[head.pk]
    result = [by_id.get(head.pk, head)]
    while result[-1].supersedes_id and result[-1].supersedes_id in by_id:
        result.append(by_id[result[-1].supersedes_id])
    return result


def notices_of(patient: Patient) -> list[NoticeGiven]:
    return list(NoticeGiven.objects.filter(patient=patient).select_related("given_by"))
