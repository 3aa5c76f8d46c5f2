"""Billing writes: coverage, certifications and charge generation (one `@service` each)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import (
    Adjustment,
    BillingProvider,
    Certification,
    Charge,
    ChargeStatus,
    Claim,
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
from openiop.delivery.hours import monday_of, week_compliance
from openiop.delivery.models import Note, NoteKind, NoteSection, NoteStatus
from openiop.domain import claims as dcl
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


# Claims (837) and remittances (835).


@dataclass(frozen=True)
class BuildResult:
    files: list[ClaimFile]
    claims: int
    charges: int
    total_billed: Decimal


def claim_kind(payer: Payer) -> str:
    """The payer's claim type; "both" means professional unless the payer is Medicare."""
    if payer.claim_type == ClaimType.BOTH:
        return ClaimKind.INSTITUTIONAL if payer.is_medicare else ClaimKind.PROFESSIONAL
    return str(payer.claim_type)


_SEX = {"female": "F", "male": "M"}


def x12_text(value: str) -> str:
    """Names and addresses on claims: upper case, no X12 separators."""
    return "".join(" " if ch in "~*:^" else ch for ch in value).strip().upper()


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


def _claim_data(
    claim: Claim,
    charges: list[Charge],
    bp: BillingProvider,
    diagnoses: tuple[str, ...],
) -> tuple[dcl.Claim | None, list[str]]:
    """The domain claim, or the reasons it cannot be written (each in words)."""
    patient, coverage, payer = claim.patient, claim.coverage, claim.payer
    problems: list[str] = []
    if coverage.relationship != Relationship.SELF:
        problems.append("The subscriber is not the patient; such claims cannot be written yet.")
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
    lines = tuple(
        dcl.ServiceLine(
            procedure_code=ch.code,
            units=Decimal("1"),
            charge=ch.billed_amount or Decimal("0"),
            service_date=ch.service_date,
            revenue_code=ch.revenue_code if institutional else "",
        )
        for ch in charges
    )
    data = dcl.Claim(
        claim_id=claim.control_number,
        subscriber=dcl.Subscriber(
            last_name=x12_text(patient.last_name),
            first_name=x12_text(patient.first_name),
            member_id=x12_text(coverage.member_id),
            birth_date=patient.date_of_birth,
            sex=_SEX.get(patient.sex_at_birth, "U"),
            address=dcl.Address(
                x12_text(patient.address),
                x12_text(patient.city),
                patient.state.upper(),
                patient.zip_code.replace("-", ""),
            ),
        ),
        payer=dcl.Payer(
            x12_text(payer.name),
            x12_text(payer.payer_id),
            dcl.FilingIndicator(payer.filing_indicator),
        ),
        diagnoses=tuple(d.replace(".", "") for d in diagnoses),
        lines=lines,
        place_of_service=payer.place_of_service,
        facility_type=bp.facility_type,
        condition_codes=tuple(conditions) if institutional else (),
        attending=attending if institutional else None,
    )
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
) -> BuildResult:
    """Claims from the ready charges of `first_day` to `last_day` not yet on a claim: one claim
    per patient, payer and claim type, one 837 file per payer and claim type. Every file is
    checked with `openiop.domain.claims.validate`; a claim whose data is incomplete, or whose
    file has problems, stays a draft with its problems; the others are ready."""
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
    charges = list(
        Charge.objects.select_for_update()
        .filter(
            organization_id=org_id,
            status=ChargeStatus.READY,
            claim__isnull=True,
            payer__isnull=False,
            service_date__range=(first_day, last_day),
            patient_id__in=Patient.objects.filter(access.membership_patients_filter(actor)).values(
                "pk"
            ),
        )
        .order_by("patient_id", "service_date", "id")
    )
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
    groups: dict[tuple[int, str], dict[int, list[Charge]]] = defaultdict(lambda: defaultdict(list))
    for ch in charges:
        ch.billed_amount = fees[ch.code]
        payer = payers[ch.payer_id]  # type: ignore[index]
        if (ch.patient_id, payer.pk) not in coverages:
            continue  # coverage removed since the charge was generated: left for the next run
        groups[(payer.pk, claim_kind(payer))][ch.patient_id].append(ch)
    now = timezone.now()
    files: list[ClaimFile] = []
    n_claims = n_charges = 0
    total = Decimal("0")
    submitter, receiver, provider = _provider(bp)
    for (payer_id, kind), by_patient in sorted(groups.items()):
        payer = payers[payer_id]
        claim_file = ClaimFile.objects.create(
            organization_id=org_id,
            payer=payer,
            kind=kind,
            first_day=first_day,
            last_day=last_day,
            status=ClaimStatus.DRAFT,
            created_by=actor,
            created_at=now,
        )
        written: list[dcl.Claim] = []
        claims: list[Claim] = []
        for pid, rows in sorted(by_patient.items()):
            claim = Claim.objects.create(
                organization_id=org_id,
                claim_file=claim_file,
                patient=patients[pid],
                payer=payer,
                coverage=coverages[(pid, payer_id)],
                kind=kind,
                first_day=min(r.service_date for r in rows),
                last_day=max(r.service_date for r in rows),
                status=ClaimStatus.DRAFT,
                total=sum((r.billed_amount or Decimal("0") for r in rows), Decimal("0")),
                control_number=f"T{uuid.uuid4().hex[:18]}",
                created_at=now,
            )
            claim.control_number = f"OI{org_id}-{claim.pk:07d}"
            data, reasons = _claim_data(claim, rows, bp, diagnoses.get(pid, ()))
            claim.problems = [{"claim": claim.control_number, "message": r} for r in reasons]
            if data is not None:
                written.append(data)
            claims.append(claim)
            ids = [r.pk for r in rows]
            moved = Charge.objects.filter(pk__in=ids, claim__isnull=True).update(claim=claim)
            if moved != len(ids):
                raise ValidationError({"__all__": "Charges changed meanwhile; build again."})
            Charge.objects.bulk_update(rows, ["billed_amount"])
            n_claims += 1
            n_charges += len(rows)
            total += claim.total
        file_problems: list[dict[str, Any]] = []
        if written:
            batch = dcl.ClaimBatch(
                _envelope(claim_file.pk, f"OI{claim_file.pk}", bp.production),
                submitter,
                receiver,
                provider,
                tuple(written),
            )
            text = (
                dcl.write_837i(batch) if kind == ClaimKind.INSTITUTIONAL else dcl.write_837p(batch)
            )
            claim_file.text = text
            file_problems = [_problem_dict(p) for p in dcl.validate(text)]
        in_file = {c.claim_id for c in written}
        for claim in claims:
            mine = [p for p in file_problems if p["claim"] == claim.control_number]
            envelope = [p for p in file_problems if p["claim"] is None]
            claim.problems = [*claim.problems, *mine, *envelope]
            if claim.control_number in in_file and not claim.problems:
                claim.status = ClaimStatus.READY
        Claim.objects.bulk_update(claims, ["control_number", "problems", "status"])
        claim_file.problems = file_problems
        claim_file.status = (
            ClaimStatus.READY if written and not file_problems else ClaimStatus.DRAFT
        )
        claim_file.save(update_fields=["text", "problems", "status"])
        files.append(claim_file)
    result = BuildResult(files, n_claims, n_charges, total)
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        object_type="billing.claim",
        request=request,
        organization_id=org_id,
        detail=(
            f"claims built for {first_day.isoformat()} to {last_day.isoformat()}: "
            f"{n_claims} claims, {n_charges} charges, {len(files)} files"
        ),
    )
    return result


PAID_STATUS = frozenset({"1", "2", "3", "19", "20", "21"})
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
        denied = paid.status == DENIED_STATUS or (paid.paid == 0 and pr == 0)
        claim.status = ClaimStatus.DENIED if denied else ClaimStatus.PAID
        claim.save(update_fields=["paid", "patient_responsibility", "status"])
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=remittance,
        request=request,
        organization_id=org_id,
        detail=f"835 posted: {len(parsed.claims)} claims, payment {parsed.payment}",
    )
    return remittance
