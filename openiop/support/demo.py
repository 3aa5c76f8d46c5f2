"""Support services in the demo: the partner directory, social needs from the CMS AHC HRSN
screen, closed-loop referrals at every status, peer contacts and an alumni event.

- Seven partners (housing authority, job centre, legal aid, transit vouchers, childcare
  resource centre, food bank, and a recovery community centre linked to its entry in the
  public treatment locator when the locator demo imported one).
- Ten adult patients in the peer specialist's sites answer the AHC HRSN screen through the
  screening service, so their needs open by the real path; two more needs (work, childcare)
  and one peer recovery need are recorded by staff.
- Referrals are sent through the referral services under a consent naming the partner (42 CFR
  2.31, asked by the disclosure gate) and moved through every status: sent, received,
  accepted, declined (with the partner's reason), service delivered, closed with the need
  resolved, closed not resolved, withdrawn; one is overdue for follow-up.
- The peer specialist logs contacts with several patients, two patients are discharged and
  become alumni (one contacted after discharge), and an alumni evening with attendance.

Back-dating: the services stamp the real day (and refuse days in the future), so each step
is recorded through its service on the real day and its dates are then moved back to the
demo's own calendar with direct updates, as the care demo does. Only `timedelta` is used,
so any day of any year (29 February too) works. Deterministic from `rng` and `today`, except
the partner links' random nonces.

The demo loader acts outside a web request: the staff members acting here are marked as past
the TOTP step, as `OTPMiddleware` marks a request's user, so the services' own policy and
scope checks run unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.core import access
from openiop.intake.models import ScreeningResponse
from openiop.intake.services import screening_record
from openiop.organization.models import Organization
from openiop.organization.selectors import programs_for_user
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.privacy.models import Consent, Disclosure
from openiop.support.models import (
    AlumniAttendance,
    AlumniEvent,
    Need,
    NeedStatus,
    Partner,
    PartnerReferral,
    PeerContact,
    ReferralEvent,
)
from openiop.support.needs.services import need_record
from openiop.support.peer.services import (
    alumni_attendance_record,
    alumni_event_create,
    peer_contact_record,
)
from openiop.support.referrals import services as referral_services
from openiop.support.referrals.partners import partner_save

HRSN = "ahc_hrsn"

# key: (name, services [(kind, name)], contact, phone, languages)
PARTNERS: dict[str, tuple[str, list[tuple[str, str]], str, str, list[str]]] = {
    "housing": (
        "Worcester County Housing Authority",
        [("housing", "Housing choice vouchers"), ("housing_quality", "Repairs and inspections")],
        "Renee Lafleur",
        "(555) 014-3100",
        ["en", "es"],
    ),
    "jobs": (
        "MassHire Central Career Center",
        [("employment", "Job search and training"), ("education", "GED and adult classes")],
        "Tom Okoye",
        "(555) 014-3200",
        ["en", "es", "pt"],
    ),
    "legal": (
        "Community Legal Aid",
        [
            ("legal", "Civil legal help"),
            ("utilities", "Utility shut-off protection"),
            ("safety", "Protective orders"),
        ],
        "Marisol Vega",
        "(555) 014-3300",
        ["en", "es"],
    ),
    "transit": (
        "Regional Transit Voucher Program",
        [("transportation", "Bus passes and ride vouchers")],
        "Gary Chen",
        "(555) 014-3400",
        ["en", "zh"],
    ),
    "childcare": (
        "Child Care Resource Center",
        [("childcare", "Child care search and subsidies")],
        "Amina Diallo",
        "(555) 014-3500",
        ["en", "fr", "ar"],
    ),
    "food": (
        "Worcester County Food Bank",
        [("food", "Emergency groceries and SNAP help")],
        "Luis Ortega",
        "(555) 014-3600",
        ["en", "es", "vi"],
    ),
    "recovery": (
        "Recovery Community Center",
        [("peer_recovery", "Peer recovery coaching and all-recovery meetings")],
        "Jess Byrne",
        "(555) 014-3700",
        ["en"],
    ),
}

# The AHC HRSN answers with no positive domain; each domain's positive answers on top.
NEGATIVE: dict[str, object] = {
    "1": 0,
    **{key: False for key in ("2a", "2b", "2c", "2d", "2e", "2f", "2g")},
    "3": 0,
    "4": 0,
    "5": False,
    "6": 0,
    "7": 1,
    "8": 1,
    "9": 1,
    "10": 1,
}
POSITIVE: dict[str, dict[str, object]] = {
    "housing": {"1": 1},
    "housing_quality": {"2b": True, "2g": True},
    "food": {"3": 1, "4": 1},
    "transportation": {"5": True},
    "utilities": {"6": 1},
    "safety": {"7": 2, "8": 4, "9": 3, "10": 4},  # sum 13: positive (11 or more)
}


@dataclass(frozen=True)
class Step:
    status: str
    days_ago: int
    note: str = ""
    declined_reason: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class Plan:
    """One referral: of patient `who`'s need `kind`, to `partner`, sent `sent_days_ago`,
    follow-up `follow_up_in` days from the demo's today (negative: overdue)."""

    who: int
    kind: str
    partner: str
    sent_days_ago: int
    follow_up_in: int
    steps: tuple[Step, ...] = field(default_factory=tuple)
    message: str = ""


# Which patients screen positive for what, days before today (patient index, domains).
SCREENS: list[tuple[int, int, tuple[str, ...]]] = [
    (0, 64, ("housing", "food")),
    (1, 50, ("transportation",)),
    (2, 20, ("utilities",)),
    (3, 35, ("housing",)),
    (4, 6, ("food",)),
    (5, 9, ("utilities", "housing_quality")),
    (6, 44, ("transportation",)),
    (7, 18, ("safety",)),
    (8, 26, ("food",)),
    (9, 12, ("housing_quality",)),
]
# Needs recorded by staff in conversation (patient index, kind, days ago, note).
STAFF_NEEDS: list[tuple[int, str, int, str]] = [
    (2, "employment", 16, "Lost a warehouse job; wants help finding day-shift work."),
    (8, "childcare", 25, "Needs child care for a 3-year-old to attend evening group."),
    (1, "peer_recovery", 30, "Would like a recovery coach and meetings near home."),
]
PLANS: list[Plan] = [
    Plan(
        0,
        "housing",
        "housing",
        60,
        7,
        (
            Step("received", 58),
            Step("accepted", 55, note="Eligible for a housing choice voucher."),
            Step("delivered", 40, note="Voucher issued; apartment found."),
            Step("closed", 38, outcome="resolved", note="Moved in on the 1st."),
        ),
        "Patient is worried about losing housing; asking for voucher screening.",
    ),
    Plan(
        0,
        "food",
        "food",
        20,
        10,
        (
            Step("accepted", 18),
            Step("delivered", 10, note="Enrolled in the weekly grocery pick-up."),
        ),
        "Food runs out before the end of the month; asking for groceries and SNAP help.",
    ),
    Plan(
        1,
        "transportation",
        "transit",
        45,
        7,
        (
            Step("accepted", 44),
            Step("delivered", 43, note="Monthly bus pass given."),
            Step("closed", 30, outcome="resolved"),
        ),
        "No reliable way to reach group three days a week; asking for a bus pass.",
    ),
    Plan(
        1,
        "peer_recovery",
        "recovery",
        28,
        14,
        (
            Step("received", 27),
            Step("accepted", 25, note="Matched with a recovery coach."),
        ),
        "Would like a recovery coach and all-recovery meetings.",
    ),
    Plan(
        2,
        "employment",
        "jobs",
        14,
        9,
        (Step("accepted", 11, note="Intake appointment booked."),),
        "Looking for day-shift work that fits the program schedule.",
    ),
    Plan(
        2,
        "utilities",
        "legal",
        18,
        12,
        (Step("received", 17),),
        "Electric company threatened to shut off service; asking for shut-off protection.",
    ),
    Plan(
        3,
        "housing",
        "housing",
        30,
        7,
        (
            Step("received", 29),
            Step(
                "declined", 25, declined_reason="The voucher waiting list is closed until spring."
            ),
        ),
        "Behind on rent; asking for emergency rental help.",
    ),
    Plan(4, "food", "food", 3, 6, (), "Asking for emergency groceries this week."),
    Plan(
        6,
        "transportation",
        "transit",
        40,
        7,
        (
            Step("accepted", 38),
            Step(
                "closed",
                20,
                outcome="not_resolved",
                note="The voucher program ran out of funds for this quarter.",
            ),
        ),
        "Needs rides to evening group; asking for ride vouchers.",
    ),
    Plan(
        7,
        "safety",
        "legal",
        15,
        7,
        (Step("withdrawn", 14, note="Patient asked us to stop; safety plan made with counselor."),),
        "Asking for help with a protective order.",
    ),
    Plan(
        8,
        "childcare",
        "childcare",
        21,
        -7,
        (Step("received", 19),),
        "Needs child care on group evenings for a 3-year-old.",
    ),
    Plan(
        9,
        "housing_quality",
        "housing",
        10,
        8,
        (Step("accepted", 5, note="Inspection scheduled."),),
        "Mold and water leaks in the apartment; asking for an inspection.",
    ),
]


def _verified(user: User) -> User:
    user.is_verified = lambda: True  # type: ignore[method-assign]
    return user


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _first(org: Organization, role: str) -> User | None:
    return User.objects.filter(organization=org, role=role, is_active=True).order_by("pk").first()


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    peer = _first(org, Role.PEER_SPECIALIST)
    screener = _first(org, Role.INTAKE_COORDINATOR) or _first(org, Role.CLINICAL_DIRECTOR)
    if peer is None or screener is None:
        return
    peer, screener = _verified(peer), _verified(screener)
    real_today = timezone.localdate()
    partners = _partners(org, peer, today)
    candidates = _patients(org, peer, screener, rng, today)
    if len(candidates) < len(SCREENS):
        return
    patients = _by_screen_day(candidates[: len(SCREENS)])
    needs = _needs(patients, screener, peer, today)
    for plan in PLANS:
        need = needs.get((plan.who, plan.kind))
        if need is not None:
            _refer(plan, need, partners[plan.partner], peer, today, real_today)
    # Two alumni, discharged through the discharge service (see `_alumni`, `_discharge`).
    discharged = _discharge_day(today, real_today)
    alumni = _discharge(
        org, _alumni(org, candidates[len(SCREENS) :], today, discharged), discharged
    )
    _peer_support(patients, alumni, peer, rng, today, real_today)


def _partners(org: Organization, actor: User, today: date) -> dict[str, Partner]:
    from openiop.locator.models import Facility

    facility = (
        Facility.objects.filter(organization=org, name__icontains="recovery").order_by("pk").first()
    )
    made: dict[str, Partner] = {}
    for key, (name, services, contact, phone, languages) in PARTNERS.items():
        data: dict[str, object] = {
            "name": name,
            "contact_name": contact,
            "phone": phone,
            "email": f"referrals@{key}.example.org",
            "city": "Worcester",
            "state": "MA",
            "languages": languages,
        }
        if key == "recovery" and facility is not None:
            data["facility"] = facility
            data["address"] = facility.address
        made[key] = partner_save(
            actor=actor,
            partner=None,
            data=data,
            services=[{"kind": kind, "name": label} for kind, label in services],
        )
    joined = _at(today - timedelta(days=120), 14)
    Partner.objects.filter(pk__in=[p.pk for p in made.values()]).update(
        created_at=joined, updated_at=joined
    )
    return made


def _patients(
    org: Organization, peer: User, screener: User, rng: random.Random, today: date
) -> list[Patient]:
    """Adults in treatment whom both the peer specialist and the screener may see, with a
    treatment consent in effect, in a seeded order."""
    adult = today - timedelta(days=366 * 19)
    consented = Consent.objects.filter(
        organization=org, kind="tpo", revoked_at__isnull=True
    ).values("patient_id")
    open_enrolment = Enrollment.objects.filter(
        status=EnrollmentStatus.ACTIVE, starts_on__lte=today - timedelta(days=10)
    ).values("patient_id")
    candidates = list(
        access.patients_visible_to(peer)
        .filter(organization=org, date_of_birth__lt=adult)
        .filter(pk__in=consented)
        .filter(pk__in=open_enrolment)
        .filter(pk__in=access.patients_visible_to(screener).values("pk"))
        .prefetch_related("enrollments")
        .order_by("pk")
    )
    rng.shuffle(candidates)
    return candidates


def _start(patient: Patient) -> date:
    days = [e.starts_on for e in patient.enrollments.all()]
    return min(days) if days else date.max


def _by_screen_day(chosen: list[Patient]) -> list[Patient]:
    """The chosen patients in `SCREENS` order, the longest in treatment taking the oldest
    screen (the needs screen is usually given at admission)."""
    by_start = sorted(chosen, key=lambda p: (_start(p), p.pk))
    oldest_first = sorted(range(len(SCREENS)), key=lambda i: (-SCREENS[i][1], i))
    placed: list[Patient | None] = [None] * len(SCREENS)
    for patient, index in zip(by_start, oldest_first, strict=True):
        placed[index] = patient
    return [p for p in placed if p is not None]


def _discharge_day(today: date, real_today: date) -> date:
    """The alumni's discharge day: 12 days before the demo's day (never after the real one,
    since a discharge is not recorded in the future)."""
    return min(today - timedelta(days=12), real_today)


def _alumni(org: Organization, rest: list[Patient], today: date, discharged: date) -> list[Patient]:
    """Two more patients, in treatment for at least 30 days and without groups from this
    week on (so no published group or portal week is theirs), to be discharged on
    `discharged`: each still has an open enrolment, every one of their enrolments began on
    or before that day, and no attendance is recorded for them on or after it (a discharge
    ends treatment; attendance after it would contradict the record)."""
    from openiop.delivery.models import AttendanceRecord
    from openiop.scheduling.models import GroupSession

    monday = today - timedelta(days=today.weekday())
    grouped = set(
        GroupSession.objects.filter(organization=org, starts_at__gte=_at(monday, 0))
        .values_list("assignments__patient", flat=True)
        .distinct()
    )
    attended_after = set(
        AttendanceRecord.objects.filter(
            patient__in=[p.pk for p in rest], session__starts_at__gte=_at(discharged, 0)
        ).values_list("patient_id", flat=True)
    )
    cutoff = today - timedelta(days=30)

    def fits(p: Patient) -> bool:
        enrolments = list(p.enrollments.all())
        return (
            p.pk not in grouped
            and p.pk not in attended_after
            and _start(p) <= cutoff
            and all(e.starts_on <= discharged for e in enrolments)
            and any(
                e.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE) for e in enrolments
            )
        )

    return [p for p in rest if fits(p)][:2]


def _discharge(org: Organization, alumni: list[Patient], discharged: date) -> list[Patient]:
    """Discharge the alumni on `discharged` through the discharge service (a summary, a
    crisis plan, follow-ups; every open enrolment ends on that day), recorded by the first
    clinical director, the record moved back to that day. `_alumni` chose patients whose
    enrolments all began by then and who attended nothing from then on, so the service
    accepts the date. Returns the patients discharged."""
    from openiop.care.discharge.services import default_follow_up_dates, discharge_record
    from openiop.care.models import Discharge, DischargeScope, DischargeType

    clinician = _first(org, Role.CLINICAL_DIRECTOR)
    if clinician is None:
        return []
    clinician = _verified(clinician)
    done = []
    for patient in alumni:
        enrolment = (
            Enrollment.objects.filter(
                patient=patient,
                status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE),
            )
            .order_by("starts_on", "pk")
            .first()
        )
        if enrolment is None:
            continue
        discharge = discharge_record(
            actor=clinician,
            enrollment=enrolment,
            kind=DischargeType.COMPLETED,
            scope=DischargeScope.EVERY_TRACK,
            discharged_on=discharged,
            summary="Completed the intensive outpatient program; goals of the plan met.",
            crisis_plan="Call 988 or the program's on-call line; go to the nearest ER.",
            next_provider="Weekly outpatient counseling at the same clinic.",
            peer_groups="Alumni recovery night; a community mutual-help meeting.",
            follow_up_dates=default_follow_up_dates(discharged),
        )
        Discharge.objects.filter(patient=patient, discharged_on=discharged).update(
            recorded_at=_at(discharged, 17)
        )
        if discharge.pk:
            done.append(patient)
    return done


def _needs(
    patients: list[Patient], screener: User, staff: User, today: date
) -> dict[tuple[int, str], Need]:
    """The screens (needs opened by the screening service) and the needs staff recorded,
    moved back to their days."""
    needs: dict[tuple[int, str], Need] = {}
    for who, days_ago, domains in SCREENS:
        answers = dict(NEGATIVE)
        for domain in domains:
            answers.update(POSITIVE[domain])
        screening = screening_record(
            actor=screener, patient=patients[who], instrument_id=HRSN, answers=answers
        )
        day = today - timedelta(days=days_ago)
        ScreeningResponse.objects.filter(pk=screening.pk).update(administered_at=_at(day, 14))
        opened = Need.objects.filter(screening=screening)
        opened.update(identified_on=day)
        for need in opened:
            needs[(who, need.kind)] = need
    for who, kind, days_ago, note in STAFF_NEEDS:
        need = need_record(actor=staff, patient=patients[who], kind=kind, note=note)
        Need.objects.filter(pk=need.pk).update(identified_on=today - timedelta(days=days_ago))
        needs[(who, kind)] = need
    return needs


def _consent(patient: Patient, partner: Partner, staff: User, day: date) -> None:
    """The patient's written consent naming the partner (42 CFR 2.31), signed the day the
    referral was discussed, for a year from the later of that day and the real one: the
    referral services run on the real clock, which may be ahead of the demo's calendar (a
    demo built for a past day)."""
    real_today = timezone.localdate()
    recorded = min(_at(day, 13), timezone.now() - timedelta(minutes=5))
    Consent.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind="named",
        disclosing_party=patient.organization.name,
        recipient_kind=referral_services.RECIPIENT_KIND,
        recipient_name=partner.name,
        recipient_key=referral_services.recipient_for(partner).key,
        purpose=referral_services.PURPOSE,
        data=sorted(referral_services.DATA),
        expires_on=max(day, real_today) + timedelta(days=365),
        signer_name=f"{patient.first_name} {patient.last_name}",
        signer_relation="patient",
        signed_on=min(day, real_today),
        signature_method="screen",
        recorded_by=staff,
        recorded_at=recorded,
    )


def _refer(
    plan: Plan, need: Need, partner: Partner, peer: User, today: date, real_today: date
) -> None:
    """Send the referral and record its steps through the services on the real day, then
    move every date back to the demo's calendar."""
    patient = need.patient
    sent = today - timedelta(days=plan.sent_days_ago)
    _consent(patient, partner, peer, sent - timedelta(days=1))
    service = partner.services.filter(kind=plan.kind).first()
    referral = referral_services.referral_send(
        actor=peer,
        need=need,
        partner=partner,
        service=service,
        message=plan.message,
        follow_up_on=real_today + timedelta(days=7),
    )
    for step in plan.steps:
        referral = referral_services.referral_update(
            actor=peer,
            referral=referral,
            to_status=step.status,
            occurred_on=real_today,
            note=step.note,
            declined_reason=step.declined_reason,
            outcome=step.outcome,
        )
    # Back-date: the referral, its events in order, its disclosure, and a need it resolved.
    days = [sent, *(today - timedelta(days=s.days_ago) for s in plan.steps)]
    last = days[-1]
    PartnerReferral.objects.filter(pk=referral.pk).update(
        sent_on=sent,
        follow_up_on=today + timedelta(days=plan.follow_up_in),
        updated_at=_at(last, 16),
        link_expires_at=_at(sent + timedelta(days=14), 16),
    )
    events = list(ReferralEvent.objects.filter(referral=referral).order_by("recorded_at", "pk"))
    for event, day in zip(events, days, strict=False):
        ReferralEvent.objects.filter(pk=event.pk).update(occurred_on=day, recorded_at=_at(day, 16))
    if referral.disclosure_id:
        Disclosure.objects.filter(pk=referral.disclosure_id).update(made_at=_at(sent, 16))
    Need.objects.filter(pk=need.pk, status=NeedStatus.RESOLVED).update(closed_on=last)


def _peer_support(
    patients: list[Patient],
    alumni: list[Patient],
    peer: User,
    rng: random.Random,
    today: date,
    real_today: date,
) -> None:
    """Peer contacts in treatment, two patients discharged as alumni (one contacted after
    discharge), and an alumni evening they came to."""
    kinds = ["in_person", "phone", "text", "group", "attempt", "video"]
    for i, patient in enumerate(patients[:6]):
        for n in range(2 + i % 2):
            day = min(today - timedelta(days=3 + 9 * n + i), real_today)
            kind = kinds[(i + n) % len(kinds)]
            peer_contact_record(
                actor=peer,
                patient=patient,
                contacted_on=day,
                kind=kind,
                minutes=None if kind in ("text", "attempt") else rng.choice((15, 20, 30, 45)),
                note="Checked in about the week's goals and the referral.",
            )
    if not alumni:  # (already discharged by `extend_demo`)
        return
    contact = peer_contact_record(
        actor=peer,
        patient=alumni[0],
        contacted_on=min(today - timedelta(days=4), real_today),
        kind="phone",
        minutes=20,
        note="Alumni call a week after discharge: going to meetings, job search going well.",
    )
    if not contact.after_discharge:
        PeerContact.objects.filter(pk=contact.pk).update(after_discharge=True)
    mine = programs_for_user(peer).values("pk")
    enrolment = (
        Enrollment.objects.filter(patient=alumni[0], track__program__in=mine)
        .select_related("track__program")
        .first()
    )
    if enrolment is None:
        return
    event_day = today - timedelta(days=2)
    event = alumni_event_create(
        actor=peer,
        program=enrolment.track.program,
        title="Alumni recovery night",
        starts_at=_at(event_day, 23),
        place="Main Street community room",
        description="Potluck supper and a speaker from the recovery community centre.",
    )
    AlumniEvent.objects.filter(pk=event.pk).update(created_at=_at(event_day - timedelta(days=20)))
    for patient in alumni:
        if Enrollment.objects.filter(patient=patient, track__program=event.program).exists():
            attendance = alumni_attendance_record(actor=peer, event=event, patient=patient)
            AlumniAttendance.objects.filter(pk=attendance.pk).update(
                recorded_at=_at(event_day + timedelta(days=1), 14)
            )
