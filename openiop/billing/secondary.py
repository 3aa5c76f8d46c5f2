"""Claims to a secondary payer (coordination of benefits).

When the primary payer has paid a claim (in full or in part, posted from its 835) and the
patient has a coverage of the next billing order with a payer, billing staff build the claim to
that payer: the same charges and days, this payer's SBR01 "S", and what the primary payer did
in the other-subscriber loops (2320 SBR01 "P", CAS claim adjustments, AMT*D paid amount; 2330A
the primary subscriber; 2330B the primary payer and its adjudication date) and, on each line,
loop 2430 (SVD paid amount, CAS line adjustments, DTP*573). The segments are written by
`openiop.domain.claims.writer` (sources there: ASC X12N 005010X222A1 / 005010X223A2 loops 2320,
2330A, 2330B, 2430).

A line's paid amount is its charge less the primary payer's adjustments of that line (the 835
balances each service line: charge = paid + adjustments). The claim is checked like any other
(pyx12, `openiop.domain.claims.validate`) and also for the balance the secondary payer checks:
the lines' paid amounts less the claim-level adjustments equal the primary payer's paid amount.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing import claim_status
from openiop.billing.models import (
    Adjustment,
    BillingProvider,
    Charge,
    Claim,
    ClaimFile,
    ClaimKind,
    ClaimStatus,
    Coverage,
    Payment,
    Relationship,
)
from openiop.billing.services import (
    _PAT01,
    _claim_data,
    _diagnoses,
    _envelope,
    _problem_dict,
    _provider,
    claim_kind,
    x12_text,
)
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain import claims as dcl
from openiop.privacy import gate

ZERO = Decimal("0")


def next_coverage(claim: Claim) -> Coverage | None:
    """The patient's coverage after the claim's own, in billing order, with a payer."""
    return (
        Coverage.objects.filter(
            patient_id=claim.patient_id,
            rank__gt=claim.coverage.rank,
            self_pay=False,
            payer__isnull=False,
        )
        .select_related("payer")
        .order_by("rank")
        .first()
    )


def _cas(rows: list[Adjustment]) -> tuple[dcl.CasAdjustment, ...]:
    return tuple(
        dcl.CasAdjustment(dcl.AdjustmentGroup(a.group), a.reason, a.amount)
        for a in rows
        if a.amount != 0
    )


def _other_coverage(primary: Claim, payments: list[Payment]) -> dcl.OtherCoverage:
    coverage, patient, payer = primary.coverage, primary.patient, primary.payer
    if coverage.relationship == Relationship.SELF:
        last, first, relationship = patient.last_name, patient.first_name, "18"
    else:
        last, first = coverage.subscriber_last_name, coverage.subscriber_first_name
        relationship = _PAT01[coverage.relationship].value
    claim_level = [a for p in payments for a in p.adjustments.all() if not a.procedure_code]
    return dcl.OtherCoverage(
        payer=dcl.Payer(
            x12_text(payer.name),
            x12_text(payer.payer_id),
            dcl.FilingIndicator(payer.filing_indicator),
        ),
        subscriber_last_name=x12_text(last),
        subscriber_first_name=x12_text(first),
        member_id=x12_text(coverage.member_id),
        relationship=relationship,
        paid=sum((p.paid for p in payments), ZERO),
        adjudicated_on=max(p.remittance.payment_date for p in payments),
        adjustments=_cas(claim_level),
        responsibility="P",
    )


def _line_adjudications(
    charges: list[Charge], payments: list[Payment], payer_id: str
) -> list[dcl.LineAdjudication]:
    """Loop 2430 of each charge: its paid amount (charge less its adjustments) and adjustments.

    The 835 names a line by procedure code and service date; when two charges share both, the
    line's adjustments go to the first of them."""
    by_line: dict[tuple[str, object], list[Adjustment]] = defaultdict(list)
    for p in payments:
        for a in p.adjustments.all():
            if a.procedure_code:
                by_line[(a.procedure_code, a.service_date)].append(a)
    adjudicated_on = max(p.remittance.payment_date for p in payments)
    out = []
    for ch in charges:
        rows = by_line.pop((ch.code[:5], ch.service_date), [])
        charge = ch.billed_amount or ZERO
        paid = charge - sum((a.amount for a in rows), ZERO)
        out.append(dcl.LineAdjudication(payer_id, paid, adjudicated_on, _cas(rows)))
    return out


def _refuse(message: str) -> ValidationError:
    return ValidationError({"__all__": message})


@service
def build_secondary_claim(
    *,
    actor: User,
    claim_id: int,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Claim:
    """Build the claim to the secondary payer of a claim the primary payer has paid, with one
    claim file holding it. The new claim is ready, or a draft with its problems."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.claim",
        signed_in=signed_in,
    )
    primary = (
        claim_status.scoped_claims(actor)
        .select_for_update()
        .select_related("patient", "payer", "coverage")
        .filter(pk=claim_id)
        .first()
    )
    if primary is None:
        # refused inside the transaction: an audited refusal that survives its rollback
        raise policy.refuse(
            actor,
            "This claim is outside your organization or your sites.",
            request=request,
            object_type="billing.claim",
            object_id=str(claim_id)[:64],
            detail="secondary claim refused: claim outside the user's scope, or unknown",
        )
    if primary.primary_claim_id is not None:
        raise _refuse("This claim already goes to a secondary payer; a third payer is not billed.")
    if primary.status != ClaimStatus.PAID:
        raise _refuse(
            "The claim to the secondary payer can be built only after the primary payer has "
            f"paid this claim (it is now: {primary.get_status_display().lower()})."
        )
    if Claim.objects.filter(primary_claim=primary).exclude(status=ClaimStatus.VOID).exists():
        raise _refuse("The claim to the secondary payer has already been built.")
    secondary = next_coverage(primary)
    if secondary is None or secondary.payer is None:
        raise _refuse("The patient has no secondary coverage with a payer to bill.")
    payments = list(
        Payment.objects.filter(claim=primary)
        .select_related("remittance")
        .prefetch_related("adjustments")
        .order_by("remittance__payment_date", "pk")
    )
    charges = list(Charge.objects.filter(claim=primary).order_by("service_date", "id"))
    has_lines = any(a.procedure_code for p in payments for a in p.adjustments.all())
    if not payments or not charges or (not has_lines and primary.paid != primary.total):
        raise _refuse(
            "The primary payer's payment of this claim has no service lines to pass on; "
            "post its payment file (835) first."
        )
    org_id = primary.organization_id
    bp = BillingProvider.objects.filter(organization_id=org_id).first()
    if bp is None:
        raise _refuse("Set up the billing provider (NPI, tax id, address) before building claims.")
    payer = secondary.payer
    now = timezone.now()
    # A claim is a disclosure to the payer (42 CFR 2.31): the consent must cover the secondary
    # payer too, with reliance on the claim's days of service.
    known = gate.load([primary.patient_id])[primary.patient_id]
    decision = claim_status.claim_decision(
        known, payer, at=now, first_day=primary.first_day, last_day=primary.last_day
    )
    if not decision.allowed:
        raise gate.refusal(
            primary.patient,
            decision,
            recipient=claim_status.payer_recipient(payer),
            purpose="payment",
            channel="claim",
            actor=actor,
            request=request,
        )
    kind = claim_kind(payer)
    claim = Claim.objects.create(
        organization_id=org_id,
        patient=primary.patient,
        payer=payer,
        coverage=secondary,
        kind=kind,
        first_day=primary.first_day,
        last_day=primary.last_day,
        status=ClaimStatus.DRAFT,
        total=primary.total,
        control_number=f"T{uuid.uuid4().hex[:18]}",
        created_at=now,
        primary_claim=primary,
    )
    claim.control_number = f"OI{org_id}-{claim.pk:07d}"
    if kind == ClaimKind.INSTITUTIONAL:
        # charges built for a professional primary claim have no revenue code: this payer's
        # (in memory only; the charge keeps what its own claim said)
        for ch in charges:
            ch.revenue_code = ch.revenue_code or (payer.revenue_codes or {}).get(ch.code, "")
    diagnoses = _diagnoses([primary.patient_id]).get(primary.patient_id, ())
    data, reasons = _claim_data(claim, charges, bp, diagnoses)
    problems = [{"claim": claim.control_number, "message": r} for r in reasons]
    claim_file = ClaimFile.objects.create(
        organization_id=org_id,
        payer=payer,
        kind=kind,
        first_day=claim.first_day,
        last_day=claim.last_day,
        status=ClaimStatus.DRAFT,
        created_by=actor,
        created_at=now,
    )
    claim.claim_file = claim_file
    if data is not None:
        other = _other_coverage(primary, payments)
        adjudications = _line_adjudications(charges, payments, other.payer.payer_id)
        lines_paid = sum((a.paid for a in adjudications), ZERO)
        claim_adjusted = sum((a.amount for a in other.adjustments), ZERO)
        if lines_paid - claim_adjusted != other.paid:
            problems.append(
                {
                    "claim": claim.control_number,
                    "message": (
                        f"The primary payer's payment ({other.paid}) does not match its service "
                        f"lines ({lines_paid - claim_adjusted}); check the posted payment."
                    ),
                }
            )
        data = dataclasses.replace(
            data,
            responsibility="S",
            other_coverages=(other,),
            lines=tuple(
                dataclasses.replace(line, adjudications=(adj,))
                for line, adj in zip(data.lines, adjudications, strict=True)
            ),
        )
        batch = dcl.ClaimBatch(
            _envelope(claim_file.pk, f"OI{claim_file.pk}", bp.production),
            *_provider(bp),
            (data,),
        )
        try:
            writer = dcl.write_837i if kind == ClaimKind.INSTITUTIONAL else dcl.write_837p
            claim_file.text = writer(batch)
        except dcl.ClaimDataError as exc:
            problems.append(
                {"claim": claim.control_number, "message": f"The claim cannot be written: {exc}"}
            )
        else:
            claim_file.problems = [_problem_dict(p) for p in dcl.validate(claim_file.text)]
            problems += claim_file.problems
    claim.problems = problems
    claim.status = ClaimStatus.READY if claim_file.text and not problems else ClaimStatus.DRAFT
    claim.save(update_fields=["control_number", "claim_file", "problems", "status"])
    claim_file.status = claim.status
    claim_file.save(update_fields=["text", "problems", "status"])
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=primary.patient,
        obj=claim,
        request=request,
        organization_id=org_id,
        detail=f"secondary claim built from claim {primary.pk}: {claim.status}",
    )
    return claim
