"""Group and individual notes: sections per attendee, signature, lock, co-signature and
amendments that leave the signed original byte-identical."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD
from openiop.delivery import services, signing
from openiop.delivery.models import (
    AttendanceStatus,
    Note,
    NoteAmendment,
    NoteSection,
    NoteStatus,
)
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)
GROUP = {"topic": "Relapse triggers", "interventions": "CBT chain analysis", "summary": "Good"}
SECTION = {"participation": "active", "response": "Engaged", "progress": "Goal 1 met"}


@pytest.fixture
def attended(world: Any) -> dict[str, Any]:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    patients = [enrolled_patient(world.track_a1, last_name=f"Note{i}") for i in range(3)]
    assign(session, *patients)
    for p in patients:
        services.attendance_check_in(
            actor=world.counselor_a1,
            session=session,
            patient=p,
            at=datetime.combine(DAY, time(18), tzinfo=NY),
        )
    return {"world": world, "session": session, "patients": patients}


def write(ctx: dict[str, Any], sections: dict[int, Any] | None = None) -> Note:
    w, session, patients = ctx["world"], ctx["session"], ctx["patients"]
    return services.group_note_save(
        actor=w.counselor_a1,
        session=session,
        content=GROUP,
        sections=sections or {p.pk: SECTION for p in patients},
    )


def sign(ctx: dict[str, Any], note: Note, user: Any = None) -> Note:
    return services.note_sign(actor=user or ctx["world"].counselor_a1, note=note, password=PASSWORD)


def test_group_note_has_one_section_per_attendee_and_audits_each_patient(
    attended: dict[str, Any],
) -> None:
    note = write(attended)
    assert note.sections.count() == 3
    for p in attended["patients"]:
        assert AuditEvent.objects.filter(
            patient_id_value=p.pk, object_type="delivery.notesection", action="add"
        ).exists()


def test_section_for_someone_who_did_not_attend_is_refused(attended: dict[str, Any]) -> None:
    w = attended["world"]
    with pytest.raises(ValidationError) as exc:
        write(attended, {w.patient_a1.pk: SECTION})
    assert f"s{w.patient_a1.pk}-participation" in exc.value.message_dict
    assert not Note.objects.exists()


def test_signing_needs_the_password_and_every_field(attended: dict[str, Any]) -> None:
    w, patients = attended["world"], attended["patients"]
    note = write(attended, {patients[0].pk: SECTION, patients[1].pk: {"participation": "active"}})
    with pytest.raises(ValidationError) as exc:
        services.note_sign(actor=w.counselor_a1, note=note, password="wrong-password")
    assert "password" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sign(attended, note)
    errors = exc.value.message_dict
    assert "sections" in errors and f"s{patients[1].pk}-response" in errors
    note.refresh_from_db()
    assert note.status == NoteStatus.DRAFT and note.signed_hash == ""


def test_signed_note_stores_signer_time_and_a_sha256_that_verifies(
    attended: dict[str, Any],
) -> None:
    note = sign(attended, write(attended))
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED
    assert note.signed_by == attended["world"].counselor_a1 and note.signed_at is not None
    assert len(note.signed_hash) == 64
    assert signing.stored_note_digest(note) == note.signed_hash


def test_signed_note_cannot_be_changed_through_the_services(attended: dict[str, Any]) -> None:
    w, session, patients = attended["world"], attended["session"], attended["patients"]
    note = sign(attended, write(attended))
    with pytest.raises(PermissionDenied):
        services.group_note_save(
            actor=w.counselor_a1,
            session=session,
            content={**GROUP, "summary": "rewritten"},
            sections={patients[0].pk: SECTION},
        )
    with pytest.raises(PermissionDenied):
        services.note_sign(actor=w.counselor_a1, note=note, password=PASSWORD)
    note.refresh_from_db()
    assert note.content == GROUP and signing.stored_note_digest(note) == note.signed_hash
    assert AuditEvent.objects.filter(action="denied", object_type="delivery.note").exists()


def test_the_database_refuses_to_change_a_signed_note_or_its_sections(
    attended: dict[str, Any],
) -> None:
    note = sign(attended, write(attended))
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(content={"topic": "forged"})
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        NoteSection.objects.filter(note=note).update(content={"response": "forged"})
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        NoteSection.objects.create(note=note, patient=attended["world"].patient_a1, content={})
    note.refresh_from_db()
    assert signing.stored_note_digest(note) == note.signed_hash


def test_trainee_note_waits_for_a_supervisors_cosignature(attended: dict[str, Any]) -> None:
    w = attended["world"]
    w.counselor_a1.staff_profile.requires_cosignature = True
    w.counselor_a1.staff_profile.save()
    note = sign(attended, write(attended))
    assert note.status == NoteStatus.AWAITING_COSIGNATURE and note.cosign_required
    with pytest.raises(PermissionDenied):  # the author cannot co-sign their own note
        services.note_cosign(actor=w.counselor_a1, note=note, password=PASSWORD)
    with pytest.raises(PermissionDenied):  # nor can billing
        services.note_cosign(actor=w.billing_a1, note=note, password=PASSWORD)
    note = services.note_cosign(actor=w.director_a, note=note, password=PASSWORD)
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED and note.cosigned_by == w.director_a
    assert len(note.cosign_hash) == 64
    assert signing.stored_note_digest(note) == note.signed_hash  # content untouched


def test_amendment_is_appended_and_the_original_stays_byte_identical(
    attended: dict[str, Any],
) -> None:
    w, patients = attended["world"], attended["patients"]
    note = sign(attended, write(attended))
    before = signing.canonical(
        signing.note_payload(
            note,
            [(s.patient_id, s.content) for s in note.sections.all()],
            signed_by_id=note.signed_by_id,
            signed_at=note.signed_at,
        )
    )
    amendment = services.note_amend(
        actor=w.counselor_a1,
        note=note,
        reason="Wrong goal number",
        text="Progress was on goal 2, not goal 1.",
        password=PASSWORD,
        section_patient=patients[0],
    )
    note.refresh_from_db()
    after = signing.canonical(
        signing.note_payload(
            note,
            [(s.patient_id, s.content) for s in note.sections.all()],
            signed_by_id=note.signed_by_id,
            signed_at=note.signed_at,
        )
    )
    assert before == after
    assert signing.sha256(after) == note.signed_hash
    assert amendment.signed_hash == signing.amendment_digest(amendment, note.signed_hash)
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        NoteAmendment.objects.filter(pk=amendment.pk).update(text="changed")


def test_amendment_needs_a_reason_and_a_signed_note(attended: dict[str, Any]) -> None:
    w = attended["world"]
    draft = write(attended)
    with pytest.raises(ValidationError) as exc:
        services.note_amend(actor=w.counselor_a1, note=draft, reason="", text="", password=PASSWORD)
    assert {"reason", "text"} <= set(exc.value.message_dict)
    assert not NoteAmendment.objects.exists()


def test_individual_note_in_each_format_signs_with_its_own_fields(world: Any) -> None:
    p = world.patient_a1
    contents = {
        "dap": {"data": "d", "assessment": "a", "plan": "p"},
        "birp": {"behavior": "b", "intervention": "i", "response": "r", "plan": "p"},
        "soap": {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"},
    }
    for fmt, content in contents.items():
        note = services.individual_note_save(
            actor=world.counselor_a1,
            patient=p,
            note_format=fmt,
            service_date=timezone.localdate(),
            duration_minutes=50,
            content={**content, "unknown": "dropped"},
        )
        assert note.content == content
        signed = services.note_sign(actor=world.counselor_a1, note=note, password=PASSWORD)
        assert signed.status == NoteStatus.SIGNED


def test_individual_note_missing_a_field_cannot_be_signed(world: Any) -> None:
    note = services.individual_note_save(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        note_format="soap",
        service_date=timezone.localdate(),
        duration_minutes=None,
        content={"subjective": "s"},
    )
    with pytest.raises(ValidationError) as exc:
        services.note_sign(actor=world.counselor_a1, note=note, password=PASSWORD)
    assert {"objective", "assessment", "plan"} <= set(exc.value.message_dict)


def test_front_desk_and_billing_cannot_write_notes(world: Any) -> None:
    for user in (world.frontdesk_a1, world.billing_a1):
        with pytest.raises(PermissionDenied):
            services.individual_note_save(
                actor=user,
                patient=world.patient_a1,
                note_format="dap",
                service_date=timezone.localdate(),
                duration_minutes=None,
                content={},
            )


def test_only_the_author_signs(attended: dict[str, Any]) -> None:
    note = write(attended)
    with pytest.raises(PermissionDenied):
        services.note_sign(actor=attended["world"].director_a, note=note, password=PASSWORD)


def test_absent_patients_get_no_section(attended: dict[str, Any]) -> None:
    w, session, patients = attended["world"], attended["session"], attended["patients"]
    import time_machine

    with time_machine.travel(datetime.combine(DAY, time(22), tzinfo=NY), tick=False):
        services.attendance_set(
            actor=w.counselor_a1,
            session=session,
            patient=patients[2],
            status=AttendanceStatus.ABSENT_EXCUSED,
            check_in_at=None,
            check_out_at=None,
        )
    assert timezone.now()
    assert services.attendee_ids(session) == sorted(p.pk for p in patients[:2])
    note = write(attended, {p.pk: SECTION for p in patients[:2]})
    assert sign(attended, note).status == NoteStatus.SIGNED


def test_the_database_refuses_to_change_a_recorded_attendance_letter(
    attended: dict[str, Any],
) -> None:
    """Both databases keep the lock of a recorded letter (SQLite lost it once when a column
    was added by building the table again)."""
    from openiop.delivery.models import Disclosure

    w = attended["world"]
    letter = Disclosure.objects.create(
        patient=w.patient_a1,
        recipient="Employer",
        purpose="Proof of attendance",
        what=["dates"],
        period_start=date(2026, 11, 2),
        period_end=date(2026, 11, 6),
        statement="attendance",
        consent_given_by="the patient",
        consent_on=date(2026, 11, 1),
        created_by=w.counselor_a1,
        created_at=timezone.now(),
        digest="a" * 64,
    )
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        Disclosure.objects.filter(pk=letter.pk).update(recipient="Someone else")
    letter.refresh_from_db()
    assert letter.recipient == "Employer"
