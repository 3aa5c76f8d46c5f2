"""The demo's appointments: a prescriber, the program's appointment types, a primary counselor
for every enrolled patient, telehealth consents and a video service, family availability for
adolescents, and five weeks of appointments placed around the published groups (the three
weeks before this one, this week and the next), with attendance, signed individual notes and
the prescriber's medication notes for the past two weeks."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import date, time, timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import Role, User
from openiop.appointments import services
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    Attendance,
    Credential,
    FamilyAvailability,
    Modality,
    TelehealthConsent,
)
from openiop.appointments.planning import monday_of, to_local
from openiop.delivery import signing
from openiop.delivery.models import Note, NoteKind, NoteStatus
from openiop.organization.models import (
    Organization,
    Program,
    Site,
    StaffAvailability,
    StaffProfile,
    Track,
)
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.scheduling.models import PatientSchedulePreference

NOTE_DAYS = 14

MEDICATIONS = [
    (
        "buprenorphine/naloxone 8/2 mg SL daily",
        "Increase buprenorphine/naloxone to 12/3 mg daily (cravings in the evening).",
    ),
    ("naltrexone 50 mg by mouth daily", "None"),
    (
        "sertraline 50 mg by mouth daily",
        "Increase sertraline to 100 mg daily (mood still low at 4 weeks).",
    ),
    ("acamprosate 666 mg by mouth three times daily", "None"),
    (
        "hydroxyzine 25 mg by mouth at bedtime as needed",
        "Stop hydroxyzine (daytime drowsiness); start sleep hygiene plan.",
    ),
]


def extend_demo(
    *, org: Organization, rng: random.Random, today: date, make_password: Callable[[], str]
) -> list[tuple[str, str, str, str, str]]:
    """Returns the prescriber's login (username, password, role, TOTP key, note) to print."""
    director = (
        User.objects.filter(organization=org, role=Role.CLINICAL_DIRECTOR).order_by("pk").first()
    )
    if director is None:
        return []
    login = _prescriber(org, make_password)
    _types(org)
    services.video_service_save(
        actor=director,
        name="Riverbend video visits",
        url_template="https://meet.riverbend.example/visit-{key}",
        signed_in=False,
    )
    services.primary_counselors_balance(actor=director, signed_in=False)
    _telehealth(org, rng, director)
    _family_times(org, rng)
    monday = monday_of(today)
    for offset in (-3, -2, -1, 0, 1):
        week = monday + timedelta(days=7 * offset)
        services.appointments_place_week(
            actor=None, organization_id=org.pk, week_start=week, first_day=week, time_limit=5.0
        )
    _attendance_and_notes(org, rng, today, director)
    return [login]


def _prescriber(
    org: Organization, make_password: Callable[[], str]
) -> tuple[str, str, str, str, str]:
    password = make_password()
    user = User(
        username="prescriber",
        first_name="Priya",
        last_name="Natarajan",
        role=Role.COUNSELOR,
        organization=org,
        email="prescriber@riverbend.example",
    )
    user.set_password(password)
    user.save()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="Authenticator app", key=key, confirmed=True)
    profile = StaffProfile.objects.create(
        user=user, credentials="MD", prescriber=True, languages="English, Spanish"
    )
    sites = list(Site.objects.filter(organization=org))
    profile.sites.set(sites)
    profile.programs.set(Program.objects.filter(site__in=sites))
    StaffAvailability.objects.bulk_create(
        [StaffAvailability(staff=profile, weekday=d, start=time(9), end=time(17)) for d in (1, 3)]
        + [
            StaffAvailability(staff=profile, weekday=d, start=time(13), end=time(20))
            for d in (0, 2, 4)
        ]
    )
    return (
        "prescriber",
        password,
        str(Role.COUNSELOR),
        key,
        "prescriber (MD): medication management visits",
    )


def _types(org: Organization) -> None:
    actor = User.objects.filter(organization=org, role=Role.ADMINISTRATOR).order_by("pk").first()
    assert actor is not None
    rule = (
        "Program policy: the H0015 descriptor counts counseling in the IOP day; check your payer."
    )
    for program in Program.objects.filter(site__organization=org).order_by("pk"):
        services.appointment_type_save(
            actor=actor,
            program=program,
            track=None,
            kind=AppointmentKind.INDIVIDUAL,
            minutes=60,
            credential=Credential.COUNSELOR,
            every_weeks=1,
            counts_toward_hours=True,
            payer_rule=rule,
            signed_in=False,
        )
        services.appointment_type_save(
            actor=actor,
            program=program,
            track=None,
            kind=AppointmentKind.MEDICATION,
            minutes=30,
            credential=Credential.PRESCRIBER,
            every_weeks=2,
            counts_toward_hours=False,
            payer_rule="Billed on its own as an evaluation and management visit.",
            signed_in=False,
        )
        services.appointment_type_save(
            actor=actor,
            program=program,
            track=None,
            kind=AppointmentKind.CASE_MANAGEMENT,
            minutes=30,
            credential=Credential.COUNSELOR,
            every_weeks=4,
            counts_toward_hours=False,
            signed_in=False,
        )
        services.appointment_type_save(
            actor=actor,
            program=program,
            track=None,
            kind=AppointmentKind.PSYCHIATRIC_EVALUATION,
            minutes=60,
            credential=Credential.PRESCRIBER,
            every_weeks=0,
            counts_toward_hours=False,
            signed_in=False,
        )
        for track in Track.objects.filter(program=program, max_age__lt=18):
            services.appointment_type_save(
                actor=actor,
                program=program,
                track=track,
                kind=AppointmentKind.FAMILY,
                minutes=60,
                credential=Credential.COUNSELOR,
                every_weeks=1,
                counts_toward_hours=True,
                payer_rule=rule,
                signed_in=False,
            )


def _enrolled(org: Organization) -> list[int]:
    return sorted(
        set(
            Enrollment.objects.filter(
                patient__organization=org, status=EnrollmentStatus.ACTIVE
            ).values_list("patient_id", flat=True)
        )
    )


def _telehealth(org: Organization, rng: random.Random, director: User) -> None:
    """A telehealth consent for every patient who accepts video (set before the groups were
    scheduled), so their appointments may be video visits too."""
    now = timezone.now()
    chosen = sorted(
        PatientSchedulePreference.objects.filter(
            patient__organization=org, telehealth_ok=True
        ).values_list("patient_id", flat=True)
    )
    TelehealthConsent.objects.bulk_create(
        [
            TelehealthConsent(
                patient_id=pk,
                method=rng.choice(["written", "verbal"]),
                recorded_at=now,
                recorded_by=director,
            )
            for pk in chosen
        ]
    )


def _family_times(org: Organization, rng: random.Random) -> None:
    young = sorted(
        set(
            Enrollment.objects.filter(
                patient__organization=org, status=EnrollmentStatus.ACTIVE, track__max_age__lt=18
            ).values_list("patient_id", flat=True)
        )
    )
    rows = []
    for pk in young:
        days = rng.sample(range(5), 3)
        rows += [
            FamilyAvailability(patient_id=pk, weekday=d, start=time(16), end=time(20)) for d in days
        ]
        rows.append(FamilyAvailability(patient_id=pk, weekday=5, start=time(10), end=time(13)))
    FamilyAvailability.objects.bulk_create(rows)


def _attendance_and_notes(
    org: Organization, rng: random.Random, today: date, director: User
) -> None:
    """Past appointments attended (most), late or missed; notes signed for the last two weeks
    (today's stay open for the demo's counselor to check in and write)."""
    now = timezone.now()
    past = list(
        Appointment.objects.filter(organization=org, ends_at__lt=now)
        .select_related("patient__site", "staff__staff_profile")
        .order_by("starts_at", "pk")
    )
    for a in past:
        if to_local(a.starts_at, a.patient.site.timezone)[0] >= today:
            continue
        roll = rng.random()
        a.modality = Modality.VIDEO if a.telehealth else Modality.IN_PERSON
        if roll < 0.08:
            a.attendance, a.modality = Attendance.ABSENT, ""
        else:
            late = roll < 0.15
            a.attendance = Attendance.LATE if late else Attendance.PRESENT
            a.check_in_at = a.starts_at + timedelta(
                minutes=rng.randint(11, 20) if late else rng.randint(-5, 2)
            )
            a.check_out_at = a.ends_at
            a.patient_state = a.patient.site.state if a.telehealth else ""
        a.recorded_by = a.staff
    Appointment.objects.bulk_update(
        past,
        ["attendance", "modality", "check_in_at", "check_out_at", "patient_state", "recorded_by"],
        batch_size=500,
    )
    since = now - timedelta(days=NOTE_DAYS)
    for a in past:
        if a.starts_at < since or a.attendance in ("", Attendance.ABSENT):
            continue
        if to_local(a.starts_at, a.patient.site.timezone)[0] >= today:
            continue
        if a.kind == AppointmentKind.MEDICATION:
            meds, change = MEDICATIONS[a.patient_id % len(MEDICATIONS)]
            fmt, content = (
                "med",
                {
                    "subjective": "Cravings lower this week; sleeping about six hours.",
                    "objective": "Alert, calm. Urine screen reviewed.",
                    "medications": meds,
                    "changes": change,
                    "plan": "Continue the plan; next visit in two weeks.",
                },
            )
        else:
            fmt, content = (
                "dap",
                {
                    "data": "Reviewed the week, triggers at work and the coping plan.",
                    "assessment": "Engaged; using skills from group.",
                    "plan": "Practise urge surfing daily; next session next week.",
                },
            )
        note = Note.objects.create(
            organization=org,
            kind=NoteKind.INDIVIDUAL,
            format=fmt,
            patient=a.patient,
            author=a.staff,
            created_at=a.ends_at,
            updated_at=a.ends_at,
            content=content,
            service_date=to_local(a.starts_at, a.patient.site.timezone)[0],
            duration_minutes=a.minutes,
        )
        profile = getattr(a.staff, "staff_profile", None)
        note.cosign_required = bool(profile and profile.requires_cosignature)
        note.signed_by = a.staff
        note.signed_at = a.ends_at + timedelta(minutes=rng.randint(15, 180))
        note.signed_hash = signing.note_digest(note, [])
        note.status = NoteStatus.AWAITING_COSIGNATURE if note.cosign_required else NoteStatus.SIGNED
        note.save(
            update_fields=["cosign_required", "signed_by", "signed_at", "signed_hash", "status"]
        )
        a.note = note
        a.save(update_fields=["note"])
