"""Printing a record: for use inside the program (audited as a print), or for someone
outside it (through the one disclosure gate, `openiop.privacy.gate`, which records a
Disclosure under a current consent of the patient or refuses with the reason).

Reading inside the program is use, decided by the access policy (42 CFR 2.12(c)(3)); a
copy handed to anyone outside is a disclosure and needs the patient's written consent
(42 CFR 2.31) and carries the notice of 42 CFR 2.32 with the consent's scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.consent import PURPOSES, Recipient
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy.models import Channel, Consent, Disclosure
from openiop.records.pdf import Record, Stamp, render
from openiop.records.selectors import KINDS, NAMED_KINDS

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openiop.accounts.models import User

# The read action each record needs (docs/access.md).
ACTION: Mapping[str, Action] = {
    "note": Action.NOTE_READ,
    "plan": Action.CARE_READ,
    "discharge": Action.CARE_READ,
    "schedule": Action.SCHEDULE_READ,
    "summary": Action.CARE_READ,
}
# What each record discloses, in the consent's terms (`openiop.domain.consent.DATA`): the
# consent must cover all of it (42 CFR 2.31(a)(3)). A note leaves only under a counseling-notes
# consent, which covers nothing else (2.31(b)); the name on it goes with the note.
DATA: Mapping[str, frozenset[str]] = {
    "note": frozenset({"sud_notes"}),
    "plan": frozenset({"demographics", "diagnosis", "treatment_plan"}),
    "discharge": frozenset({"demographics", "discharge", "attendance", "screenings"}),
    "schedule": frozenset({"demographics", "attendance"}),
    "summary": frozenset(
        {
            "demographics",
            "diagnosis",
            "treatment_plan",
            "screenings",
            "drug_screens",
            "attendance",
            "social_needs",
        }
    ),
}


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    disclosure: Disclosure | None = None


def _stamp(actor: User, patient: Patient, **extra: Any) -> Stamp:
    now = timezone.now().astimezone(ZoneInfo(patient.site.timezone))
    return Stamp(printed_by=actor.display_name, printed_at=now, **extra)


@service
def record_print(
    *,
    actor: User,
    patient: Patient,
    record: Record,
    obj: Any = None,
    request: HttpRequest | None = None,
) -> Printed:
    """The record as a PDF for use inside the program, audited as a print."""
    policy.require(actor, ACTION[record.kind], request=request, patient=patient)
    pdf = render(record, patient, _stamp(actor, patient))
    audit.record(
        actor=actor,
        action=AuditAction.PRINT,
        patient=patient,
        obj=obj if obj is not None else patient,
        fields=[record.kind],
        request=request,
        detail=f"{KINDS[record.kind].lower()} printed for use inside the program",
        part2=True,
    )
    return Printed(pdf)


@service
def record_disclose(
    *,
    actor: User,
    patient: Patient,
    record: Record,
    consent_id: int,
    purpose: str,
    obj: Any = None,
    request: HttpRequest | None = None,
) -> Printed:
    """The record as a PDF for someone outside the program, under one of the patient's
    consents to a named recipient: the gate records the Disclosure (or refuses, audited,
    with the reason); the PDF carries the notice and the consent's scope (42 CFR 2.32)."""
    policy.require(actor, ACTION[record.kind], request=request, patient=patient)
    consent = Consent.objects.filter(
        pk=consent_id, patient=patient, kind__in=[k.value for k in NAMED_KINDS]
    ).first()
    errors = {}
    if consent is None:
        errors["consent"] = "Choose one of the patient's consents to a named recipient."
    if purpose not in PURPOSES:
        errors["purpose"] = "Choose the purpose of the disclosure."
    if errors:
        raise ValidationError(errors)
    assert consent is not None
    # The name and record number go with every copy; the date of birth (demographics) only
    # when the consent covers it, so an attendance-only consent can release a schedule.
    data = DATA[record.kind]
    birth_date = "demographics" in (consent.data or [])
    if not birth_date and data != {"demographics"}:
        data = data - {"demographics"}
    disclosure = gate.disclose(
        patient,
        recipient=Recipient(consent.recipient_kind, consent.recipient_name, consent.recipient_key),
        purpose=purpose,
        data=data,
        channel=Channel.LETTER,
        description=f"{record.title} (printed record)",
        actor=actor,
        obj=obj,
        request=request,
    )
    stamp = _stamp(
        actor,
        patient,
        consent_summary=gate.consent_summary(consent),
        recipient=consent.recipient_name,
        purpose=PURPOSES[purpose],
        birth_date=birth_date,
    )
    pdf = render(record, patient, stamp)
    audit.record(
        actor=actor,
        action=AuditAction.PRINT,
        patient=patient,
        obj=disclosure,
        fields=[record.kind],
        request=request,
        detail=f"{KINDS[record.kind].lower()} printed for {consent.recipient_name[:80]} "
        f"under consent {consent.pk}",
        part2=True,
    )
    return Printed(pdf, disclosure)
