"""The billing benchmark's organization, built with bulk inserts (fixed seed, not timed).

Cohorts of 10 patients share a track and meet Monday, Wednesday and Thursday, 3 hours, in
published weeks; every session has attendance and a signed group note with a section per
attendee (digest computed by `openiop.delivery.signing`, as the delivery demo does)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from openiop.accounts.models import Role, User
from openiop.billing.models import (
    BillingProvider,
    Certification,
    ClaimType,
    Coverage,
    FilingIndicator,
    Payer,
    ProgramBilling,
)
from openiop.care.models import Problem, TreatmentPlan
from openiop.delivery import signing
from openiop.delivery.models import (
    AttendanceRecord,
    AttendanceStatus,
    Note,
    NoteFormat,
    NoteKind,
    NoteSection,
    NoteStatus,
)
from openiop.domain.consent import TPO_RECIPIENT_WORDING
from openiop.organization.models import (
    Organization,
    Program,
    Room,
    Site,
    StaffProfile,
    Track,
    TrackKind,
)
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.privacy.models import Consent
from openiop.scheduling.models import GroupSession, ScheduleWeek, SessionAssignment, WeekStatus

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
ZONE = "America/New_York"
COHORT = 10
MEETING_DAYS = (0, 2, 3)  # Monday, Wednesday, Thursday
STARTS = (clock(9), clock(13), clock(18))
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
DIAGNOSES = ("F10.20", "F11.20", "F14.20", "F33.1", "F41.1")


def build(n_patients: int, *, seed: int) -> User:
    """The organization; returns its billing user (the services' actor)."""
    rng = random.Random(seed)
    tag = f"{n_patients}-{Organization.objects.count() + 1}"
    org = Organization.objects.create(name=f"Billing bench {tag}")
    site = Site.objects.create(
        organization=org,
        name="Main",
        address="1 Main Street",
        city="Worcester",
        state="MA",
        zip_code="01608",
        timezone=ZONE,
    )
    program = Program.objects.create(site=site, name="Evening IOP")
    ProgramBilling.objects.create(program=program, discrete_code="90853")
    tracks = Track.objects.bulk_create(
        Track(program=program, kind=kind, name=f"Track {n}", min_weekly_hours=Decimal("9"))
        for n, kind in enumerate(
            (TrackKind.SUBSTANCE_USE, TrackKind.ALCOHOL, TrackKind.MENTAL_HEALTH, "co_occurring")
        )
    )
    if not all(t.pk for t in tracks):  # SQLite before 3.35 returns no ids
        tracks = list(Track.objects.filter(program=program).order_by("pk"))
    billing = User.objects.create(
        username=f"bench.billing.{tag}", role=Role.BILLING, organization=org, first_name="Bench"
    )
    profile = StaffProfile.objects.create(user=billing)
    profile.sites.set([site])
    profile.programs.set([program])
    counselor = User.objects.create(
        username=f"bench.counselor.{tag}", role=Role.COUNSELOR, organization=org, first_name="Group"
    )
    rooms = Room.objects.bulk_create(
        Room(organization=org, site=site, name=f"Room {n}", capacity=12) for n in range(12)
    )
    payers = _payers(org)
    bp_fees = {"H0015": "162.50", "S9480": "150.00", "90853": "95.00", "90832": "120.00"}
    BillingProvider.objects.create(
        organization=org,
        name="Bench Recovery IOP (fictitious)",
        npi="1234567893",
        tax_id="000000000",
        taxonomy="261QR0405X",
        address="1 Example Way",
        city="Springfield",
        state="OR",
        zip_code="974770000",
        submitter_id="BENCHSUB01",
        contact_name="Bench Billing Office",
        contact_phone="5555550100",
        receiver_name="Bench Clearinghouse",
        receiver_id="BENCHCLEAR01",
        attending_last_name="Physician",
        attending_first_name="Bench",
        attending_npi="1245319599",
        fees=bp_fees,
    )

    patients = Patient.objects.bulk_create(
        (
            Patient(
                organization=org,
                site=site,
                program=program,
                mrn=f"{n + 1:07d}",
                first_name=f"Pat{n}",
                last_name=f"Example{n}",
                date_of_birth=date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                sex_at_birth=rng.choice(("female", "male")),
                address=f"{n + 1} Oak Avenue",
                city="Worcester",
                state="MA",
                zip_code="01608",
            )
            for n in range(n_patients)
        ),
        batch_size=1000,
    )
    enrollments = Enrollment.objects.bulk_create(
        (
            Enrollment(
                patient=p,
                track=tracks[(n // COHORT) % len(tracks)],
                starts_on=date(2026, 10, 19),
                status=EnrollmentStatus.ACTIVE,
                required_weekly_hours=Decimal("9"),
            )
            for n, p in enumerate(patients)
        ),
        batch_size=1000,
    )
    plans = TreatmentPlan.objects.bulk_create(
        (
            TreatmentPlan(
                enrollment=e,
                patient_id=e.patient_id,
                review_on=date(2026, 12, 15),
                created_by=counselor,
                created_at=NOW - timedelta(days=40),
            )
            for e in enrollments
        ),
        batch_size=1000,
    )
    Problem.objects.bulk_create(
        (
            Problem(plan=plan, description="Use disorder", icd10_code=rng.choice(DIAGNOSES))
            for plan in plans
        ),
        batch_size=1000,
    )
    _coverage(rng, patients, payers, billing)
    _consents(rng, org, patients, counselor)
    _sessions(rng, org, site, tracks, rooms, counselor, patients)
    return billing


def _consents(rng: random.Random, org: Organization, patients: list[Patient], by: User) -> None:
    """A treatment, payment and operations consent for 95% of the patients (signed at
    admission, ending with treatment); the others' charges are held by the disclosure gate
    (42 CFR 2.31), as in a real program where a few have not signed yet."""
    Consent.objects.bulk_create(
        (
            Consent(
                organization=org,
                patient=p,
                kind="tpo",
                disclosing_party="Bench IOP",
                recipient_kind="health_plan",
                recipient_name=TPO_RECIPIENT_WORDING,
                purpose="treatment",
                data=["demographics", "attendance", "diagnosis", "billing", "treatment_plan"],
                ends_with_treatment=True,
                signer_name=f"{p.first_name} {p.last_name}",
                signed_on=date(2026, 10, 19),
                signature_method="screen",
                recorded_by=by,
                recorded_at=NOW - timedelta(days=44),
            )
            for p in patients
            if rng.random() < 0.95
        ),
        batch_size=1000,
    )


def _payers(org: Organization) -> list[Payer]:
    return [
        Payer.objects.create(
            organization=org,
            name="Medicare (bench)",
            payer_id="BENCH-MCR",
            claim_type=ClaimType.INSTITUTIONAL,
            is_medicare=True,
            filing_indicator=FilingIndicator.MEDICARE_PART_A,
        ),
        Payer.objects.create(
            organization=org,
            name="State Medicaid (bench)",
            payer_id="BENCH-MCD",
            claim_type=ClaimType.INSTITUTIONAL,
            filing_indicator=FilingIndicator.MEDICAID,
        ),
        Payer.objects.create(
            organization=org,
            name="Acme Health Plan (bench)",
            payer_id="BENCH-ACME",
            claim_type=ClaimType.PROFESSIONAL,
        ),
    ]


def _coverage(rng: random.Random, patients: list[Patient], payers: list[Payer], by: User) -> None:
    coverages, certifications = [], []
    for p in patients:
        payer = rng.choice((payers[0], payers[1], payers[1], payers[2]))
        coverages.append(
            Coverage(
                patient=p,
                rank=1,
                payer=payer,
                member_id=f"B{rng.randrange(10**8):08d}",
                eligibility_checked_on=date(2026, 10, 20),
                guarantor_name=f"{p.first_name} {p.last_name}",
                created_by=by,
                created_at=NOW - timedelta(days=45),
            )
        )
        if payer.is_medicare:
            certifications.append(
                Certification(
                    patient=p,
                    physician_name="Dr. Bench Physician",
                    certified_on=date(2026, 10, 15),
                    recertify_by=date(2026, 12, 31),
                    recorded_by=by,
                    recorded_at=NOW - timedelta(days=45),
                )
            )
    Coverage.objects.bulk_create(coverages, batch_size=1000)
    Certification.objects.bulk_create(certifications, batch_size=1000)


def _sessions(
    rng: random.Random,
    org: Organization,
    site: Site,
    tracks: list[Track],
    rooms: list[Room],
    counselor: User,
    patients: list[Patient],
) -> None:
    zone = ZoneInfo(ZONE)
    mondays = [FIRST - timedelta(days=FIRST.weekday()) + timedelta(weeks=w) for w in range(6)]
    mondays = [m for m in mondays if m <= LAST]
    weeks = {
        m: ScheduleWeek.objects.create(
            organization=org, week_start=m, revision=1, status=WeekStatus.PUBLISHED
        )
        for m in mondays
    }
    cohorts = [patients[i : i + COHORT] for i in range(0, len(patients), COHORT)]
    sessions: list[GroupSession] = []
    members: list[list[Patient]] = []
    for c, cohort in enumerate(cohorts):
        start = STARTS[c % len(STARTS)]
        room = rooms[(c // len(STARTS)) % len(rooms)]
        for monday in mondays:
            for offset in MEETING_DAYS:
                day = monday + timedelta(days=offset)
                if not FIRST <= day <= LAST:
                    continue
                starts_at = datetime.combine(day, start, tzinfo=zone)
                sessions.append(
                    GroupSession(
                        week=weeks[monday],
                        organization=org,
                        site=site,
                        track=tracks[c % len(tracks)],
                        room=room,
                        counselor=counselor,
                        block_id=f"c{c}-{day.isoformat()}",
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=3),
                        topic="Coping with cravings",
                    )
                )
                members.append(cohort)
    sessions = GroupSession.objects.bulk_create(sessions, batch_size=1000)
    assignments, records, notes = [], [], []
    attended: list[list[int]] = []
    for session, cohort in zip(sessions, members, strict=True):
        present = []
        for p in cohort:
            assignments.append(SessionAssignment(session=session, patient=p))
            roll = rng.random()
            if roll < 0.06:
                status, check_in, check_out = AttendanceStatus.ABSENT_UNEXCUSED, None, None
            else:
                status = AttendanceStatus.LATE if roll < 0.12 else AttendanceStatus.PRESENT
                late = rng.randint(10, 90) if status == AttendanceStatus.LATE else 0
                check_in = session.starts_at + timedelta(minutes=late)
                check_out = session.ends_at
                present.append(p.pk)
            records.append(
                AttendanceRecord(
                    session=session,
                    patient=p,
                    status=status,
                    check_in_at=check_in,
                    check_out_at=check_out,
                    recorded_by=counselor,
                    updated_at=session.ends_at,
                )
            )
        attended.append(present)
        notes.append(
            Note(
                organization=org,
                kind=NoteKind.GROUP,
                format=NoteFormat.GROUP,
                session=session,
                service_date=session.starts_at.astimezone(zone).date(),
                duration_minutes=180,
                content={"topic": session.topic, "summary": "Members practised one skill each."},
                author=counselor,
                created_at=session.ends_at,
                updated_at=session.ends_at,
            )
        )
    SessionAssignment.objects.bulk_create(assignments, batch_size=2000)
    AttendanceRecord.objects.bulk_create(records, batch_size=2000)
    notes = Note.objects.bulk_create(notes, batch_size=1000)
    sections: list[NoteSection] = []
    for note, present in zip(notes, attended, strict=True):
        sections.extend(
            NoteSection(note=note, patient_id=pid, content={"participation": "Engaged."})
            for pid in present
        )
    NoteSection.objects.bulk_create(sections, batch_size=2000)
    by_note: dict[int, list[tuple[int, dict[str, str]]]] = {}
    for section in sections:
        by_note.setdefault(section.note_id, []).append((section.patient_id, section.content))
    for note in notes:
        assert note.session is not None
        note.signed_by = counselor
        note.signed_at = note.session.ends_at + timedelta(minutes=30)
        note.signed_hash = signing.note_digest(note, by_note.get(note.pk, []))
        note.status = NoteStatus.SIGNED
    Note.objects.bulk_update(
        notes, ["signed_by", "signed_at", "signed_hash", "status"], batch_size=1000
    )
