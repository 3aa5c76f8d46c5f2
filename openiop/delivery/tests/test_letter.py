"""Proof-of-attendance letter: consented items only, logged disclosure, Part 2 notice, and a
SHA-256 digest that verifies the PDF (and fails on a one-byte change)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from openiop.core.models import AuditEvent
from openiop.delivery import letter, services, signing
from openiop.delivery.models import AttendanceStatus, Disclosure
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

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


def make(world: Any, patient: Any, include: list[str], statement: str = "") -> tuple[Any, bytes]:
    return services.disclosure_letter_create(
        actor=world.counselor_a1,
        patient=patient,
        recipient="Acme Logistics HR",
        purpose="Proof of attendance for work schedule",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 8),
        include=include,
        statement=statement,
        consent_given_by="Rosa Linares",
        consent_on=date(2026, 11, 1),
    )


def test_letter_states_dates_and_hours_and_carries_the_part2_notice(
    world: Any, attended: Any
) -> None:
    _, raw = make(world, attended, ["dates", "hours"])
    assert raw.startswith(b"%PDF")
    pdf = text(raw)
    assert letter.PART2_NOTICE.encode("latin-1") in pdf
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
    assert row.consent_given_by == "Rosa Linares" and row.created_by == world.counselor_a1
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
            recipient="",
            purpose="",
            period_start=date(2026, 11, 8),
            period_end=date(2026, 11, 1),
            include=["program", "diagnosis"],
            statement="",
            consent_given_by="",
            consent_on=date(2026, 11, 1),
        )
    errors = exc.value.message_dict
    assert {
        "recipient",
        "purpose",
        "consent_given_by",
        "include",
        "statement",
        "period_end",
    } <= set(errors)
    assert not Disclosure.objects.exists()


def test_billing_cannot_disclose(world: Any, attended: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.disclosure_letter_create(
            actor=world.billing_a1,
            patient=attended,
            recipient="x",
            purpose="y",
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 8),
            include=["dates"],
            statement="",
            consent_given_by="z",
            consent_on=date(2026, 11, 1),
        )
