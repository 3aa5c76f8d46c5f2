"""Billing writes: coverage, certifications and charge generation (one `@service` each)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import (
    Certification,
    Charge,
    ChargeStatus,
    Coverage,
    Payer,
    ProgramBilling,
    Relationship,
)
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.delivery.hours import monday_of, week_compliance
from openiop.delivery.models import Note, NoteKind, NoteSection, NoteStatus
from openiop.domain.billing import charges as dch
from openiop.domain.billing.coverage import current_on
from openiop.patients.models import Enrollment, Patient

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


@service
def coverage_add(
    *,
    actor: User,
    patient: Patient,
    rank: int,
    self_pay: bool,
    payer: Payer | None,
    member_id: str,
    subscriber_name: str,
    relationship: str,
    eligibility_checked_on: date | None,
    guarantor_name: str,
    request: HttpRequest | None = None,
) -> Coverage:
    """Add one coverage of a patient at a billing rank."""
    policy.require(actor, Action.BILLING_MANAGE, request=request, patient=patient, obj=patient)
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
    if relationship not in Relationship.values:
        errors["relationship"] = "Choose the subscriber's relationship to the patient."
    if eligibility_checked_on is not None and eligibility_checked_on > timezone.localdate():
        errors["eligibility_checked_on"] = "The eligibility check cannot be in the future."
    if errors:
        raise ValidationError(errors)
    coverage = Coverage.objects.create(
        patient=patient,
        rank=rank,
        self_pay=self_pay,
        payer=payer,
        member_id=member_id.strip(),
        subscriber_name=subscriber_name.strip(),
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


def _signed_note_days(patient_ids: list[int], first: date, last: date) -> set[tuple[int, date]]:
    individual = Note.objects.filter(
        kind=NoteKind.INDIVIDUAL,
        status=NoteStatus.SIGNED,
        patient_id__in=patient_ids,
        service_date__range=(first, last),
    ).values_list("patient_id", "service_date")
    group = NoteSection.objects.filter(
        note__kind=NoteKind.GROUP,
        note__status=NoteStatus.SIGNED,
        patient_id__in=patient_ids,
        note__service_date__range=(first, last),
    ).values_list("patient_id", "note__service_date")
    return {(pid, day) for pid, day in [*individual, *group]}


_FIELDS = ("status", "code", "revenue_code", "condition_codes", "place_of_service", "minutes")


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
        .values_list("patient_id", "track__kind", "track__program_id")
    ):
        kinds[pid].add(kind)
        programs[pid].add(program)
    codes = {
        row.program_id: row.discrete_code
        for row in ProgramBilling.objects.filter(
            program_id__in={p for ps in programs.values() for p in ps}
        )
    }
    primary: dict[int, Coverage] = {}
    for found in Coverage.objects.filter(patient_id__in=patient_ids).select_related("payer"):
        if found.patient_id not in primary or found.rank < primary[found.patient_id].rank:
            primary[found.patient_id] = found
    certs: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for pid, a, b in Certification.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "certified_on", "recertify_by"
    ):
        certs[pid].append((a, b))
    signed = _signed_note_days(patient_ids, first_day, last_day)
    existing: dict[tuple[int, date], list[Charge]] = defaultdict(list)
    for charge in Charge.objects.filter(
        patient_id__in=patient_ids, service_date__range=(first_day, last_day)
    ):
        existing[(charge.patient_id, charge.service_date)].append(charge)

    now = timezone.now()
    new: list[Charge] = []
    changed: list[Charge] = []
    unchanged = held = 0
    for (pid, day), mins in sorted(minutes.items()):
        coverage = primary.get(pid)
        rule, week_ok = rules[(pid, day)]
        discrete = next((codes[p] for p in sorted(programs[pid]) if codes.get(p)), "")
        decision = dch.decide(
            dch.PatientDay(
                day=day,
                minutes=mins,
                signed_note=(pid, day) in signed,
                track_kinds=frozenset(kinds[pid]),
                payer=payer_terms(coverage.payer) if coverage and coverage.payer else None,
                self_pay=bool(coverage and coverage.self_pay),
                certification_current=current_on(certs[pid], day),
                discrete_code=discrete,
                rule=rule,
                week_condition_met=week_ok,
            )
        )
        held += decision.outcome is dch.Outcome.HELD
        values = {
            "status": str(decision.outcome),
            "code": decision.code,
            "revenue_code": decision.revenue_code,
            "condition_codes": ",".join(decision.condition_codes),
            "place_of_service": decision.place_of_service,
            "minutes": mins,
            "payer_id": coverage.payer_id if coverage else None,
            "reason": decision.reason[:500],
        }
        mine = None
        for row in existing[(pid, day)]:
            if row.service == decision.service:
                mine = row
            elif row.status != ChargeStatus.VOID:
                row.status = ChargeStatus.VOID
                row.reason = "Replaced: the day's attendance or notes changed."
                row.generated_at = now
                changed.append(row)
        if mine is None:
            new.append(
                Charge(
                    organization_id=org_id,
                    patient_id=pid,
                    service_date=day,
                    service=str(decision.service),
                    generated_at=now,
                    **values,
                )
            )
        elif any(getattr(mine, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(mine, k, v)
            mine.generated_at = now
            changed.append(mine)
        else:
            unchanged += 1
    Charge.objects.bulk_create(new)
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
