"""The state treatment episode extract (SAMHSA TEDS admissions and discharges): selectors that
turn the admissions and discharges of a period into records (a constant number of queries),
and the service that hands the file out.

An admission is reported when it begins in the period; a discharge when its episode ends in
the period: an admission's episode ends when every track it admitted the patient to is
discharged, on the last of those days, with that discharge's type. Client identifier: the
patient's record number (stable, assigned by the program; never the name). Fields, codes and
validation: ``openiop.domain.teds``; what the extract does not collect: docs/teds.md.

The file leaves the program: ``export`` records, in the transaction that builds the file,
one disclosure per patient in it (the caller moves the file into place only after it
commits), without consent under 42 CFR 2.53 (evaluation by the state
agency that funds or licenses the program), so each patient's accounting lists it, and an
audit event for the export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from openiop.care.models import Discharge
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain import teds
from openiop.domain.consent import Recipient
from openiop.domain.teds import codes as teds_codes
from openiop.intake.models import Admission, StateReportingDetails
from openiop.organization.models import Site, TrackKind
from openiop.patients.models import Enrollment, Patient
from openiop.privacy import gate
from openiop.privacy.models import Channel

if TYPE_CHECKING:
    from openiop.accounts.models import User
    from openiop.organization.models import Organization

# TEDS counts admissions to substance use treatment: an admission is reported when one of its
# tracks treats substance use (a mental-health-only or eating-disorder admission is not).
SUBSTANCE_USE_TRACKS = (
    TrackKind.SUBSTANCE_USE,
    TrackKind.ALCOHOL,
    TrackKind.CO_OCCURRING,
    TrackKind.ADOLESCENTS,
)
RECIPIENT = Recipient("other", "State substance use treatment authority (treatment episode report)")
# What the file carries, in the consent domain's words (openiop.domain.consent.rules.DATA):
# date of birth, sex, race and origin (demographics); admission and discharge dates and reason
# (discharge); substances used and a co-occurring mental health condition (diagnosis); income,
# health insurance and expected payment (billing); employment, living arrangement and arrests
# (social needs).
DATA = ("billing", "demographics", "diagnosis", "discharge", "social_needs")
CARRIED = (
    "admission and discharge dates and reason, date of birth, sex, race and origin, "
    "substances used, co-occurring mental health condition, arrests, employment, living "
    "arrangement, income, health insurance and expected payment"
)


@dataclass(frozen=True)
class Extract:
    records: list[teds.Record]
    problems: list[teds.Problem]
    patient_ids: list[int]

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(teds.COLUMNS)
        for r in self.records:
            writer.writerow(r.row())
        return out.getvalue()


def _admissions() -> QuerySet[Admission]:
    return Admission.objects.select_related(
        "patient", "referral", "state_details", "program__site"
    ).prefetch_related(
        Prefetch("enrollments", queryset=Enrollment.objects.select_related("discharge"))
    )


def _details(a: Admission) -> StateReportingDetails | None:
    try:
        return a.state_details
    except StateReportingDetails.DoesNotExist:
        return None


def admission_facts(a: Admission, *, state_code: str, provider_id: str) -> teds.AdmissionFacts:
    """The domain's facts for one admission (its patient, referral and details loaded)."""
    p: Patient = a.patient
    d = _details(a)
    referral = a.referral
    # The referral arrived on the site's day, not the UTC day (an evening referral on the
    # west coast is already tomorrow in UTC).
    site_zone = ZoneInfo(a.program.site.timezone)
    first_contact = (
        timezone.localtime(referral.created_at, site_zone).date() if referral is not None else None
    )
    if (
        d is not None
        and d.first_contact_on
        and (first_contact is None or d.first_contact_on < first_contact)
    ):
        first_contact = d.first_contact_on

    def s(name: str) -> str:
        return str(getattr(d, name, "") or "") if d is not None else ""

    def n(name: str) -> int | None:
        return getattr(d, name, None) if d is not None else None

    return teds.AdmissionFacts(
        client_id=p.mrn,
        provider_id=provider_id,
        state_code=state_code,
        admitted_on=a.starts_on,
        date_of_birth=p.date_of_birth,
        sex=p.sex_at_birth,
        referral_source=referral.source if referral is not None else s("referral_source"),
        referral_detail=s("referral_detail"),
        first_contact_on=first_contact,
        race=s("race"),
        ethnicity=s("ethnicity"),
        prior_episodes=n("prior_episodes"),
        education_years=n("education_years"),
        employment=s("employment"),
        not_in_labor_force=s("not_in_labor_force"),
        substances=(
            teds.Substance(s("substance_1"), s("route_1"), s("frequency_1"), n("first_use_age_1")),
            teds.Substance(s("substance_2"), s("route_2"), s("frequency_2"), n("first_use_age_2")),
            teds.Substance(s("substance_3"), s("route_3"), s("frequency_3"), n("first_use_age_3")),
        ),
        opioid_medication=s("opioid_medication"),
        marital=s("marital"),
        pregnant=s("pregnant"),
        veteran=s("veteran"),
        living=s("living"),
        income=s("income"),
        insurance=s("insurance"),
        payment=s("payment"),
        arrests_30d=n("arrests_30d"),
        self_help_30d=s("self_help_30d"),
        co_occurring=s("co_occurring"),
    )


def episode_end(a: Admission) -> Discharge | None:
    """The discharge that ended the admission's episode: the last one, once every track of
    the admission is discharged; None while a track goes on (enrolments prefetched)."""
    discharges: list[Discharge] = []
    for e in a.enrollments.all():
        try:
            discharges.append(e.discharge)
        except Discharge.DoesNotExist:
            return None
    if not discharges:
        return None
    return max(discharges, key=lambda d: (d.discharged_on, d.pk))


def discharge_facts(d: Discharge, admission: teds.AdmissionFacts) -> teds.DischargeFacts:
    return teds.DischargeFacts(
        admission=admission,
        discharged_on=d.discharged_on,
        discharge_type=d.kind,
        other_ending=d.other_ending,
        employment=d.employment,
        not_in_labor_force=d.not_in_labor_force,
        living=d.living,
        frequencies=(d.frequency_1, d.frequency_2, d.frequency_3),
        arrests_30d=d.arrests_30d,
        self_help_30d=d.self_help_30d,
    )


def build(
    organization_id: int, start: date, end: date, *, state_code: str, provider_id: str
) -> Extract:
    """The records of the period of the organization's sites in ``state_code`` (a postal
    code, or its FIPS code), admissions then discharges, each by date and record number,
    validated (three queries whatever the number of records)."""
    in_org = {
        "program__site__organization_id": organization_id,
        "program__site__state__in": _postal(state_code),
    }
    admitted = list(
        _admissions()
        .filter(starts_on__range=(start, end), **in_org)
        .filter(enrollments__track__kind__in=SUBSTANCE_USE_TRACKS)
        .distinct()
        .order_by("starts_on", "pk")
    )
    ended_candidates = list(
        _admissions()
        .filter(enrollments__discharge__discharged_on__range=(start, end), **in_org)
        .filter(enrollments__track__kind__in=SUBSTANCE_USE_TRACKS)
        .distinct()
        .order_by("pk")
    )
    records: list[teds.Record] = []
    patients: set[int] = set()
    for a in sorted(admitted, key=lambda a: (a.starts_on, a.patient.mrn, a.pk)):
        facts = admission_facts(a, state_code=state_code, provider_id=provider_id)
        records.append(teds.admission_record(facts))
        patients.add(a.patient_id)
    ended = []
    for a in ended_candidates:
        last = episode_end(a)
        if last is not None and start <= last.discharged_on <= end:
            ended.append((last, a))
    for last, a in sorted(ended, key=lambda x: (x[0].discharged_on, x[1].patient.mrn, x[1].pk)):
        facts = admission_facts(a, state_code=state_code, provider_id=provider_id)
        records.append(teds.discharge_record(discharge_facts(last, facts)))
        patients.add(a.patient_id)
    problems = [p for r in records for p in teds.validate(r)]
    return Extract(records, problems, sorted(patients))


@service
def export(
    *,
    actor: User,
    organization: Organization,
    start: date,
    end: date,
    state_code: str,
    provider_id: str,
    write: Callable[[str], None],
    request_label: str = "",
) -> Extract:
    """Build the extract, hand its CSV text to ``write``, and record one disclosure per
    patient in it and the export's audit event, all in one transaction: if writing fails,
    nothing is recorded. ``write`` must write a temporary file that the caller moves onto the
    target only once this returns (the transaction has committed), so that a failed save
    leaves no file without its disclosures. Only roles with the state report action may; a
    state that is not one, or where the organization has no site, is refused
    (``ValidationError``) before anything is written."""
    policy.require(actor, Action.STATE_REPORT, signed_in=False)
    check_state(organization.pk, state_code)
    extract = build(organization.pk, start, end, state_code=state_code, provider_id=provider_id)
    write(extract.csv_text())
    patients = Patient.objects.filter(pk__in=extract.patient_ids).order_by("pk")
    gate.record_without_consent(
        _only_org(patients, organization.pk),
        basis=gate.AUDIT_EVALUATION_BASIS,
        recipient=RECIPIENT,
        data=DATA,
        channel=Channel.STATE_REPORT,
        description=(
            f"Treatment episode report to the state, {start:%d %b %Y} to {end:%d %b %Y}: {CARRIED}"
        ),
        actor=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="intake.admission",
        organization_id=organization.pk,
        detail=(
            f"state treatment episode report {start.isoformat()} to {end.isoformat()}: "
            f"{len(extract.records)} records, {len(extract.patient_ids)} patients, "
            f"{len(extract.problems)} problems{request_label}"
        ),
        part2=True,
    )
    return extract


def _only_org(patients: Iterable[Patient], organization_id: int) -> list[Patient]:
    return [p for p in patients if p.organization_id == organization_id]


def _postal(state_code: str) -> list[str]:
    """The ways a site may store the state (upper or lower case postal code)."""
    fips = teds_codes.state_fips(state_code) or ""
    postal = teds_codes.STATE_CODES.get(fips, state_code.strip().upper())
    return [postal, postal.lower()]


def check_state(organization_id: int, state_code: str) -> None:
    """Refuse a state that is not a state or territory, or one where the organization has no
    site (its file would be empty, or worse, carry another state's patients)."""
    fips = teds_codes.state_fips(state_code)
    if fips is None:
        raise ValidationError(
            {"state": f"{state_code!r} is not a US state or territory postal code (such as CA)."}
        )
    if not Site.objects.filter(
        organization_id=organization_id, state__in=_postal(state_code)
    ).exists():
        raise ValidationError(
            {"state": f"The organization has no site in {teds_codes.STATE_CODES[fips]}."}
        )
