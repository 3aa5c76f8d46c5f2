"""Proof-of-attendance letter: made under a recorded consent to a named recipient through the
one disclosure gate, consented items only, logged disclosure, the 42 CFR 2.32 notice and
consent summary, and a SHA-256 digest that verifies the PDF (and fails on a one-byte change)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from openiop.core.models import AuditEvent
from openiop.delivery import letter, services, signing
from openiop.delivery.models import AttendanceStatus, Disclosure
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session
from openiop.privacy import gate
from openiop.privacy.models import Consent
from openiop.privacy.models import Disclosure as Part2Disclosure

NY = ZoneInfo("America/New_York")


@pytest.fixture
def attended(world: Any) -> Any:
    p = enrolled_patient(world.track_a1, first_name="Rosa", last_name="Linares")
    for day, status, check_in in (
        (date(2026, 11, 2), AttendanceStatus.PRESENT, None),
        (date(2026, 11, 4), AttendanceStatus.LATE, time(19, 0)),
        (date(2026, 11, 6), AttendanceStatus.ABSENT_EXCUSED, None),
    ):
        s = group_session(track=world.track_a1, counselor=world.counselor_a1, day=day)
        assign(s, p)
        from openiop.delivery.models import AttendanceRecord

        AttendanceRecord.objects.create(
            session=s,
            patient=p,
            status=status,
            check_in_at=datetime.combine(day, check_in, tzinfo=NY) if check_in else None,
            updated_at=datetime.now(tz=NY),
        )
    return p


def text(pdf: bytes) -> bytes:
    """The PDF's text as written (uncompressed), with literal-string escapes undone."""
    return pdf.replace(b"\\(", b"(").replace(b"\\)", b")")


def words(pdf: bytes) -> str:
    """The PDF's shown text, line pieces joined by a space: a wrapped paragraph reads whole."""
    shown = re.findall(rb"\((.*?)(?<!\\)\) ?Tj", pdf)
    joined = " ".join(p.decode("latin-1") for p in shown)
    joined = joined.replace("\\(", "(").replace("\\)", ")")
    return re.sub(r"\s+", " ", joined)


def named_consent(patient: Any, staff: Any, **kw: Any) -> Consent:
    """The patient's signed consent to tell their employer about their attendance."""
    fields: dict[str, Any] = {
        "organization": patient.organization,
        "patient": patient,
        "kind": "named",
        "disclosing_party": "Evening IOP A1",
        "recipient_kind": "employer",
        "recipient_name": "Acme Logistics HR",
        "purpose": "employment",
        "purpose_detail": "work schedule",
        "data": ["attendance", "demographics", "diagnosis"],
        "ends_with_treatment": True,  # whatever day the suite runs (CI runs it ahead)
        "signer_name": "Rosa Linares",
        "signed_on": date(2026, 11, 1),
        "signature_method": "paper",
        "recorded_by": staff,
        "recorded_at": datetime(2026, 11, 1, 10, 0, tzinfo=NY),
    }
    fields.update(kw)
    return Consent.objects.create(**fields)


def make(
    world: Any,
    patient: Any,
    include: list[str],
    statement: str = "",
    consent: Consent | None = None,
) -> tuple[Any, bytes]:
    if consent is None:
        consent = Consent.objects.filter(patient=patient).first() or named_consent(
            patient, world.intake_a1
        )
    return services.disclosure_letter_create(
        actor=world.counselor_a1,
        patient=patient,
        consent_id=consent.pk,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 8),
        include=include,
        statement=statement,
    )


def test_letter_states_dates_and_hours_and_carries_the_part2_notice(
    world: Any, attended: Any
) -> None:
    _, raw = make(world, attended, ["dates", "hours"])
    assert raw.startswith(b"%PDF")
    pdf = text(raw)
    assert gate.NOTICE in words(raw)
    assert b"2026-11-02 (3 h 00 min)" in pdf and b"2026-11-04 (2 h 00 min)" in pdf
    assert b"2026-11-06" not in pdf  # an absence is not a date attended
    assert b"Total: 5 h 00 min" in pdf
    assert b"Rosa Linares" in pdf


def test_letter_leaves_out_program_type_birth_date_and_diagnosis_unless_ticked(
    world: Any, attended: Any
) -> None:
    pdf = text(make(world, attended, ["dates"])[1])
    assert b"substance use" not in pdf.lower()
    assert b"born" not in pdf and b"1990" not in pdf
    assert b"state:" not in pdf
    assert b"h 00 min" not in pdf  # hours not ticked
    ticked = text(
        make(
            world,
            attended,
            ["dates", "program", "date_of_birth", "diagnosis"],
            "Opioid use disorder, in early remission",
        )[1]
    )
    assert b"substance use" in ticked and b"born 1990-05-17" in ticked
    assert b"Opioid use disorder, in early remission" in ticked


def test_disclosure_is_logged_with_the_digest_and_audited_as_a_print(
    world: Any, attended: Any
) -> None:
    disclosure, pdf = make(world, attended, ["dates", "hours"])
    row = Disclosure.objects.get(pk=disclosure.pk)
    assert row.recipient == "Acme Logistics HR" and row.what == ["dates", "hours"]
    assert row.purpose == "Employment (proof of attendance): work schedule"
    assert row.consent_given_by == "Rosa Linares" and row.consent_on == date(2026, 11, 1)
    assert row.created_by == world.counselor_a1 and row.consent is not None
    assert signing.verify_bytes(pdf, row.digest)
    event = AuditEvent.objects.get(action="print", object_type="delivery.disclosure")
    assert event.patient_id_value == attended.pk and sorted(event.fields) == ["dates", "hours"]


def test_a_one_byte_change_fails_the_digest(world: Any, attended: Any) -> None:
    disclosure, pdf = make(world, attended, ["dates", "hours"])
    flipped = bytearray(pdf)
    flipped[len(flipped) // 2] ^= 0x01
    assert not signing.verify_bytes(bytes(flipped), disclosure.digest)


def test_the_letter_renders_again_to_the_same_bytes(world: Any, attended: Any) -> None:
    disclosure, pdf = make(world, attended, ["dates", "hours"])
    assert letter.render(Disclosure.objects.get(pk=disclosure.pk)) == pdf


def test_bad_letter_requests_name_their_fields_and_save_nothing(world: Any, attended: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.disclosure_letter_create(
            actor=world.counselor_a1,
            patient=attended,
            consent_id=0,
            period_start=date(2026, 11, 8),
            period_end=date(2026, 11, 1),
            include=["program", "diagnosis"],
            statement="",
        )
    errors = exc.value.message_dict
    assert {"consent", "include", "statement", "period_end"} <= set(errors)
    assert not Disclosure.objects.exists() and not Part2Disclosure.objects.exists()


def test_billing_cannot_disclose(world: Any, attended: Any) -> None:
    from django.core.exceptions import PermissionDenied

    consent = named_consent(attended, world.intake_a1)
    with pytest.raises(PermissionDenied):
        services.disclosure_letter_create(
            actor=world.billing_a1,
            patient=attended,
            consent_id=consent.pk,
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 8),
            include=["dates"],
            statement="",
        )


def test_the_pdf_carries_the_full_notice_and_the_consent_summary(world: Any, attended: Any) -> None:
    consent = named_consent(attended, world.intake_a1)
    _, raw = make(world, attended, ["dates"], consent=consent)
    shown = words(raw)
    assert gate.NOTICE in shown and "(42 CFR 2.32)" in shown
    assert gate.consent_summary(consent) in shown
    assert "to Acme Logistics HR, for employment (proof of attendance)" in shown


def test_the_letter_creates_the_gates_disclosure_record(world: Any, attended: Any) -> None:
    consent = named_consent(attended, world.intake_a1)
    letter_row, _ = make(world, attended, ["dates", "hours", "date_of_birth"], consent=consent)
    row = Part2Disclosure.objects.get()
    assert letter_row.part2_disclosure == row and row.consent == consent
    assert row.channel == "letter" and row.purpose == "employment"
    assert row.recipient_kind == "employer" and row.recipient_name == "Acme Logistics HR"
    assert row.data == ["attendance", "demographics"]
    assert row.description == "Proof of attendance 2026-11-01 to 2026-11-08"
    assert row.object_type == "delivery.disclosure" and row.object_id == str(letter_row.pk)
    assert AuditEvent.objects.filter(action="disclose", patient_id_value=attended.pk).count() == 1


def test_a_letter_without_a_named_consent_is_refused(world: Any, attended: Any) -> None:
    # A treatment, payment and operations consent does not cover an employer.
    tpo = named_consent(
        attended,
        world.intake_a1,
        kind="tpo",
        recipient_kind="health_plan",
        recipient_name="health plans",
        purpose="treatment",
        expires_on=None,
    )
    with pytest.raises(ValidationError) as exc:
        make(world, attended, ["dates"], consent=tpo)
    assert "consent" in exc.value.message_dict
    assert not Disclosure.objects.exists() and not Part2Disclosure.objects.exists()


def test_items_the_consent_does_not_cover_are_refused(world: Any, attended: Any) -> None:
    consent = named_consent(attended, world.intake_a1, data=["attendance"])
    with pytest.raises(ValidationError) as exc:
        make(world, attended, ["dates", "diagnosis"], "Opioid use disorder", consent=consent)
    assert "does not cover: diagnoses" in exc.value.message_dict["include"][0]
    assert not Disclosure.objects.exists()


def test_after_revocation_the_letter_is_refused_and_audited(world: Any, attended: Any) -> None:
    consent = named_consent(attended, world.intake_a1)
    consent.revoked_at = datetime(2026, 11, 9, 9, 0, tzinfo=NY)
    consent.revoked_by = world.intake_a1
    consent.revocation_method = "spoken"
    consent.save()
    with pytest.raises(gate.DisclosureRefused, match="revoked on 09 Nov 2026"):
        make(world, attended, ["dates"], consent=consent)
    assert not Disclosure.objects.exists() and not Part2Disclosure.objects.exists()
    [event] = AuditEvent.objects.filter(action="denied", object_type="privacy.disclosure")
    assert event.patient_id_value == attended.pk and event.user_id_value == world.counselor_a1.pk
    assert "letter to Acme Logistics HR" in event.detail
    assert letter.letter_consents(attended) == []
