"""Claims for a patient who is not the subscriber (loop 2000C) and claims to a secondary payer
(loops 2320, 2330A, 2330B and 2430), both checked against the guide maps with pyx12."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from openiop.domain.claims import (
    AdjustmentGroup,
    CasAdjustment,
    Claim,
    ClaimBatch,
    ClaimDataError,
    LineAdjudication,
    OtherCoverage,
    Patient,
    PatientRelationship,
    Payer,
    Subscriber,
    validate,
    write_837i,
    write_837p,
)
from openiop.domain.claims.model import Address, FilingIndicator
from openiop.domain.claims.tests.batches import (
    ATTENDING,
    BILLING,
    COMMERCIAL,
    ENVELOPE,
    IOP_DAYS,
    RECEIVER,
    SUBMITTER,
    per_diem,
)

D = Decimal
PARENT = Subscriber("GARCIA", "MARIA", "XJH442100")
TEEN = Patient(
    "GARCIA", "LUIS", dt.date(2010, 7, 19), "M",
    Address("8 PINE CT", "PORTLAND", "OR", "97211"), PatientRelationship.CHILD,
)  # fmt: skip
SECONDARY = Payer("STATE MEDICAID", "SKOR0", FilingIndicator.MEDICAID)
ADJUDICATED = dt.date(2026, 3, 30)


def _segments(text: str) -> list[str]:
    return [s for s in text.split("~") if s]


def child_claim(claim_id: str, revenue_code: str = "", **kw: object) -> Claim:
    return Claim(
        claim_id=claim_id,
        subscriber=PARENT,
        payer=COMMERCIAL,
        diagnoses=("F12.20",),
        lines=per_diem(IOP_DAYS[:2], D("162.50"), revenue_code=revenue_code),
        patient=TEEN,
        attending=ATTENDING if revenue_code else None,
        **kw,  # type: ignore[arg-type]
    )


def _batch(*claims: Claim) -> ClaimBatch:
    return ClaimBatch(ENVELOPE, SUBMITTER, RECEIVER, BILLING, claims)


@pytest.mark.parametrize(("writer", "revenue"), [(write_837p, ""), (write_837i, "0906")])
def test_child_patient_has_its_own_hierarchical_level(writer, revenue) -> None:  # type: ignore[no-untyped-def]
    text = writer(_batch(child_claim("IOP-2026-0201", revenue)))
    segs = _segments(text)
    assert validate(text) == []
    i = segs.index("HL*2*1*22*1")
    # subscriber: SBR02 empty, name and member id only (no N3/N4/DMG in 2010BA)
    assert segs[i + 1] == "SBR*P********CI"
    assert segs[i + 2] == "NM1*IL*1*GARCIA*MARIA****MI*XJH442100"
    assert segs[i + 3].startswith("NM1*PR*2*ACME HEALTH PLAN")
    # patient level: child of the subscriber HL, PAT01 19, 2010CA name, address, DMG
    assert segs[i + 4 : i + 10] == [
        "HL*3*2*23*0",
        "PAT*19",
        "NM1*QC*1*GARCIA*LUIS",
        "N3*8 PINE CT",
        "N4*PORTLAND*OR*97211",
        "DMG*D8*20100719*M",
    ]
    assert segs[i + 10].startswith("CLM*IOP-2026-0201*")


def test_self_and_child_claims_in_one_file_number_their_levels_in_order() -> None:
    from openiop.domain.claims.tests.batches import professional_batch

    own = professional_batch().claims
    text = write_837p(_batch(own[0], child_claim("IOP-2026-0202"), own[1]))
    assert validate(text) == []
    hls = [s for s in _segments(text) if s.startswith("HL*")]
    assert hls == ["HL*1**20*1", "HL*2*1*22*0", "HL*3*1*22*1", "HL*4*3*23*0", "HL*5*1*22*0"]
    # a subscriber who is the patient keeps SBR02 = 18 and its address and DMG
    assert "SBR*P*18*******CI" in text
    assert "DMG*D8*19880514*F" in text


@pytest.mark.parametrize("relationship", [PatientRelationship.SPOUSE, PatientRelationship.OTHER])
def test_spouse_and_other_relationship_codes(relationship: PatientRelationship) -> None:
    patient = dataclasses.replace(TEEN, relationship=relationship)
    claim = dataclasses.replace(child_claim("IOP-2026-0203"), patient=patient)
    text = write_837p(_batch(claim))
    assert f"PAT*{relationship.value}~" in text
    assert validate(text) == []


def test_subscriber_who_is_the_patient_needs_address_and_birth_date() -> None:
    claim = dataclasses.replace(child_claim("IOP-2026-0204"), patient=None)
    with pytest.raises(ClaimDataError, match="address"):
        write_837p(_batch(claim))


def _primary(paid: D, *line_cas: tuple[CasAdjustment, ...], claim_cas=()) -> OtherCoverage:  # type: ignore[no-untyped-def]
    return OtherCoverage(
        payer=COMMERCIAL,
        subscriber_last_name="GARCIA",
        subscriber_first_name="MARIA",
        member_id="XJH442100",
        relationship="19",
        paid=paid,
        adjudicated_on=ADJUDICATED,
        adjustments=tuple(claim_cas),
    )


def secondary_claim(revenue: str = "") -> Claim:
    """The teen's two days, paid in part by the parent's commercial plan, now to Medicaid."""
    co = CasAdjustment(AdjustmentGroup.CONTRACTUAL, "45", D("22.50"))
    pr = CasAdjustment(AdjustmentGroup.PATIENT, "2", D("28.00"))
    lines = tuple(
        dataclasses.replace(
            line,
            adjudications=(
                LineAdjudication("60054", D("112.00"), ADJUDICATED, adjustments=(co, pr)),
            ),
        )
        for line in per_diem(IOP_DAYS[:2], D("162.50"), revenue_code=revenue)
    )
    return Claim(
        claim_id="IOP-2026-0301",
        subscriber=Subscriber("GARCIA", "LUIS", "MCD0099887"),
        payer=SECONDARY,
        diagnoses=("F12.20",),
        lines=lines,
        patient=TEEN,
        attending=ATTENDING if revenue else None,
        responsibility="S",
        other_coverages=(_primary(D("224.00")),),
    )


@pytest.mark.parametrize(("writer", "revenue"), [(write_837p, ""), (write_837i, "0906")])
def test_secondary_claim_carries_the_primary_payment(writer, revenue) -> None:  # type: ignore[no-untyped-def]
    text = writer(_batch(secondary_claim(revenue)))
    assert validate(text) == []
    segs = _segments(text)
    assert "SBR*S********MC" in segs
    i = segs.index("SBR*P*19*******CI")  # 2320: the primary payer, patient is the child
    assert segs[i : i + 5] == [
        "SBR*P*19*******CI",
        "AMT*D*224",
        "OI***Y***Y",
        "NM1*IL*1*GARCIA*MARIA****MI*XJH442100",
        "NM1*PR*2*ACME HEALTH PLAN*****PI*60054",
    ]
    assert segs[i + 5] == "DTP*573*D8*20260330"
    svd = "SVD*60054*112*HC:H0015**1" if not revenue else "SVD*60054*112*HC:H0015*0906*1"
    assert segs.count(svd) == 2
    j = segs.index(svd)
    assert segs[j + 1 : j + 4] == ["CAS*CO*45*22.5", "CAS*PR*2*28", "DTP*573*D8*20260330"]
    # line balance: charge = paid + adjustments
    assert D("162.50") == D("112") + D("22.50") + D("28")


def test_claim_level_adjustments_group_reasons_per_group_code() -> None:
    claim = secondary_claim()
    cas = (
        CasAdjustment(AdjustmentGroup.CONTRACTUAL, "45", D("10")),
        CasAdjustment(AdjustmentGroup.PATIENT, "1", D("5")),
        CasAdjustment(AdjustmentGroup.CONTRACTUAL, "253", D("1.25")),
    )
    oc = dataclasses.replace(claim.other_coverages[0], adjustments=cas)
    text = write_837p(_batch(dataclasses.replace(claim, other_coverages=(oc,))))
    assert "SBR*P*19*******CI~CAS*CO*45*10**253*1.25~CAS*PR*1*5~AMT*D*224~" in text
    assert validate(text) == []


def test_line_adjudication_must_name_an_other_payer() -> None:
    claim = secondary_claim()
    oc = dataclasses.replace(claim.other_coverages[0], payer=SECONDARY)
    with pytest.raises(ClaimDataError, match="not among the other payers"):
        write_837p(_batch(dataclasses.replace(claim, other_coverages=(oc,), responsibility="T")))


def test_other_payer_needs_a_different_responsibility() -> None:
    claim = dataclasses.replace(secondary_claim(), responsibility="P")
    with pytest.raises(ClaimDataError, match="responsibility"):
        write_837p(_batch(claim))
