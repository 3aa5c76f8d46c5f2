"""Billing writes: coverage, certifications and charge generation (one `@service` each)."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, CharField, Q, Value, When
from django.db.models.functions import Cast, Concat, LPad
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.appointments.models import Appointment, AppointmentStatus, Modality
from openiop.authorizations.models import Authorization
from openiop.billing import claim_status
from openiop.billing.models import (
    Adjustment,
    BillingProvider,
    Certification,
    Charge,
    ChargeStatus,
    Claim,
    ClaimEvent,
    ClaimEventSource,
    ClaimFile,
    ClaimKind,
    ClaimStatus,
    ClaimType,
    Coverage,
    Payer,
    Payment,
    ProgramBilling,
    Relationship,
    Remittance,
)
from openiop.care.models import Problem as PlanProblem
from openiop.care.models import TreatmentPlan
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.delivery.hours import APPOINTMENT_ATTENDED, monday_of, week_compliance
from openiop.delivery.models import (
    ATTENDED_STATUSES,
    AttendanceRecord,
    AttendanceStatus,
    Note,
    NoteKind,
    NoteSection,
    NoteStatus,
)
from openiop.domain import claims as dcl
from openiop.domain.billing import charges as dch
from openiop.domain.billing.coverage import current_on
from openiop.domain.billing.prior_auth import AuthFacts, authorization_number
from openiop.domain.consent import Decision
from openiop.patients.models import Enrollment, Patient
from openiop.privacy import gate
from openiop.scheduling.models import SessionStatus

MAX_PERIOD_DAYS = 62


@dataclass(frozen=True)
class GenerateResult:
    created: int
    changed: int
    unchanged: int
    held: int


def payer_terms(payer: Payer) -> dch.PayerTerms:
    return dch.PayerTerms(
        name=payer.name,
        claim_type=dch.ClaimType(payer.claim_type),
        revenue_codes=dict(payer.revenue_codes or {}),
        place_of_service=payer.place_of_service,
        is_medicare=payer.is_medicare,
    )


def _coverage_detail_errors(
    relationship: str,
    subscriber_last_name: str,
    subscriber_first_name: str,
    eligibility_checked_on: date | None,
) -> dict[str, str]:
    """Errors in what a coverage says about its subscriber and eligibility (add and edit)."""
    errors: dict[str, str] = {}
    if relationship not in Relationship.values:
        errors["relationship"] = "Choose the subscriber's relationship to the patient."
    elif relationship != Relationship.SELF:
        if not subscriber_last_name.strip():
            errors["subscriber_last_name"] = (
                "Give the subscriber's last name: the subscriber is not the patient."
            )
        if not subscriber_first_name.strip():
            errors["subscriber_first_name"] = (
                "Give the subscriber's first name: the subscriber is not the patient."
            )
    if eligibility_checked_on is not None and eligibility_checked_on > timezone.localdate():
        errors["eligibility_checked_on"] = "The eligibility check cannot be in the future."
    return errors


def _subscriber_names(relationship: str, last: str, first: str) -> tuple[str, str]:
    """The subscriber's names as kept: none when the patient is the subscriber."""
    if relationship == Relationship.SELF:
        return "", ""
    return " ".join(last.split())[:60], " ".join(first.split())[:35]


@service
def coverage_add(
    *,
    actor: User,
    patient: Patient,
    rank: int,
    self_pay: bool,
    payer: Payer | None,
    member_id: str,
    relationship: str,
    subscriber_last_name: str = "",
    subscriber_first_name: str = "",
    eligibility_checked_on: date | None,
    guarantor_name: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Coverage:
    """Add one coverage of a patient at a billing rank. When the subscriber is not the patient,
    the subscriber's last and first name are required (they go on the claim)."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        patient=patient,
        obj=patient,
        signed_in=signed_in,
    )
    errors: dict[str, str] = {}
    if not 1 <= rank <= 9:
        errors["rank"] = "Give the billing order, from 1 (primary) to 9."
    elif Coverage.objects.filter(patient=patient, rank=rank).exists():
        errors["rank"] = "The patient already has a coverage in this order."
    if self_pay and payer is not None:
        errors["payer"] = "A self-pay coverage has no payer."
    if not self_pay and payer is None:
        errors["payer"] = "Choose the payer, or mark the coverage as self-pay."
    if payer is not None and payer.organization_id != patient.organization_id:
        errors["payer"] = "Choose one of your organization's payers."
    errors.update(
        _coverage_detail_errors(
            relationship, subscriber_last_name, subscriber_first_name, eligibility_checked_on
        )
    )
    if errors:
        raise ValidationError(errors)
    last, first = _subscriber_names(relationship, subscriber_last_name, subscriber_first_name)
    coverage = Coverage.objects.create(
        patient=patient,
        rank=rank,
        self_pay=self_pay,
        payer=payer,
        member_id=member_id.strip(),
        subscriber_last_name=last,
        subscriber_first_name=first,
        relationship=relationship,
        eligibility_checked_on=eligibility_checked_on,
        guarantor_name=guarantor_name.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor, action=AuditAction.ADD, patient=patient, obj=coverage, request=request
    )
    return coverage


@service
def coverage_edit(
    *,
    actor: User,
    coverage: Coverage,
    member_id: str,
    relationship: str,
    subscriber_last_name: str,
    subscriber_first_name: str,
    eligibility_checked_on: date | None,
    guarantor_name: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Coverage:
    """Change what a coverage says about the member, the subscriber, the eligibility check and
    the guarantor. The payer and the billing order stay (add another coverage instead)."""
    patient = coverage.patient
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        patient=patient,
        obj=coverage,
        signed_in=signed_in,
    )
    coverage = Coverage.objects.select_for_update().get(pk=coverage.pk)
    errors = _coverage_detail_errors(
        relationship, subscriber_last_name, subscriber_first_name, eligibility_checked_on
    )
    if errors:
        raise ValidationError(errors)
    last, first = _subscriber_names(relationship, subscriber_last_name, subscriber_first_name)
    new = {
        "member_id": member_id.strip(),
        "relationship": relationship,
        "subscriber_last_name": last,
        "subscriber_first_name": first,
        "eligibility_checked_on": eligibility_checked_on,
        "guarantor_name": guarantor_name.strip(),
    }
    changed = sorted(name for name, value in new.items() if getattr(coverage, name) != value)
    for name in changed:
        setattr(coverage, name, new[name])
    if changed:
        coverage.save(update_fields=changed)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=coverage,
        request=request,
        fields=changed,
    )
    return coverage


@service
def certification_add(
    *,
    actor: User,
    patient: Patient,
    physician_name: str,
    certified_on: date,
    recertify_by: date,
    request: HttpRequest | None = None,
) -> Certification:
    """Record a physician's certification of need (Medicare intensive outpatient)."""
    policy.require(actor, Action.BILLING_MANAGE, request=request, patient=patient, obj=patient)
    errors: dict[str, str] = {}
    if len(physician_name.strip()) < 2:
        errors["physician_name"] = "Name the certifying physician."
    if certified_on > timezone.localdate():
        errors["certified_on"] = "The certification date cannot be in the future."
    if recertify_by < certified_on:
        errors["recertify_by"] = "The recertification date must follow the certification."
    if errors:
        raise ValidationError(errors)
    row = Certification.objects.create(
        patient=patient,
        physician_name=physician_name.strip(),
        certified_on=certified_on,
        recertify_by=recertify_by,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(actor=actor, action=AuditAction.ADD, patient=patient, obj=row, request=request)
    return row


def _signed_note_days(
    organization_id: int, patient_ids: list[int], first: date, last: date
) -> set[tuple[int, date]]:
    """(patient id, day) of every signed individual note and signed group note section of the
    patients in `patient_ids` from `first` to `last`.

    The group sections are found from the organization's signed group notes of the period (an
    index on the note's organization), not by probing each note for every patient id, and
    without the models' default ordering (which joined the patients only to sort them)."""
    wanted = set(patient_ids)
    individual = (
        Note.objects.filter(
            kind=NoteKind.INDIVIDUAL,
            status=NoteStatus.SIGNED,
            patient_id__in=patient_ids,
            service_date__range=(first, last),
        )
        .order_by()
        .values_list("patient_id", "service_date")
    )
    days = {(pid, day) for pid, day in individual}
    group_days = dict(
        Note.objects.filter(
            organization_id=organization_id,
            kind=NoteKind.GROUP,
            status=NoteStatus.SIGNED,
            service_date__range=(first, last),
        )
        .order_by()
        .values_list("pk", "service_date")
    )
    sections = (
        NoteSection.objects.filter(
            note_id__in=Note.objects.filter(
                organization_id=organization_id,
                kind=NoteKind.GROUP,
                status=NoteStatus.SIGNED,
                service_date__range=(first, last),
            ).values("pk")
        )
        .order_by()
        .values_list("patient_id", "note_id")
    )
    days.update((pid, group_days[note]) for pid, note in sections if pid in wanted)
    return days


def _video_days(
    organization_id: int, patient_ids: list[int], first: date, last: date
) -> frozenset[tuple[int, date]]:
    """(patient id, local day) of the days from `first` to `last` on which every minute the
    patient attended was by video (`openiop.domain.billing.charges.video_days`), from two
    queries whatever the number of patients: the period's group attendance, and the attended
    appointments whose type counts toward hours.

    What the hours count (`openiop.delivery.hours`): group sessions not cancelled and
    appointments attended (present, late or left early) that are not cancelled and whose type
    counts toward hours, each in the patient's site time zone. By video: a group attendance
    recorded as telehealth or at a session in a virtual room, an appointment whose modality is
    video; anything else attended is in person."""
    if not patient_ids:
        return frozenset()
    # Local days in any zone lie within a day of the UTC days (as in the hours).
    lo = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)
    records: list[dch.Attended] = []
    for pid, status, virtual, zone, starts_at, ends_at, check_in, check_out in (
        AttendanceRecord.objects.filter(
            session__organization_id=organization_id,
            patient_id__in=patient_ids,
            status__in=list(ATTENDED_STATUSES),
            session__starts_at__lt=hi,
            session__ends_at__gt=lo,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .order_by()
        .values_list(
            "patient_id",
            "status",
            "session__room__virtual",
            "patient__site__timezone",
            "session__starts_at",
            "session__ends_at",
            "check_in_at",
            "check_out_at",
        )
    ):
        video = status == AttendanceStatus.TELEHEALTH or bool(virtual)
        records.append(dch.Attended(pid, zone, starts_at, ends_at, check_in, check_out, video))
    for pid, modality, zone, starts_at, ends_at, check_in, check_out in (
        Appointment.objects.filter(
            organization_id=organization_id,
            patient_id__in=patient_ids,
            status=AppointmentStatus.SCHEDULED,
            attendance__in=list(APPOINTMENT_ATTENDED),
            type__counts_toward_hours=True,
            starts_at__lt=hi,
            ends_at__gt=lo,
        )
        .order_by()
        .values_list(
            "patient_id",
            "modality",
            "patient__site__timezone",
            "starts_at",
            "ends_at",
            "check_in_at",
            "check_out_at",
        )
    ):
        video = modality == Modality.VIDEO
        records.append(dch.Attended(pid, zone, starts_at, ends_at, check_in, check_out, video))
    return frozenset((pid, day) for pid, day in dch.video_days(records) if first <= day <= last)


_FIELDS = ("status", "code", "revenue_code", "condition_codes", "place_of_service", "minutes")
_NEW_CHARGE_FIELDS = (
    "organization_id",
    "patient_id",
    "service_date",
    "service",
    "generated_at",
    *_FIELDS,
    "payer_id",
    "reason",
)


def _insert_charges(rows: list[tuple[Any, ...]]) -> None:
    """Insert new charges, one row per tuple of `_NEW_CHARGE_FIELDS` values (dates and times
    already adapted for the database), in one database call.

    `bulk_create` prepares every value of every row through the field machinery (some 15 us a
    value: most of a month's charge run at 2,000 patients); these rows are plain values the
    service built itself, so they go to the database as they are. PostgreSQL: one
    `INSERT ... SELECT` from the rows sent as one JSON parameter (`executemany` would be a
    round trip per row); SQLite (in process): one `executemany`. No signals or `save()` logic
    run for charges either way."""
    if not rows:
        return
    meta = Charge._meta
    quote = connection.ops.quote_name
    field = {f.attname: f for f in meta.concrete_fields}
    names = [str(field[name].column) for name in _NEW_CHARGE_FIELDS]
    columns = ", ".join(quote(name) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ", ".join(
                f"{quote(name)} {field[attname].db_type(connection)}"
                for name, attname in zip(names, _NEW_CHARGE_FIELDS, strict=True)
            )
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
                f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS v({types})",
                [json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=str)],
            )
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )


@service
def generate_charges(
    *,
    actor: User,
    first_day: date,
    last_day: date,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> GenerateResult:
    """The charges of every patient in the actor's scope for the days `first_day` to
    `last_day`, decided by `openiop.domain.billing.charges.decide`. Idempotent: a second run
    changes only rows whose inputs changed (a note signed since, a new certification); a row
    of another service for the same day is marked replaced, never deleted."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.charge",
        signed_in=signed_in,
    )
    if last_day < first_day or (last_day - first_day).days >= MAX_PERIOD_DAYS:
        raise ValidationError({"last_day": f"Choose a period of 1 to {MAX_PERIOD_DAYS} days."})
    org_id = access.organization_id(actor)
    scope = Patient.objects.filter(access.membership_patients_filter(actor))
    minutes: dict[tuple[int, date], int] = {}
    rules: dict[tuple[int, date], tuple[Any, bool]] = {}
    week = monday_of(first_day)
    while week <= last_day:
        computed = week_compliance(
            organization_id=org_id, week_start=week, as_of=None, patients=scope
        )
        for pid, patient_week in computed.results.items():
            for attended in patient_week.days:
                if first_day <= attended.day <= last_day and attended.minutes > 0:
                    minutes[(pid, attended.day)] = attended.minutes
                    rules[(pid, attended.day)] = (
                        patient_week.per_diem_rule,
                        patient_week.per_diem_week,
                    )
        week += timedelta(days=7)
    patient_ids = sorted({pid for pid, _ in minutes})
    kinds: dict[int, set[str]] = defaultdict(set)
    programs: dict[int, set[int]] = defaultdict(set)
    for pid, kind, program in (
        Enrollment.objects.filter(patient_id__in=patient_ids, starts_on__lte=last_day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first_day))
        .order_by()
        .values_list("patient_id", "track__kind", "track__program_id")
    ):
        kinds[pid].add(kind)
        programs[pid].add(program)
    codes: dict[int, str] = {}
    video_places: dict[int, str] = {}
    for setting in ProgramBilling.objects.filter(
        program_id__in={p for ps in programs.values() for p in ps}
    ):
        codes[setting.program_id] = setting.discrete_code
        video_places[setting.program_id] = setting.video_place_of_service
    primary: dict[int, Coverage] = {}
    for found in (
        Coverage.objects.filter(patient_id__in=patient_ids).select_related("payer").order_by()
    ):
        if found.patient_id not in primary or found.rank < primary[found.patient_id].rank:
            primary[found.patient_id] = found
    certs: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for pid, a, b in (
        Certification.objects.filter(patient_id__in=patient_ids)
        .order_by()
        .values_list("patient_id", "certified_on", "recertify_by")
    ):
        certs[pid].append((a, b))
    signed = _signed_note_days(org_id, patient_ids, first_day, last_day)
    by_video = _video_days(org_id, patient_ids, first_day, last_day)
    existing: dict[tuple[int, date], list[Charge]] = defaultdict(list)
    for charge in Charge.objects.filter(
        patient_id__in=patient_ids, service_date__range=(first_day, last_day)
    ).order_by():
        existing[(charge.patient_id, charge.service_date)].append(charge)

    now = timezone.now()
    # What is the same for every day of a patient (or of a payer) is worked out once.
    terms: dict[int, dch.PayerTerms] = {}
    per_patient: dict[
        int, tuple[Coverage | None, dch.PayerTerms | None, frozenset[str], str, str]
    ] = {}
    for pid in patient_ids:
        coverage = primary.get(pid)
        known_terms = None
        if coverage is not None and coverage.payer is not None:
            known_terms = terms.get(coverage.payer.pk)
            if known_terms is None:
                known_terms = terms[coverage.payer.pk] = payer_terms(coverage.payer)
        discrete = next((codes[p] for p in sorted(programs[pid]) if codes.get(p)), "")
        # Program policy: a patient in several programs takes the first one's (lowest id)
        # video place of service among those that set one; else 10 (patient's home).
        video_place = next(
            (video_places[p] for p in sorted(programs[pid]) if p in video_places),
            dch.TELEHEALTH_IN_HOME,
        )
        per_patient[pid] = (coverage, known_terms, frozenset(kinds[pid]), discrete, video_place)
    adapt_day = connection.ops.adapt_datefield_value
    generated_at = connection.ops.adapt_datetimefield_value(now)
    new: list[tuple[Any, ...]] = []
    changed: list[Charge] = []
    unchanged = held = 0
    for (pid, day), mins in sorted(minutes.items()):
        coverage, terms_, track_kinds, discrete, video_place = per_patient[pid]
        rule, week_ok = rules[(pid, day)]
        decision = dch.decide(
            dch.PatientDay(
                day=day,
                minutes=mins,
                signed_note=(pid, day) in signed,
                track_kinds=track_kinds,
                payer=terms_,
                self_pay=bool(coverage and coverage.self_pay),
                certification_current=current_on(certs[pid], day) if pid in certs else False,
                discrete_code=discrete,
                rule=rule,
                week_condition_met=week_ok,
                by_video=(pid, day) in by_video,
                video_place_of_service=video_place,
            )
        )
        held += decision.outcome is dch.Outcome.HELD
        status = str(decision.outcome)
        condition_codes = ",".join(decision.condition_codes)
        payer_id = coverage.payer_id if coverage else None
        reason = decision.reason[:500]
        service_name = str(decision.service)
        mine = None
        for row in existing.get((pid, day), ()):
            if row.service == service_name:
                mine = row
            elif row.status != ChargeStatus.VOID:
                row.status = ChargeStatus.VOID
                row.reason = "Replaced: the day's attendance or notes changed."
                row.generated_at = now
                changed.append(row)
        if mine is None:
            new.append(
                (
                    org_id,
                    pid,
                    adapt_day(day),
                    service_name,
                    generated_at,
                    status,
                    decision.code,
                    decision.revenue_code,
                    condition_codes,
                    decision.place_of_service,
                    mins,
                    payer_id,
                    reason,
                )
            )
            continue
        values = {
            "status": status,
            "code": decision.code,
            "revenue_code": decision.revenue_code,
            "condition_codes": condition_codes,
            "place_of_service": decision.place_of_service,
            "minutes": mins,
            "payer_id": payer_id,
            "reason": reason,
        }
        if any(getattr(mine, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(mine, k, v)
            mine.generated_at = now
            changed.append(mine)
        else:
            unchanged += 1
    _insert_charges(new)
    Charge.objects.bulk_update(changed, [*_FIELDS, "payer_id", "reason", "generated_at"])
    result = GenerateResult(len(new), len(changed), unchanged, held)
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        object_type="billing.charge",
        request=request,
        organization_id=org_id,
        detail=(
            f"charges generated for {first_day.isoformat()} to {last_day.isoformat()}: "
            f"{result.created} new, {result.changed} changed, {result.held} held"
        ),
    )
    return result


# Claims (837) and remittances (835).


@dataclass(frozen=True)
class Held:
    """A patient's charges for a payer left unbilled: no consent covers the claim."""

    patient_id: int
    patient: str  # as billing staff know the patient: name and record number
    payer: str
    charges: int
    reason: str

    @property
    def message(self) -> str:
        return f"Held, not billed ({self.patient}, {self.charges} charges): {self.reason}"


@dataclass(frozen=True)
class BuildResult:
    files: list[ClaimFile]
    claims: int
    charges: int
    total_billed: Decimal
    drafts: int = 0  # claims that need fixing before any check (incomplete data)
    held: tuple[Held, ...] = ()  # charges left unbilled for want of a consent


def claim_kind(payer: Payer) -> str:
    """The payer's claim type; "both" means professional unless the payer is Medicare."""
    if payer.claim_type == ClaimType.BOTH:
        return ClaimKind.INSTITUTIONAL if payer.is_medicare else ClaimKind.PROFESSIONAL
    return str(payer.claim_type)


_SEX = {"female": "F", "male": "M"}
_PAT01: dict[str, dcl.PatientRelationship] = {
    Relationship.SPOUSE: dcl.PatientRelationship.SPOUSE,
    Relationship.CHILD: dcl.PatientRelationship.CHILD,
    Relationship.OTHER: dcl.PatientRelationship.OTHER,
}
"""The patient's relationship to the subscriber as an 837 PAT01 code (loop 2000C)."""


def x12_text(value: str) -> str:
    """Names and addresses on claims: upper case, no X12 separators."""
    return "".join(" " if ch in "~*:^" else ch for ch in value).strip().upper()


def _authorizations(org_id: int, patient_ids: list[int]) -> dict[tuple[int, int], list[AuthFacts]]:
    """The payer authorizations of these patients, by patient and payer (one query)."""
    out: dict[tuple[int, int], list[AuthFacts]] = defaultdict(list)
    rows = Authorization.objects.filter(
        organization_id=org_id, patient_id__in=patient_ids
    ).values_list("patient_id", "payer_id", "number", "service", "starts_on", "ends_on")
    for pid, payer_id, number, code, starts_on, ends_on in rows:
        out[(pid, payer_id)].append(AuthFacts(number, code, starts_on, ends_on))
    return out


def _diagnoses(patient_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The ICD-10-CM codes of each patient's latest treatment plan (principal first)."""
    latest: dict[int, int] = {}
    for pid, plan_id in (
        TreatmentPlan.objects.filter(patient_id__in=patient_ids)
        .order_by("patient_id", "-version", "-id")
        .values_list("patient_id", "id")
    ):
        latest.setdefault(pid, plan_id)
    codes: dict[int, list[str]] = defaultdict(list)
    plan_patient = {plan: pid for pid, plan in latest.items()}
    for plan_id, code in PlanProblem.objects.filter(plan_id__in=plan_patient).values_list(
        "plan_id", "icd10_code"
    ):
        if code and code not in codes[plan_patient[plan_id]]:
            codes[plan_patient[plan_id]].append(code)
    return {pid: tuple(c[:12]) for pid, c in codes.items()}


def _provider(bp: BillingProvider) -> tuple[dcl.Submitter, dcl.Receiver, dcl.BillingProvider]:
    return (
        dcl.Submitter(
            x12_text(bp.name), bp.submitter_id, x12_text(bp.contact_name), bp.contact_phone
        ),
        dcl.Receiver(x12_text(bp.receiver_name), bp.receiver_id),
        dcl.BillingProvider(
            name=x12_text(bp.name),
            npi=bp.npi,
            tax_id=bp.tax_id,
            address=dcl.Address(
                x12_text(bp.address), x12_text(bp.city), bp.state.upper(), bp.zip_code
            ),
            taxonomy=bp.taxonomy,
        ),
    )


def _claim_place(places: list[str], usual: str) -> str:
    """The claim's place of service: the place of most of its lines; on a tie the payer's usual
    place, then the lowest code; the payer's usual place when there are no lines."""
    if not places:
        return usual
    counts = Counter(places)
    return min(counts, key=lambda place: (-counts[place], place != usual, place))


def _claim_data(
    claim: Claim,
    charges: list[Charge],
    bp: BillingProvider,
    diagnoses: tuple[str, ...],
    *,
    trial_write: bool = True,
    prior_authorization: str = "",
) -> tuple[dcl.Claim | None, list[str]]:
    """The domain claim, or the reasons it cannot be written (each in words). With
    `trial_write=False` the claim is not written alone to find a writer error: the caller
    writes it in its file and catches the error there (`build_claims`)."""
    patient, coverage, payer = claim.patient, claim.coverage, claim.payer
    problems: list[str] = []
    is_self = coverage.relationship == Relationship.SELF
    if not is_self and not (
        coverage.subscriber_last_name.strip() and coverage.subscriber_first_name.strip()
    ):
        problems.append("The subscriber is not the patient, and the subscriber's name is missing.")
    if not coverage.member_id:
        problems.append("The coverage has no member id.")
    if not (patient.address and patient.city and patient.state and patient.zip_code):
        problems.append("The patient's address is incomplete (street, city, state, ZIP).")
    if not diagnoses:
        problems.append("The patient's treatment plan has no diagnosis.")
    if problems:
        return None, problems
    institutional = claim.kind == ClaimKind.INSTITUTIONAL
    attending = dcl.Provider(
        x12_text(bp.attending_last_name), x12_text(bp.attending_first_name), bp.attending_npi
    )
    conditions = sorted({c for ch in charges for c in ch.condition_codes.split(",") if c})
    # 837P: each line at its charge's place of service (a telehealth day is 02 or 10); the
    # claim's (CLM05-1) is the place of most lines, and a line elsewhere carries its own
    # (SV105), as 005010X222A1 asks. A charge without one (made for an institutional claim)
    # takes the payer's usual place.
    places = (
        [] if institutional else [ch.place_of_service or payer.place_of_service for ch in charges]
    )
    claim_place = _claim_place(places, payer.place_of_service)
    lines = tuple(
        dcl.ServiceLine(
            procedure_code=ch.code,
            units=Decimal("1"),
            charge=ch.billed_amount or Decimal("0"),
            service_date=ch.service_date,
            revenue_code=ch.revenue_code if institutional else "",
            place_of_service="" if institutional else places[n],
        )
        for n, ch in enumerate(charges)
    )
    address = dcl.Address(
        x12_text(patient.address),
        x12_text(patient.city),
        patient.state.upper(),
        patient.zip_code.replace("-", ""),
    )
    sex = _SEX.get(patient.sex_at_birth, "U")
    if is_self:
        subscriber = dcl.Subscriber(
            last_name=x12_text(patient.last_name),
            first_name=x12_text(patient.first_name),
            member_id=x12_text(coverage.member_id),
            birth_date=patient.date_of_birth,
            sex=sex,
            address=address,
        )
        claim_patient = None
    else:
        # The patient is not the subscriber: 2010BA names the subscriber (no address or DMG),
        # loop 2000C/2010CA the patient (005010X222A1 / X223A2; see openiop.domain.claims).
        subscriber = dcl.Subscriber(
            last_name=x12_text(coverage.subscriber_last_name),
            first_name=x12_text(coverage.subscriber_first_name),
            member_id=x12_text(coverage.member_id),
        )
        claim_patient = dcl.Patient(
            last_name=x12_text(patient.last_name),
            first_name=x12_text(patient.first_name),
            birth_date=patient.date_of_birth,
            sex=sex,
            address=address,
            relationship=_PAT01[coverage.relationship],
        )
    data = dcl.Claim(
        claim_id=claim.control_number,
        subscriber=subscriber,
        patient=claim_patient,
        payer=dcl.Payer(
            x12_text(payer.name),
            x12_text(payer.payer_id),
            dcl.FilingIndicator(payer.filing_indicator),
        ),
        diagnoses=tuple(d.replace(".", "") for d in diagnoses),
        lines=lines,
        place_of_service=claim_place,
        facility_type=bp.facility_type,
        condition_codes=tuple(conditions) if institutional else (),
        attending=attending if institutional else None,
        prior_authorization=prior_authorization,
    )
    if not trial_write:
        return data, []
    try:
        (dcl.write_837i if institutional else dcl.write_837p)(
            dcl.ClaimBatch(_envelope(1, "CHECK"), *_provider(bp), (data,))
        )
    except dcl.ClaimDataError as exc:
        return None, [f"The claim cannot be written: {exc}"]
    return data, []


def _envelope(number: int, reference: str, production: bool = False) -> dcl.Envelope:
    return dcl.Envelope(
        interchange_control_number=number,
        group_control_number=number,
        transaction_control_number=max(number % 1_000_000_000, 1),
        created=timezone.localtime().replace(tzinfo=None, second=0, microsecond=0),
        reference=reference,
        usage=dcl.Usage.PRODUCTION if production else dcl.Usage.TEST,
    )


def _problem_dict(p: dcl.Problem) -> dict[str, Any]:
    return {
        "claim": p.claim_id,
        "segment": p.segment,
        "position": p.position,
        "element": p.element or "",
        "message": p.message,
    }


@service
def build_claims(
    *,
    actor: User,
    first_day: date,
    last_day: date,
    request: HttpRequest | None = None,
    signed_in: bool = True,
    check_in_background: bool = False,
) -> BuildResult:
    """Claims from the ready charges of `first_day` to `last_day` not yet on a claim: one claim
    per patient, payer and claim type, one 837 file per payer and claim type.

    A claim whose data is incomplete (or that the writer refuses) is a draft with its problems
    at once; the others are written into their file and are "being checked", like the file.
    Each file is then checked with `openiop.domain.claims.validate` by `claim_file_check`: on
    the task queue, one task per file, with `check_in_background` (the claims page, so that
    nobody waits for the check), or here before returning (the command line, the demo).

    The number of queries does not grow with the number of claims: the files, the claims and
    the charges' claim and amount are each written by one statement (or a few batches)."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.claim",
        signed_in=signed_in,
    )
    if last_day < first_day or (last_day - first_day).days >= MAX_PERIOD_DAYS:
        raise ValidationError({"last_day": f"Choose a period of 1 to {MAX_PERIOD_DAYS} days."})
    org_id = access.organization_id(actor)
    bp = BillingProvider.objects.filter(organization_id=org_id).first()
    if bp is None:
        raise ValidationError(
            {
                "__all__": "Set up the billing provider (NPI, tax id, address) before building claims."
            }
        )
    ready = Charge.objects.filter(
        organization_id=org_id,
        status=ChargeStatus.READY,
        claim__isnull=True,
        payer__isnull=False,
        service_date__range=(first_day, last_day),
        patient_id__in=Patient.objects.filter(access.membership_patients_filter(actor)).values(
            "pk"
        ),
    )
    charges = list(ready.select_for_update().order_by("patient_id", "service_date", "id"))
    fees = {code: Decimal(str(amount)) for code, amount in (bp.fees or {}).items()}
    missing = sorted({c.code for c in charges if c.code not in fees})
    if missing:
        raise ValidationError(
            {"__all__": f"Set a charge amount for these codes first: {', '.join(missing)}."}
        )
    payers = {p.pk: p for p in Payer.objects.filter(organization_id=org_id)}
    patient_ids = sorted({c.patient_id for c in charges})
    patients = {p.pk: p for p in Patient.objects.filter(pk__in=patient_ids)}
    coverages: dict[tuple[int, int], Coverage] = {}
    for cov in Coverage.objects.filter(patient_id__in=patient_ids, payer__isnull=False).order_by(
        "-rank"
    ):
        coverages[(cov.patient_id, cov.payer_id)] = cov  # type: ignore[index]
    diagnoses = _diagnoses(patient_ids)
    auths = _authorizations(org_id, patient_ids)
    now = timezone.now()
    # A claim is a disclosure to the payer (42 CFR 2.31): each charge needs a consent covering
    # the payer on the day of service (reliance, 2.31(a)(6)); the consents of every patient are
    # loaded in one batch.
    consents = gate.load(patient_ids)
    decisions: dict[tuple[int, int, date], Decision] = {}
    held: dict[tuple[int, int], tuple[Decision, int]] = {}
    # One claim per patient, payer, claim type and prior authorization (a claim quotes one).
    groups: dict[tuple[int, str], dict[tuple[int, str], list[Charge]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for ch in charges:
        ch.billed_amount = fees[ch.code]
        payer = payers[ch.payer_id]  # type: ignore[index]
        if (ch.patient_id, payer.pk) not in coverages:
            continue  # coverage removed since the charge was generated: left for the next run
        key = (ch.patient_id, payer.pk, ch.service_date)
        if key not in decisions:
            decisions[key] = claim_status.claim_decision(
                consents[ch.patient_id], payer, at=now, first_day=ch.service_date
            )
        if not decisions[key].allowed:
            before = held.get((ch.patient_id, payer.pk))
            held[(ch.patient_id, payer.pk)] = (decisions[key], (before[1] if before else 0) + 1)
            continue  # left unbilled until a consent covers it
        number = authorization_number(
            auths.get((ch.patient_id, payer.pk), ()), ch.code, ch.service_date
        )
        groups[(payer.pk, claim_kind(payer))][(ch.patient_id, number)].append(ch)
    plan = sorted(groups.items())
    held_list = _hold(actor, request, patients, payers, held)
    files = ClaimFile.objects.bulk_create(
        [
            ClaimFile(
                organization_id=org_id,
                payer=payers[payer_id],
                kind=kind,
                first_day=first_day,
                last_day=last_day,
                status=ClaimStatus.CHECKING,
                created_by=actor,
                created_at=now,
            )
            for (payer_id, kind), _ in plan
        ]
    )
    # Every claim in one insert, with a provisional control number (unique, as the constraint
    # wants); the real one is made from the claim's id, known after the insert, by one update.
    built: list[tuple[Claim, list[Charge]]] = []
    for claim_file, ((payer_id, kind), by_patient) in zip(files, plan, strict=True):
        for (pid, _number), rows in sorted(by_patient.items()):
            claim = Claim(
                organization_id=org_id,
                claim_file=claim_file,
                patient=patients[pid],
                payer=payers[payer_id],
                coverage=coverages[(pid, payer_id)],
                kind=kind,
                first_day=min(r.service_date for r in rows),
                last_day=max(r.service_date for r in rows),
                status=ClaimStatus.CHECKING,
                total=sum((r.billed_amount or Decimal("0") for r in rows), Decimal("0")),
                control_number=f"T{uuid.uuid4().hex[:18]}",
                created_at=now,
            )
            built.append((claim, rows))
    Claim.objects.bulk_create([claim for claim, _ in built])
    if built:
        _number_claims(org_id, [f.pk for f in files])
    for claim, _ in built:
        claim.control_number = _control_number(org_id, claim.pk)
    moved = _put_charges_on_claims(built)
    n_charges = sum(len(rows) for _, rows in built)
    if moved != n_charges:
        raise ValidationError({"__all__": "Charges changed meanwhile; build again."})

    submitter, receiver, provider = _provider(bp)
    drafts: list[Claim] = []
    by_file: dict[int, list[tuple[Claim, list[Charge]]]] = defaultdict(list)
    for claim, rows in built:
        by_file[claim.claim_file_id].append((claim, rows))  # type: ignore[index]
    for claim_file in files:
        written: list[tuple[Claim, dcl.Claim]] = []
        for claim, rows in by_file[claim_file.pk]:
            data, reasons = _claim_data(
                claim,
                rows,
                bp,
                diagnoses.get(claim.patient_id, ()),
                trial_write=False,
                prior_authorization=authorization_number(
                    auths.get((claim.patient_id, claim.payer_id), ()),
                    rows[0].code,
                    rows[0].service_date,
                ),
            )
            if data is None:
                claim.problems = [{"claim": claim.control_number, "message": r} for r in reasons]
                drafts.append(claim)
            else:
                written.append((claim, data))
        text, refused = _write_file(
            claim_file.kind,
            _envelope(claim_file.pk, f"OI{claim_file.pk}", bp.production),
            (submitter, receiver, provider),
            written,
        )
        for claim in refused:
            drafts.append(claim)
        claim_file.text = text
    for claim in drafts:
        claim.status = ClaimStatus.DRAFT
    Claim.objects.bulk_update(drafts, ["problems", "status"])
    ClaimFile.objects.bulk_update(files, ["text"])
    total = sum((claim.total for claim, _ in built), Decimal("0"))
    result = BuildResult(files, len(built), n_charges, total, len(drafts), held_list)
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        object_type="billing.claim",
        request=request,
        organization_id=org_id,
        detail=(
            f"claims built for {first_day.isoformat()} to {last_day.isoformat()}: "
            f"{len(built)} claims, {n_charges} charges, {len(files)} files"
            + (f", {len(held_list)} patients held for want of consent" if held_list else "")
        ),
    )
    if check_in_background:
        from openiop.billing.tasks import check_claim_file
        from openiop.core.tasks import enqueue_on_commit

        for claim_file in files:
            enqueue_on_commit(check_claim_file, claim_file_id=claim_file.pk)
    else:
        result = BuildResult(
            [claim_file_check(claim_file_id=f.pk) or f for f in files],
            result.claims,
            result.charges,
            result.total_billed,
            result.drafts,
            result.held,
        )
    return result


def _hold(
    actor: User,
    request: HttpRequest | None,
    patients: dict[int, Patient],
    payers: dict[int, Payer],
    held: dict[tuple[int, int], tuple[Decision, int]],
) -> tuple[Held, ...]:
    """One audited refusal per patient and payer whose charges are held, and the list shown
    after the build."""
    out: list[Held] = []
    for (pid, payer_id), (decision, n) in sorted(held.items()):
        patient, payer = patients[pid], payers[payer_id]
        gate.refusal(
            patient,
            decision,
            recipient=claim_status.payer_recipient(payer),
            purpose="payment",
            channel="claim",
            actor=actor,
            request=request,
        )
        out.append(
            Held(
                pid,
                f"{patient.last_name}, {patient.first_name} (record {patient.mrn})",
                payer.name,
                n,
                decision.reason,
            )
        )
    return tuple(out)


def _control_number(org_id: int, claim_id: int) -> str:
    """Our claim id (CLM01), as the payer echoes it in the 835."""
    return f"OI{org_id}-{claim_id:07d}"


def _number_claims(org_id: int, file_ids: list[int]) -> None:
    """Give the claims of these new files their control numbers (`_control_number`) in one
    update, computed by the database from each claim's id."""
    digits = Cast("pk", output_field=CharField())
    Claim.objects.filter(claim_file_id__in=file_ids).update(
        control_number=Concat(
            Value(f"OI{org_id}-"),
            Case(
                When(pk__gte=10_000_000, then=digits),
                default=LPad(digits, 7, Value("0")),
                output_field=CharField(),
            ),
            output_field=CharField(),
        )
    )


def _put_charges_on_claims(built: list[tuple[Claim, list[Charge]]]) -> int:
    """Put each charge on its new claim with the amount billed (set on the charge objects), in
    one database call whatever the number of charges; a charge put on a claim meanwhile is not
    touched. Returns how many charges moved.

    PostgreSQL: one `UPDATE ... FROM` joining the (charge, claim, amount) rows, sent as one JSON
    parameter, on the charge's key. SQLite (in process, no round trips): one `executemany` of
    an update by key. The ORM's ways cost a statement per claim (`filter().update()`), a
    statement of thousands of CASE branches (`bulk_update`), or a correlated subquery that
    SQLite answers by scanning the file's claims for every charge."""
    rows = [(ch.pk, claim.pk, str(ch.billed_amount)) for claim, charges in built for ch in charges]
    if not rows:
        return 0
    meta = Charge._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = quote(str(meta.pk.column)) if meta.pk is not None else "id"
    claim = quote(str(meta.get_field("claim_id").column))
    amount = quote(str(meta.get_field("billed_amount").column))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET {claim} = v.claim, {amount} = v.amount "  # noqa: S608
                "FROM jsonb_to_recordset(%s::jsonb) "
                "AS v(charge bigint, claim bigint, amount numeric) "
                f"WHERE {table}.{pk} = v.charge AND {table}.{claim} IS NULL",
                [json.dumps([{"charge": c, "claim": k, "amount": a} for c, k, a in rows])],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {claim} = %s, {amount} = %s "  # noqa: S608
                f"WHERE {pk} = %s AND {claim} IS NULL",
                [(k, a, c) for c, k, a in rows],
            )
        return int(cursor.rowcount)


def _write_file(
    kind: str,
    envelope: dcl.Envelope,
    parties: tuple[dcl.Submitter, dcl.Receiver, dcl.BillingProvider],
    written: list[tuple[Claim, dcl.Claim]],
) -> tuple[str, list[Claim]]:
    """The file's 837 text, and the claims the writer refused (each with its problem): the
    whole file is written once; only when the writer refuses it is each claim written alone to
    find which, so that one bad claim does not spoil the file."""
    write = dcl.write_837i if kind == ClaimKind.INSTITUTIONAL else dcl.write_837p

    def text_of(items: list[tuple[Claim, dcl.Claim]], env: dcl.Envelope) -> str:
        return write(dcl.ClaimBatch(env, *parties, tuple(data for _, data in items)))

    if not written:
        return "", []
    try:
        return text_of(written, envelope), []
    except dcl.ClaimDataError:
        pass
    refused: list[Claim] = []
    for claim, data in written:
        try:
            text_of([(claim, data)], _envelope(1, "CHECK"))
        except dcl.ClaimDataError as exc:
            claim.problems = [
                {"claim": claim.control_number, "message": f"The claim cannot be written: {exc}"}
            ]
            refused.append(claim)
    kept = [(claim, data) for claim, data in written if claim not in refused]
    try:
        return (text_of(kept, envelope) if kept else ""), refused
    except dcl.ClaimDataError as exc:  # the file as a whole, not one claim
        for claim, _ in kept:
            claim.problems = [
                {"claim": claim.control_number, "message": f"The file cannot be written: {exc}"}
            ]
        return "", [*refused, *(claim for claim, _ in kept)]


CHECK_FAILED = (
    "The claim file could not be checked, so its claims cannot be sent. Withdraw these claims "
    "and build them again; if it happens again, tell your administrator."
)


def claim_file_check(*, claim_file_id: int) -> ClaimFile | None:
    """Check one claim file that is being checked against the 837 guide (`dcl.validate`, the
    slow part, outside any transaction when called by the task) and record the outcome: a
    claim of the file is ready, or a draft with the problems found in its part of the file and
    those of the envelope (which concern every claim of the file); the file is ready when it
    has claims and no problems. Idempotent: a file no longer being checked is left as it is
    (None is returned)."""
    text = (
        ClaimFile.objects.filter(pk=claim_file_id, status=ClaimStatus.CHECKING)
        .values_list("text", flat=True)
        .first()
    )
    if text is None:
        return None
    problems = [_problem_dict(p) for p in dcl.validate(text)] if text else []
    return _claim_file_checked(claim_file_id=claim_file_id, text=text, problems=problems)


@service
def _claim_file_checked(
    *, claim_file_id: int, text: str, problems: list[dict[str, Any]]
) -> ClaimFile | None:
    claim_file = (
        ClaimFile.objects.select_for_update()
        .filter(pk=claim_file_id, status=ClaimStatus.CHECKING)
        .first()
    )
    if claim_file is None:
        return None
    envelope = [p for p in problems if p["claim"] is None]
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in problems:
        if p["claim"] is not None:
            mine[p["claim"]].append(p)
    now = timezone.now()
    changed: list[Claim] = []
    events: list[ClaimEvent] = []
    ready = 0
    for claim in claim_file.claims.select_for_update().filter(
        status__in=(ClaimStatus.CHECKING, ClaimStatus.DRAFT)
    ):
        found = [*mine.get(claim.control_number, []), *envelope]
        if found:
            claim.problems = [*claim.problems, *found]
            changed.append(claim)
        if claim.status == ClaimStatus.CHECKING:
            to = ClaimStatus.DRAFT if claim.problems else ClaimStatus.READY
            ready += to == ClaimStatus.READY
            events.append(_check_event(claim, to, now))
            claim.status = to
    Claim.objects.bulk_update(changed, ["problems", "status"])
    # The claims still being checked are those without problems.
    Claim.objects.filter(claim_file=claim_file, status=ClaimStatus.CHECKING).update(
        status=ClaimStatus.READY
    )
    ClaimEvent.objects.bulk_create(events)
    claim_file.problems = problems
    claim_file.status = ClaimStatus.READY if text and not problems else ClaimStatus.DRAFT
    claim_file.save(update_fields=["problems", "status"])
    audit.record(
        actor=None,
        action=AuditAction.CHANGE,
        obj=claim_file,
        fields=["status", "problems"],
        organization_id=claim_file.organization_id,
        detail=(
            f"claim file checked: {ready} claims ready, {len(events) - ready} need fixing, "
            f"{len(problems)} problems in the file"
        ),
    )
    return claim_file


def _check_event(claim: Claim, to: str, at: datetime) -> ClaimEvent:
    return ClaimEvent(
        claim=claim,
        from_status=ClaimStatus.CHECKING,
        to_status=to,
        source=ClaimEventSource.BUILD,
        note="The check found no problems."
        if to == ClaimStatus.READY
        else "The check found problems in the claim or its file.",
        at=at,
    )


@service
def claim_file_check_give_up(*, claim_file_id: int) -> ClaimFile | None:
    """The check could not run (its last attempt failed): the file and its claims being
    checked become drafts with a problem that says so. Ignored unless the file is still being
    checked."""
    claim_file = (
        ClaimFile.objects.select_for_update()
        .filter(pk=claim_file_id, status=ClaimStatus.CHECKING)
        .first()
    )
    if claim_file is None:
        return None
    now = timezone.now()
    problem = {"claim": None, "segment": "", "position": 0, "element": "", "message": CHECK_FAILED}
    claims = list(claim_file.claims.select_for_update().filter(status=ClaimStatus.CHECKING))
    for claim in claims:
        claim.problems = [*claim.problems, problem]
        claim.status = ClaimStatus.DRAFT
    Claim.objects.bulk_update(claims, ["problems", "status"])
    ClaimEvent.objects.bulk_create(
        [
            ClaimEvent(
                claim=claim,
                from_status=ClaimStatus.CHECKING,
                to_status=ClaimStatus.DRAFT,
                source=ClaimEventSource.BUILD,
                note="The check could not run.",
                at=now,
            )
            for claim in claims
        ]
    )
    claim_file.problems = [*claim_file.problems, problem]
    claim_file.status = ClaimStatus.DRAFT
    claim_file.save(update_fields=["problems", "status"])
    audit.record(
        actor=None,
        action=AuditAction.CHANGE,
        obj=claim_file,
        fields=["status", "problems"],
        organization_id=claim_file.organization_id,
        detail=f"claim file check gave up: {len(claims)} claims need building again",
    )
    return claim_file


PAID_STATUS = frozenset({"1", "2", "3", "19", "20", "21"})
POSTABLE = frozenset(
    {
        ClaimStatus.READY,
        ClaimStatus.SUBMITTED,
        ClaimStatus.ACCEPTED,
        ClaimStatus.APPEALED,
        ClaimStatus.DENIED,
        ClaimStatus.PAID,
    }
)
DENIED_STATUS = "4"


@service
def post_remittance(
    *,
    actor: User,
    text: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Remittance:
    """Import one 835: every claim in it must be one of ours, and the file must be valid and
    balance; otherwise nothing is posted and every reason is given. Each claim gets its payment
    and adjustments; a claim paid nothing, or denied (CLP02 4), is denied, otherwise paid."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.remittance",
        signed_in=signed_in,
    )
    org_id = access.organization_id(actor)
    try:
        parsed = dcl.parse_835(text)
    except dcl.RemittanceError as exc:
        raise ValidationError(
            {"file": [f"The file cannot be read: {p}" for p in exc.problems]}
        ) from exc
    except (IndexError, ValueError) as exc:
        raise ValidationError({"file": f"The file cannot be read: {exc}"}) from exc
    if not parsed.claims:
        raise ValidationError({"file": "The file pays no claims."})
    ids = [c.claim_id for c in parsed.claims]
    claims = {
        c.control_number: c
        for c in Claim.objects.select_for_update().filter(
            organization_id=org_id,
            control_number__in=ids,
            patient_id__in=Patient.objects.filter(access.membership_patients_filter(actor)).values(
                "pk"
            ),
        )
    }
    errors = [f"Claim {cid} in the file is not one of ours." for cid in ids if cid not in claims]
    errors += [
        f"Claim {cid} appears more than once in the file."
        for cid in sorted(set(ids))
        if ids.count(cid) > 1
    ]
    for paid in parsed.claims:
        claim = claims.get(paid.claim_id)
        if claim is not None and paid.charge != claim.total:
            errors.append(
                f"Claim {paid.claim_id}: the file's charge {paid.charge} is not the claim's "
                f"total {claim.total}."
            )
    for cid, claim in sorted(claims.items()):
        if claim.status not in POSTABLE:
            errors.append(
                f"Claim {cid} is {claim.get_status_display().lower()}; "
                "only a claim that was built without problems and sent can be paid or denied."
            )
    if Remittance.objects.filter(organization_id=org_id, trace_number=parsed.trace_number).exists():
        errors.append(f"This payment ({parsed.trace_number}) has already been posted.")
    if errors:
        raise ValidationError({"file": errors})
    remittance = Remittance.objects.create(
        organization_id=org_id,
        trace_number=parsed.trace_number,
        payment_date=parsed.payment_date,
        payment=parsed.payment,
        provider_adjustments=parsed.provider_adjustments,
        text=text,
        posted_by=actor,
        posted_at=timezone.now(),
    )
    for paid in parsed.claims:
        claim = claims[paid.claim_id]
        payment = Payment.objects.create(
            remittance=remittance,
            claim=claim,
            status_code=paid.status,
            charge=paid.charge,
            paid=paid.paid,
            patient_responsibility=paid.patient_responsibility,
            payer_claim_number=paid.payer_claim_number,
        )
        rows = [
            Adjustment(payment=payment, group=a.group, reason=a.reason, amount=a.amount)
            for a in paid.adjustments
        ]
        for line in paid.lines:
            rows += [
                Adjustment(
                    payment=payment,
                    group=a.group,
                    reason=a.reason,
                    amount=a.amount,
                    remarks=",".join(line.remarks)[:100],
                    procedure_code=line.procedure_code[:5],
                    service_date=line.service_date,
                )
                for a in line.adjustments
            ]
        Adjustment.objects.bulk_create(rows)
        pr = sum((a.amount for a in paid.all_adjustments if a.group == "PR"), Decimal("0"))
        claim.paid += paid.paid
        claim.patient_responsibility += pr
        claim.save(update_fields=["paid", "patient_responsibility"])
        denied = paid.status == DENIED_STATUS or (paid.paid == 0 and pr == 0)
        claim_status.move(
            claim,
            ClaimStatus.DENIED if denied else ClaimStatus.PAID,
            claim_status.Source.REMITTANCE,
            actor=actor,
            at=remittance.posted_at,
            note=f"payment {parsed.trace_number} of {parsed.payment_date.isoformat()}",
            codes=",".join(sorted({f"{a.group}-{a.reason}" for a in paid.all_adjustments})),
        )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=remittance,
        request=request,
        organization_id=org_id,
        detail=f"835 posted: {len(parsed.claims)} claims, payment {parsed.payment}",
    )
    return remittance
