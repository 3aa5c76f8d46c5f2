"""Ready charges with a billing provider, coverage and a diagnosis, for the claim tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from openiop.billing.models import (
    BillingProvider,
    Charge,
    ChargeStatus,
    ClaimType,
    Coverage,
    FilingIndicator,
    Payer,
)
from openiop.care.models import Problem, TreatmentPlan
from openiop.delivery.tests.factories import enrolled_patient
from openiop.patients.models import Enrollment, Patient
from openiop.privacy.models import Consent

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
MON = date(2026, 11, 2)


def provider(org: Any) -> BillingProvider:
    """Fictitious values: NPIs with a valid check digit, not assigned to anyone we know."""
    return BillingProvider.objects.create(
        organization=org,
        name="Example Recovery IOP (test)",
        npi="1234567893",
        tax_id="931234567",
        taxonomy="261QR0405X",
        address="100 Main St",
        city="Portland",
        state="OR",
        zip_code="972041234",
        submitter_id="EXIOP001",
        contact_name="Billing Office",
        contact_phone="5035550100",
        receiver_name="Example Clearinghouse",
        receiver_id="CLEARHOUSE01",
        attending_last_name="Nguyen",
        attending_first_name="Linh",
        attending_npi="1245319599",
        fees={"H0015": "162.50", "S9480": "150.00", "90853": "95.00"},
    )


def payer(org: Any, kind: str, *, medicare: bool = False, pid: str = "P1") -> Payer:
    return Payer.objects.create(
        organization=org,
        name=f"Payer {pid}",
        payer_id=pid,
        claim_type=kind,
        is_medicare=medicare,
        filing_indicator=FilingIndicator.MEDICARE_PART_A
        if medicare
        else FilingIndicator.COMMERCIAL,
    )


def give_tpo_consent(patient: Patient, staff: Any, **fields: Any) -> Consent:
    """The patient's signed consent to disclose for treatment, payment and health care
    operations (42 CFR 2.31(a)(4)(i)): without it no claim goes to a payer."""
    values: dict[str, Any] = {
        "organization_id": patient.organization_id,
        "patient": patient,
        "kind": "tpo",
        "disclosing_party": "Example Recovery IOP",
        "recipient_kind": "health_plan",
        "recipient_name": "treating providers, health plans and payers",
        "purpose": "treatment",
        "data": [
            "attendance",
            "billing",
            "demographics",
            "diagnosis",
            "screenings",
            "treatment_plan",
        ],
        "ends_with_treatment": False,
        "signer_name": f"{patient.first_name} {patient.last_name}",
        "signed_on": date(2026, 10, 1),
        "signature_method": "screen",
        "recorded_by": staff,
        "recorded_at": datetime(2026, 10, 1, 15, 0, tzinfo=UTC),
    }
    values.update(fields)
    return Consent.objects.create(**values)


def patient(world: Any, who: Payer, *, diagnosis: str = "F10.20", consent: bool = True) -> Patient:
    """A billable patient: enrolled, covered by `who`, with a diagnosis and (unless
    `consent=False`) a TPO consent, so that claims may go to the payer."""
    p = enrolled_patient(
        world.track_a1,
        address="12 Oak Ave",
        city="Portland",
        state="OR",
        zip_code="97205",
        sex_at_birth="female",
    )
    Coverage.objects.create(
        patient=p,
        rank=1,
        payer=who,
        member_id="W123456789",
        eligibility_checked_on=MON,
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=NOW,
    )
    if diagnosis:
        plan = TreatmentPlan.objects.create(
            enrollment=Enrollment.objects.get(patient=p),
            patient=p,
            review_on=MON + timedelta(days=30),
            created_by=world.counselor_a1,
            created_at=NOW,
        )
        Problem.objects.create(plan=plan, description="Use disorder", icd10_code=diagnosis)
    if consent:
        give_tpo_consent(p, world.intake_a1)
    return p


def charges(world: Any, p: Patient, who: Payer, days: int = 3, code: str = "H0015") -> None:
    medicare = who.is_medicare
    Charge.objects.bulk_create(
        Charge(
            organization=world.org_a,
            patient=p,
            service_date=MON + timedelta(days=i),
            service="per_diem",
            status=ChargeStatus.READY,
            code=code,
            revenue_code="0906",
            condition_codes="92" if medicare else "",
            place_of_service="57",
            minutes=180,
            payer=who,
            generated_at=NOW,
        )
        for i in range(days)
    )


def post_patient_share(world: Any, claims: Any, *, trace: str, paid_on: date) -> None:
    """The payer's 835 for `claims`: each day of $162.50 paid less $33.33 for the patient
    (PR-1, deductible) and a $10.01 contractual reduction (CO-45)."""
    from openiop.billing import services
    from openiop.billing.remit_text import RemitClaim, RemitLine, write_835

    d = Decimal
    remit = []
    for claim in claims:
        lines = tuple(
            RemitLine(
                ch.service_date,
                ch.code,
                d("162.50"),
                d("162.50") - d("33.33") - d("10.01"),
                (("PR", "1", d("33.33")), ("CO", "45", d("10.01"))),
            )
            for ch in claim.charges.order_by("service_date")
        )
        remit.append(
            RemitClaim(
                claim.control_number,
                "1",
                claim.patient.last_name.upper(),
                claim.patient.first_name.upper(),
                "W123456789",
                lines,
            )
        )
    text = write_835(
        remit,
        trace=trace,
        paid_on=paid_on,
        payer_name="PAYER ACME",
        payee_name="EXAMPLE RECOVERY IOP",
        payee_npi="1234567893",
    )
    services.post_remittance(actor=world.billing_a1, text=text, signed_in=False)


__all__ = ["ClaimType", "Decimal"]
