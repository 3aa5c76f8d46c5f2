"""Demo data for session delivery: attendance for the published sessions that have happened
(mostly present, some late, left early, absent or by telehealth), signed group notes with a
section per attendee (a few awaiting a co-signature, one amended), draft notes for today's
first sessions, a leave of absence and a step-down allowance.

Runs after the scheduling demo (core/demo.py `_extensions`), inside the demo transaction.
Without published group sessions it does nothing, so the demo loads either way. Rows are
bulk-inserted; the demo load itself is one audit event (core/demo.py).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.delivery import signing
from openiop.delivery.models import (
    AttendanceRecord,
    AttendanceStatus,
    BillingRule,
    LeaveOfAbsence,
    Note,
    NoteAmendment,
    NoteFormat,
    NoteKind,
    NoteSection,
    NoteStatus,
    PerDiemBasis,
    StepDownAllowance,
)
from openiop.delivery.selectors import session_zone
from openiop.organization.models import Organization, Program
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.scheduling.models import GroupSession, SessionAssignment, SessionStatus, WeekStatus

NOTE_DAYS = 14  # signed group notes for the last two weeks of sessions
MAX_NOTES = 600
STATUS_WEIGHTS = [
    (AttendanceStatus.PRESENT, 78),
    (AttendanceStatus.LATE, 7),
    (AttendanceStatus.LEFT_EARLY, 5),
    (AttendanceStatus.ABSENT_EXCUSED, 5),
    (AttendanceStatus.ABSENT_UNEXCUSED, 5),
]
INTERVENTIONS = [
    "CBT: identifying and challenging automatic thoughts",
    "Motivational interviewing; decisional balance exercise",
    "DBT distress-tolerance skills (TIPP) with practice",
    "Relapse-prevention planning: high-risk situations and coping cards",
    "Psychoeducation on the brain and addiction; guided discussion",
    "Role-play: refusing offers and asking for help",
]
SUMMARIES = [
    "Members described triggers from the past week and practised one coping skill each.",
    "The group built a shared list of sober activities for the weekend.",
    "Discussion of family stress and boundaries; members set one goal for the week.",
    "Review of cravings logs; the group practised urge surfing together.",
]
RESPONSES = [
    "Engaged and shared a recent trigger; practised the skill with support.",
    "Quiet at first, then contributed an example from work.",
    "Reflected on progress and offered encouragement to peers.",
    "Expressed ambivalence about change; open to trying the exercise at home.",
]
PROGRESS = [
    "Goal 1 (coping with cravings): used the skill twice this week.",
    "Goal 2 (sober supports): attended two peer meetings.",
    "Goal 3 (sleep routine): partial progress; will keep a sleep log.",
    "Goal 1: reports 10 days without use, confirmed by screen.",
]
PARTICIPATION = ["active", "active", "prompted", "minimal"]


def _status(rng: random.Random, virtual: bool) -> AttendanceStatus:
    choice = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
    if virtual and choice == AttendanceStatus.PRESENT:
        return AttendanceStatus.TELEHEALTH
    return choice


def _record(
    rng: random.Random, session: GroupSession, patient_id: int, status: str, at: datetime
) -> AttendanceRecord:
    check_in: datetime | None = session.starts_at - timedelta(minutes=rng.randint(0, 10))
    check_out: datetime | None = session.ends_at
    if status == AttendanceStatus.LATE:
        check_in = session.starts_at + timedelta(minutes=rng.randint(15, 50))
    elif status == AttendanceStatus.LEFT_EARLY:
        check_out = session.ends_at - timedelta(minutes=rng.randint(20, 70))
    elif status in (AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED):
        check_in = check_out = None
    return AttendanceRecord(
        session=session,
        patient_id=patient_id,
        status=status,
        check_in_at=check_in,
        check_out_at=check_out,
        recorded_by=session.counselor,
        updated_at=at,
    )


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    sessions = list(
        GroupSession.objects.filter(
            organization=org, week__status=WeekStatus.PUBLISHED, status=SessionStatus.SCHEDULED
        )
        .select_related("room", "site", "track__program__site", "counselor__staff_profile")
        .order_by("starts_at", "pk")
    )
    if not sessions:
        return
    now = timezone.now()
    past = [s for s in sessions if s.ends_at <= now]
    todays = [s for s in sessions if _local_day(s) == today and s.starts_at <= now]
    attendees = _attend(rng, [*past, *(s for s in todays if s not in past)], now)

    director = User.objects.filter(organization=org, role=Role.CLINICAL_DIRECTOR).first()
    drafts = [s for s in todays if attendees[s.pk]][:3]  # today's notes are still drafts
    noted = [
        s
        for s in past
        if _local_day(s) >= today - timedelta(days=NOTE_DAYS)
        and attendees[s.pk]
        and s not in drafts
    ][-MAX_NOTES:]
    notes = _group_notes(org, rng, [*noted, *drafts])
    sections = _note_sections(rng, notes, attendees)
    signed = _sign(rng, notes[: len(noted)], sections, director)  # today's drafts stay unsigned
    if signed:
        _amend(rng.choice(signed))
    _leave_and_step_down(org, rng, today, now, creator=director or sessions[0].counselor)
    _billing_rule(org)
    if director is not None:
        _letters(org, director, today)


DEMO_LETTERS = 3


def _letters(org: Organization, actor: User, today: date) -> None:
    """A few proof-of-attendance letters, each made under the patient's consent to tell their
    employer about their attendance (the privacy demo records those consents); patients
    without one get no letter."""
    from openiop.delivery import letter, services
    from openiop.patients.models import Patient
    from openiop.privacy.models import Consent

    with_employer = (
        Consent.objects.filter(
            organization=org, kind="named", recipient_kind="employer", revoked_at=None
        )
        .order_by("patient_id")
        .values_list("patient_id", flat=True)
        .distinct()
    )
    made = 0
    for patient in Patient.objects.filter(pk__in=list(with_employer)).order_by("pk"):
        consents = [c for c in letter.letter_consents(patient) if "attendance" in c.data]
        if not consents:
            continue
        services.disclosure_letter_create(
            actor=actor,
            patient=patient,
            consent_id=consents[0].pk,
            period_start=today - timedelta(days=28),
            period_end=today,
            include=["dates", "hours"],
            statement="",
            signed_in=False,
        )
        made += 1
        if made >= DEMO_LETTERS:
            return


def _billing_rule(org: Organization) -> None:
    """One program whose main payer also asks for the weekly minimum before a day bills per
    diem, so the week page shows a payer rule overriding the HCPCS per-day default."""
    admin = User.objects.filter(organization=org, role=Role.ADMINISTRATOR).first()
    program = (
        Program.objects.filter(site__organization=org, name="Evening IOP").order_by("pk").first()
    )
    if admin is None or program is None:
        return
    BillingRule.objects.create(
        program=program,
        payer="Commonwealth Health Plan (demo payer)",
        basis=PerDiemBasis.DAY_AND_WEEK,
        day_hours=Decimal(3),
        week_hours=Decimal(9),
        min_days=3,
        source="Demo payer contract, intensive outpatient billing section (fictitious)",
        updated_by=admin,
        updated_at=timezone.now(),
    )


def _local_day(session: GroupSession) -> date:
    return session.starts_at.astimezone(session_zone(session)).date()


def _attend(
    rng: random.Random, sessions: list[GroupSession], now: datetime
) -> dict[int, list[int]]:
    """Attendance for every rostered patient of `sessions`, saved; returns who attended
    each. A session still running has no check-outs yet, so nobody has left it early."""
    roster: dict[int, list[int]] = defaultdict(list)
    for session_id, patient_id in SessionAssignment.objects.filter(
        session__in=[s.pk for s in sessions]
    ).values_list("session_id", "patient_id"):
        roster[session_id].append(patient_id)
    records: list[AttendanceRecord] = []
    attendees: dict[int, list[int]] = defaultdict(list)
    for session in sessions:
        finished = session.ends_at <= now
        for patient_id in roster.get(session.pk, []):
            status = _status(rng, session.room.virtual)
            if not finished and status == AttendanceStatus.LEFT_EARLY:
                status = AttendanceStatus.PRESENT
            record = _record(rng, session, patient_id, status, min(now, session.ends_at))
            if not finished:
                record.check_out_at = None
            records.append(record)
            if status not in (AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED):
                attendees[session.pk].append(patient_id)
    AttendanceRecord.objects.bulk_create(records, batch_size=2000)
    return attendees


def _group_notes(org: Organization, rng: random.Random, sessions: list[GroupSession]) -> list[Note]:
    """A saved group note for each session, written by its counselor when it ended."""
    notes = [
        Note(
            organization=org,
            kind=NoteKind.GROUP,
            format=NoteFormat.GROUP,
            session=session,
            service_date=_local_day(session),
            duration_minutes=int((session.ends_at - session.starts_at).total_seconds() // 60),
            content={
                "topic": session.topic or session.track.name,
                "interventions": rng.choice(INTERVENTIONS),
                "summary": rng.choice(SUMMARIES),
            },
            author=session.counselor,
            created_at=session.ends_at,
            updated_at=session.ends_at,
        )
        for session in sessions
    ]
    Note.objects.bulk_create(notes, batch_size=1000)
    return notes


def _note_sections(
    rng: random.Random, notes: list[Note], attendees: dict[int, list[int]]
) -> list[NoteSection]:
    """A saved section per attendee of each note's session."""
    sections: list[NoteSection] = []
    for note in notes:
        assert note.session is not None
        for patient_id in attendees[note.session.pk]:
            sections.append(
                NoteSection(
                    note=note,
                    patient_id=patient_id,
                    content={
                        "participation": rng.choice(PARTICIPATION),
                        "response": rng.choice(RESPONSES),
                        "progress": rng.choice(PROGRESS),
                    },
                )
            )
    NoteSection.objects.bulk_create(sections, batch_size=2000)
    return sections


def _sign(
    rng: random.Random, notes: list[Note], sections: list[NoteSection], director: User | None
) -> list[Note]:
    """Sign `notes` with the digests the signing module would compute. Notes of authors who
    need a co-signature await it, and the director has co-signed about 60% of them."""
    by_note: dict[int, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for section in sections:
        by_note[section.note_id].append((section.patient_id, section.content))
    for note in notes:
        assert note.session is not None
        profile = getattr(note.author, "staff_profile", None)
        note.cosign_required = bool(profile and profile.requires_cosignature)
        note.signed_by = note.author
        note.signed_at = note.session.ends_at + timedelta(minutes=rng.randint(20, 240))
        note.signed_hash = signing.note_digest(note, by_note[note.pk])
        note.status = NoteStatus.SIGNED
        if note.cosign_required:
            note.status = NoteStatus.AWAITING_COSIGNATURE
            if director is not None and rng.random() < 0.6:
                note.cosigned_by = director
                note.cosigned_at = note.signed_at + timedelta(hours=rng.randint(2, 30))
                note.cosign_hash = signing.cosign_digest(note, director.pk, note.cosigned_at)
                note.status = NoteStatus.SIGNED
    Note.objects.bulk_update(
        notes,
        [
            "cosign_required",
            "signed_by",
            "signed_at",
            "signed_hash",
            "status",
            "cosigned_by",
            "cosigned_at",
            "cosign_hash",
        ],
        batch_size=500,
    )
    return notes


def _amend(note: Note) -> None:
    """A signed late-entry amendment to a signed note, chained to the note's digest."""
    assert note.signed_at is not None
    amendment = NoteAmendment(
        note=note,
        reason="Late entry: information received after signing",
        text="The patient's sponsor called after the session to confirm a meeting.",
        author=note.author,
        signed_at=note.signed_at + timedelta(days=1),
    )
    amendment.signed_hash = signing.amendment_digest(amendment, note.signed_hash)
    amendment.save()


def _leave_and_step_down(
    org: Organization, rng: random.Random, today: date, now: datetime, *, creator: User
) -> None:
    """A leave of absence for one active patient and a step-down allowance for another."""
    enrolled = list(
        Enrollment.objects.filter(patient__organization=org, status=EnrollmentStatus.ACTIVE)
        .values_list("patient_id", flat=True)
        .distinct()
        .order_by("patient_id")[:200]
    )
    if len(enrolled) >= 2:
        on_leave, stepping = rng.sample(enrolled, 2)
        week_start = today - timedelta(days=today.weekday())
        LeaveOfAbsence.objects.create(
            patient_id=on_leave,
            starts_on=week_start + timedelta(days=2),
            ends_on=week_start + timedelta(days=9),
            reason="Out of state for a family funeral",
            created_by=creator,
            created_at=now,
        )
        StepDownAllowance.objects.create(
            patient_id=stepping,
            starts_on=week_start,
            weekly_hours=Decimal("6"),
            weeks=2,
            reason="Phase 3 goals met; stepping down to continuing care",
            created_by=creator,
            created_at=now,
        )
