"""Reads for the patient's consents page: their consents now and before, who may receive
their information now, and the disclosures made (42 CFR 2.25)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from openiop.patients.models import Patient
from openiop.portal.access import FAMILY_PURPOSE, family_recipient
from openiop.portal.models import AccountKind, PortalAccount
from openiop.privacy import gate
from openiop.privacy.models import Consent
from openiop.privacy.selectors import Status, consents_of
from openiop.privacy.selectors_records import Row, patient_disclosures

# 42 CFR 2.25(a): the accounting covers the three years before the request.
ACCOUNTING_YEARS = 3


@dataclass(frozen=True)
class ConsentLine:
    consent: Consent
    status: Status
    information: str

    @property
    def current(self) -> bool:
        return self.status.code == "in_effect"


@dataclass(frozen=True)
class FamilyLine:
    account: PortalAccount
    consent: Consent
    can_see_now: bool
    reason: str  # why not, in the gate's words


def consent_lines(patient: Patient, today: date) -> tuple[list[ConsentLine], list[ConsentLine]]:
    """The patient's consents in effect today, and the others (revoked, expired, replaced)."""
    lines = [ConsentLine(c, s, words) for c, s, words in consents_of(patient, today)]
    return [x for x in lines if x.current], [x for x in lines if not x.current]


def family_lines(patient: Patient) -> list[FamilyLine]:
    """The patient's open family portal accounts, each with the consent it depends on and
    whether that consent lets the family member see anything now."""
    accounts = list(
        PortalAccount.objects.filter(
            patient=patient, kind=AccountKind.FAMILY, ended_at__isnull=True
        )
        .select_related("consent")
        .order_by("display_name", "pk")
    )
    lines = []
    now = timezone.now()
    for account in accounts:
        consent = account.consent
        assert consent is not None
        decision = gate.check(
            patient,
            recipient=family_recipient(account),
            purpose=FAMILY_PURPOSE,
            data=list(consent.data or []),
            at=now,
        )
        lines.append(FamilyLine(account, consent, decision.allowed, decision.reason))
    return lines


def accounting(patient: Patient, today: date) -> list[Row]:
    """The disclosures of the patient's records in the last three years, newest first."""
    try:
        start = today.replace(year=today.year - ACCOUNTING_YEARS)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - ACCOUNTING_YEARS, day=28)
    return patient_disclosures(patient, start, today)
