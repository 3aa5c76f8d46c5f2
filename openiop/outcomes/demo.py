"""Outcomes demo: about seven months of past treatment episodes, so the outcomes dashboard and
the state extract show real figures (called by ``openiop.core.demo.build_demo`` in its
transaction, after the support demo).

The current demo patients began 0-70 days ago; this adds NEW past patients (the current
patients' story is not changed), each with one finished episode:

- a referral received 3-14 days before admission and moved screening -> assessment ->
  admitted (with its events, as intake's demo writes them), and more referrals that were
  declined or referred elsewhere (never admitted), so referral conversion has a denominator;
- the patient, an ``intake.Admission`` with its ``patients.Enrollment`` in one or two tracks of
  the program (co-occurring conditions), ended (discharged) on the discharge day;
- past published schedule weeks with group sessions (the track's three weekly blocks, two
  for adolescents, in a free room of the site and with a free counselor of the track) and
  each patient's places and attendance, which thins out before a discharge against advice;
- PHQ-9 and GAD-7 every two weeks from admission, answers drawn for an improving, stable or
  worsening course and scored by the screening engine (``openiop.domain.screening.score``);
- weekly drug screens, resulted, in the substance-use tracks;
- a discharge for each enrolment, of each type in realistic proportions (about 45% completed,
  15% stepped down, 5% transferred up, 25% against advice, 10% administrative) after 2 to 16
  weeks, and alumni follow-ups at 7 days and 1, 3, 6 and 12 months, some done, some not;
- a few patients readmitted within 90 days of their discharge (a second episode).

Every episode ends before the first week the scheduling demo builds, so the two never share a
week. Rows are bulk-inserted, as the other demo modules do; the demo load is one audit event
(``build_demo``). Deterministic from ``rng`` and ``today``: the real clock is never read.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from openiop.accounts.models import Role, User
from openiop.care.demo import SUBSTANCE_KINDS, _answers_for_total
from openiop.care.discharge.services import default_follow_up_dates
from openiop.care.models import (
    DEFAULT_PANEL,
    AlumniFollowUp,
    Discharge,
    DischargeScope,
    DischargeType,
    DrugScreen,
    DrugScreenResult,
    ResultValue,
    ScreenMethod,
    ScreenStatus,
)
from openiop.core.demo import _draw_patient, _emergency_contact
from openiop.delivery.models import AttendanceRecord, AttendanceStatus
from openiop.domain.screening import questionnaire_response, score
from openiop.intake.demo import MOVE_REASONS, REASONS, REFERRERS, _referral_events
from openiop.intake.models import (
    Admission,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStage,
    ScreeningResponse,
)
from openiop.organization.models import (
    Organization,
    Program,
    Room,
    Site,
    StaffAvailability,
    Track,
    TrackKind,
)
from openiop.patients.models import Contact, Enrollment, EnrollmentStatus, Patient
from openiop.scheduling.blocks import monday_of
from openiop.scheduling.curriculum import TOPICS
from openiop.scheduling.models import (
    GroupSession,
    ScheduleWeek,
    SessionAssignment,
    WeekStatus,
)

HISTORY_DAYS = 225  # admissions from about seven and a half months before the demo's day
MIN_EPISODES = 80
MAX_EPISODES = 600
BATCH = 2000
# Discharge types and their shares of the past episodes (module docstring).
KIND_SHARES = (
    (DischargeType.COMPLETED, 0.45),
    (DischargeType.STEPPED_DOWN, 0.15),
    (DischargeType.TRANSFERRED_UP, 0.05),
    (DischargeType.AGAINST_ADVICE, 0.25),
    (DischargeType.ADMINISTRATIVE, 0.10),
)
# Length of stay in days by discharge type (2 to 16 weeks in all).
STAY_DAYS = {
    DischargeType.COMPLETED: (56, 112),
    DischargeType.STEPPED_DOWN: (42, 90),
    DischargeType.TRANSFERRED_UP: (14, 45),
    DischargeType.AGAINST_ADVICE: (14, 60),
    DischargeType.ADMINISTRATIVE: (14, 75),
}
# How often a patient comes to their groups, by how the episode ended.
ATTENDANCE = {
    DischargeType.COMPLETED: 0.92,
    DischargeType.STEPPED_DOWN: 0.9,
    DischargeType.TRANSFERRED_UP: 0.75,
    DischargeType.AGAINST_ADVICE: 0.7,
    DischargeType.ADMINISTRATIVE: 0.65,
}
SUMMARIES = {
    DischargeType.COMPLETED: "Completed the program: met the plan's goals, attended "
    "consistently and built a relapse-prevention plan with sober supports.",
    DischargeType.STEPPED_DOWN: "Goals of the intensive phase met; stepping down to weekly "
    "outpatient counselling to keep the gains.",
    DischargeType.TRANSFERRED_UP: "Symptoms and use worsened despite added support; "
    "transferred to a more intensive level of care.",
    DischargeType.AGAINST_ADVICE: "Stopped attending and declined to continue despite the "
    "team's advice; continuing-care options and crisis numbers given.",
    DischargeType.ADMINISTRATIVE: "Discharged after repeated missed sessions and no contact "
    "for two weeks; the door stays open to return.",
}
NEXT_PROVIDER = {
    DischargeType.COMPLETED: "Riverbend outpatient counselling, weekly",
    DischargeType.STEPPED_DOWN: "Riverbend outpatient counselling, weekly",
    DischargeType.TRANSFERRED_UP: "Greenfield Residential (residential treatment)",
    DischargeType.AGAINST_ADVICE: "",
    DischargeType.ADMINISTRATIVE: "",
}
CRISIS_PLAN = (
    "Call or text 988 at any time; call the program's main number on weekdays; "
    "call 911 in an emergency."
)
# Chance that an alumni follow-up due by the demo's day was made, by discharge type.
FOLLOW_UP_DONE = {
    DischargeType.COMPLETED: 0.75,
    DischargeType.STEPPED_DOWN: 0.7,
    DischargeType.TRANSFERRED_UP: 0.6,
    DischargeType.AGAINST_ADVICE: 0.35,
    DischargeType.ADMINISTRATIVE: 0.3,
}
FOLLOW_UP_OUTCOMES = [
    "Reached by phone: attending weekly outpatient sessions and peer meetings.",
    "Reached by phone: one slip last week, back on the plan; reminded of alumni group.",
    "Text reply: doing well, working again; will come to the alumni evening.",
    "Left a message; called back the next day, no use reported.",
]
# Where in the week each program's groups meet (the standard blocks, site-local time):
# (weekday, start, end, block id).
DAY_BLOCKS = [
    (d, time(9), time(12), f"{n}-am") for d, n in enumerate(("mon", "tue", "wed", "thu", "fri"))
]
EVENING_BLOCKS = [
    *(
        (d, time(18), time(21), f"{n}-ev")
        for d, n in enumerate(("mon", "tue", "wed", "thu", "fri"))
    ),
    (5, time(9), time(12), "sat-am"),
]
TEEN_BLOCKS = EVENING_BLOCKS[:5]
DRUGS = ["cocaine", "fentanyl", "cannabinoid", "alcohol", "methamphetamine", "opiate"]

_Block = tuple[int, time, time, str]


@dataclass
class _Episode:
    """One planned past admission (dates are the site's local days)."""

    patient: Patient
    tracks: list[Track]
    admitted: date
    ended: date
    kind: DischargeType
    counselor: User
    attend: float
    course: str  # "better", "same" or "worse"
    drug: str
    referred: datetime
    enrollments: list[Enrollment] = field(default_factory=list)


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    sites = list(Site.objects.filter(organization=org).order_by("pk"))
    programs = list(Program.objects.filter(site__organization=org).order_by("pk"))
    tracks = list(Track.objects.filter(program__site__organization=org).order_by("pk"))
    counselors = _counselors(org)
    if not sites or not tracks or not counselors:
        return
    first_week = (
        ScheduleWeek.objects.filter(organization=org)
        .order_by("week_start")
        .values_list("week_start", flat=True)
        .first()
    )
    # The last day of history: before the earliest week the scheduling demo built.
    last = min(first_week or monday_of(today), monday_of(today) - timedelta(weeks=3))
    last -= timedelta(days=3)  # the Friday before that week
    start = today - timedelta(days=HISTORY_DAYS)
    if (last - start).days < 60:
        return
    current = Patient.objects.filter(organization=org).count()
    count = min(MAX_EPISODES, max(MIN_EPISODES, round(current * 0.7)))
    by_program: dict[int, list[Track]] = defaultdict(list)
    for t in tracks:
        by_program[t.program_id].append(t)
    mrn = 1 + max(
        (
            int(m)
            for m in Patient.objects.filter(organization=org).values_list("mrn", flat=True)
            if m.isdigit()
        ),
        default=0,
    )
    episodes = _plan(rng, org, sites, programs, by_program, counselors, count, start, last, mrn)
    _save_patients(rng, episodes, today)
    _save_episodes(rng, org, programs, counselors, episodes)
    _not_admitted(rng, org, programs, counselors, start, last, len(episodes))
    _groups(rng, org, sites, tracks, counselors, episodes)
    _measures(rng, episodes)
    _screens(rng, episodes)
    _discharges(rng, org, episodes, today)
    _paperwork(rng, org, episodes)


# --- planning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counselor:
    user: User
    sites: frozenset[int]
    tracks: frozenset[int]
    windows: tuple[tuple[int, time, time], ...]

    def free(self, block: _Block) -> bool:
        weekday, begins, ends, _ = block
        return any(d == weekday and s <= begins and ends <= e for d, s, e in self.windows)


def _counselors(org: Organization) -> list[_Counselor]:
    users = list(
        User.objects.filter(organization=org, role=Role.COUNSELOR, is_active=True)
        .select_related("staff_profile")
        .prefetch_related("staff_profile__sites", "staff_profile__tracks")
        .order_by("username")
    )
    windows: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for a in StaffAvailability.objects.filter(staff__user__in=users).order_by("pk"):
        windows[a.staff_id].append((a.weekday, a.start, a.end))
    found = []
    for u in users:
        profile = getattr(u, "staff_profile", None)
        if profile is None:
            continue
        found.append(
            _Counselor(
                user=u,
                sites=frozenset(s.pk for s in profile.sites.all()),
                tracks=frozenset(t.pk for t in profile.tracks.all()),
                windows=tuple(windows[profile.pk]),
            )
        )
    return found


def _kinds(rng: random.Random, count: int) -> list[DischargeType]:
    """``count`` discharge types in the shares of ``KIND_SHARES`` (each at least once)."""
    kinds: list[DischargeType] = []
    for kind, share in KIND_SHARES:
        kinds += [kind] * max(1, round(count * share))
    while len(kinds) > count and kinds.count(DischargeType.COMPLETED) > 1:
        kinds.remove(DischargeType.COMPLETED)
    while len(kinds) < count:
        kinds.append(DischargeType.COMPLETED)
    rng.shuffle(kinds)
    return kinds


def _course(rng: random.Random, kind: DischargeType) -> str:
    worse = 0.45 if kind == DischargeType.TRANSFERRED_UP else 0.12
    better = 0.75 if kind in (DischargeType.COMPLETED, DischargeType.STEPPED_DOWN) else 0.35
    roll = rng.random()
    return "worse" if roll < worse else "better" if roll < worse + better else "same"


def _plan(
    rng: random.Random,
    org: Organization,
    sites: list[Site],
    programs: list[Program],
    by_program: dict[int, list[Track]],
    counselors: list[_Counselor],
    count: int,
    start: date,
    last: date,
    mrn: int,
) -> list[_Episode]:
    """The past episodes, in order of planning: first episodes, then the readmissions."""
    readmissions = rng.randint(3, 5)
    episodes: list[_Episode] = []
    span = (last - start).days
    for kind in _kinds(rng, count - readmissions):
        lo, hi = STAY_DAYS[kind]
        admitted = start + timedelta(days=rng.randint(0, span - lo))
        stay = rng.randint(lo, min(hi, (last - admitted).days))
        patient, chosen = _draw_patient(rng, org, sites, programs, by_program, mrn, admitted)
        mrn += 1
        episodes.append(_episode(rng, patient, chosen, admitted, stay, kind, counselors))
    # Readmissions: a new admission 10 to 80 days after a discharge (within 90 days).
    candidates = [e for e in episodes if (last - e.ended).days >= 40]
    for first in rng.sample(candidates, min(readmissions, len(candidates))):
        gap = rng.randint(10, min(80, (last - first.ended).days - 28))
        admitted = first.ended + timedelta(days=gap)
        kind = rng.choice([DischargeType.COMPLETED, DischargeType.AGAINST_ADVICE])
        stay = rng.randint(14, min(STAY_DAYS[kind][1], (last - admitted).days))
        episodes.append(
            _episode(rng, first.patient, first.tracks, admitted, stay, kind, counselors)
        )
    return episodes


def _episode(
    rng: random.Random,
    patient: Patient,
    tracks: list[Track],
    admitted: date,
    stay: int,
    kind: DischargeType,
    counselors: list[_Counselor],
) -> _Episode:
    site_counselors = [c for c in counselors if patient.site_id in c.sites] or counselors
    return _Episode(
        patient=patient,
        tracks=tracks,
        admitted=admitted,
        ended=admitted + timedelta(days=stay),
        kind=kind,
        counselor=rng.choice(site_counselors).user,
        attend=ATTENDANCE[kind] + rng.uniform(-0.08, 0.06),
        course=_course(rng, kind),
        drug=rng.choice(DRUGS),
        referred=_at(admitted - timedelta(days=rng.randint(3, 14)), rng.randint(13, 21)),
    )


def _program_id(e: _Episode) -> int:
    program_id = e.patient.program_id
    assert program_id is not None  # `_draw_patient` always places the patient in a program
    return program_id


def _at(day: date, hour: int = 17, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


# --- patients, referrals, admissions ----------------------------------------------------


def _save_patients(rng: random.Random, episodes: list[_Episode], today: date) -> None:
    new = list({id(e.patient): e.patient for e in episodes}.values())
    Patient.objects.bulk_create(new, batch_size=BATCH)
    Contact.objects.bulk_create([_emergency_contact(rng, p, today) for p in new], batch_size=BATCH)


def _save_episodes(
    rng: random.Random,
    org: Organization,
    programs: list[Program],
    counselors: list[_Counselor],
    episodes: list[_Episode],
) -> None:
    """Enrolments (discharged), admissions and the admitted referrals with their events."""
    enrollments: list[Enrollment] = []
    for e in episodes:
        e.enrollments = [
            Enrollment(
                patient=e.patient,
                track=t,
                starts_on=e.admitted,
                ends_on=e.ended,
                status=EnrollmentStatus.DISCHARGED,
                required_weekly_hours=Decimal(t.min_weekly_hours),
            )
            for t in e.tracks
        ]
        enrollments += e.enrollments
    Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
    referrals = [_admitted_referral(rng, org, e) for e in episodes]
    _save_referrals(rng, programs, counselors, referrals, org)
    admissions = Admission.objects.bulk_create(
        [
            Admission(
                patient=e.patient,
                program_id=_program_id(e),
                referral=referral,
                primary_counselor=e.counselor,
                starts_on=e.admitted,
                admitted_by=e.counselor,
                admitted_at=_at(e.admitted, 14, rng.choice([0, 15, 30, 45])),
            )
            for e, (referral, _, _) in zip(episodes, referrals, strict=True)
        ],
        batch_size=BATCH,
    )
    through = Admission.enrollments.through
    through.objects.bulk_create(
        [
            through(admission_id=a.pk, enrollment_id=en.pk)
            for a, e in zip(admissions, episodes, strict=True)
            for en in e.enrollments
        ],
        batch_size=BATCH,
    )


_Planned = tuple[Referral, list[tuple[str, str, datetime]], datetime]


def _referral(
    rng: random.Random,
    org: Organization,
    *,
    stage: ReferralStage,
    program_id: int | None,
    patient: Patient | None,
    created: datetime,
    changed: datetime,
) -> _Planned:
    """An unsaved referral now in ``stage`` (admitted, declined or referred elsewhere), with
    the moves that brought it there spread from ``created`` to ``changed``."""
    path = [ReferralStage.SCREENING, ReferralStage.ASSESSMENT, stage]
    if stage == ReferralStage.DECLINED:
        path = [ReferralStage.SCREENING, stage]
    moments = [created + (changed - created) * (i + 1) / len(path) for i in range(len(path))]
    source = rng.choice(list(ReferralSource))
    who, where = REFERRERS[source]
    first = patient.first_name if patient else rng.choice(_first_names())
    last = patient.last_name if patient else rng.choice(_last_names())
    referral = Referral(
        organization=org,
        program_id=program_id,
        patient=patient,
        source=source,
        stage=stage,
        stage_changed_at=changed,
        first_name=first,
        last_name=last,
        date_of_birth=patient.date_of_birth
        if patient
        else created.date() - timedelta(days=rng.randint(18 * 365, 60 * 365)),
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        preferred_language=patient.preferred_language if patient else "English",
        referrer_name=who.format(first=rng.choice(_first_names()), last=rng.choice(_last_names())),
        referrer_organization=where,
        reason=rng.choice(REASONS),
        submitted_publicly=source in (ReferralSource.SELF, ReferralSource.FAMILY)
        and rng.random() < 0.5,
        consent_text="I agree that the program may contact me about this request."
        if source in (ReferralSource.SELF, ReferralSource.FAMILY)
        else "",
    )
    history: list[tuple[str, str, datetime]] = [
        (s.value, MOVE_REASONS[s], m) for s, m in zip(path, moments, strict=True)
    ]
    return referral, history, created


def _first_names() -> list[str]:
    from openiop.core.demo import FIRST

    return FIRST


def _last_names() -> list[str]:
    from openiop.core.demo import LAST

    return LAST


def _admitted_referral(rng: random.Random, org: Organization, e: _Episode) -> _Planned:
    return _referral(
        rng,
        org,
        stage=ReferralStage.ADMITTED,
        program_id=_program_id(e),
        patient=e.patient,
        created=e.referred,
        changed=_at(e.admitted, 14),
    )


def _save_referrals(
    rng: random.Random,
    programs: list[Program],
    counselors: list[_Counselor],
    planned: list[_Planned],
    org: Organization,
) -> None:
    """Save the referrals, back-date their creation and write their events (as intake's demo)."""
    made = Referral.objects.bulk_create([r for r, _, _ in planned], batch_size=BATCH)
    for referral, (_, _, created) in zip(made, planned, strict=True):
        referral.created_at = created
    Referral.objects.bulk_update(made, ["created_at"], batch_size=1000)
    by_site: dict[int, list[User]] = defaultdict(list)
    for c in counselors:
        for site_id in sorted(c.sites):
            by_site[site_id].append(c.user)
    intake = (
        User.objects.filter(organization=org, role=Role.INTAKE_COORDINATOR).order_by("pk").first()
    )
    program_by_id = {p.pk: p for p in programs}
    events: list[ReferralEvent] = []
    for referral, (_, history, created) in zip(made, planned, strict=True):
        events += _referral_events(referral, history, created, program_by_id, by_site, intake, rng)
    ReferralEvent.objects.bulk_create(events, batch_size=BATCH)


def _not_admitted(
    rng: random.Random,
    org: Organization,
    programs: list[Program],
    counselors: list[_Counselor],
    start: date,
    last: date,
    admitted: int,
) -> None:
    """Referrals of the same months that never led to an admission (about one in four)."""
    planned = []
    for _ in range(max(10, admitted // 3)):
        created_on = start + timedelta(days=rng.randint(0, (last - start).days))
        created = _at(created_on, rng.randint(13, 21), rng.choice([0, 15, 30, 45]))
        stage = rng.choice(
            [ReferralStage.DECLINED, ReferralStage.DECLINED, ReferralStage.REFERRED_ELSEWHERE]
        )
        planned.append(
            _referral(
                rng,
                org,
                stage=stage,
                program_id=rng.choice(programs).pk,
                patient=None,
                created=created,
                changed=created + timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 6)),
            )
        )
    _save_referrals(rng, programs, counselors, planned, org)


# --- groups and attendance --------------------------------------------------------------


def _blocks_for(track: Track, program: Program) -> tuple[list[_Block], int]:
    """The blocks a track's groups may meet in and how many a week (3-hour groups covering
    the track's weekly minimum)."""
    hours = float(track.min_weekly_hours)
    per_week = max(1, int(-(-hours // 3)))
    if track.kind == TrackKind.ADOLESCENTS:
        return TEEN_BLOCKS, per_week
    if program.name.startswith("Evening"):
        return EVENING_BLOCKS, per_week
    return DAY_BLOCKS, per_week


def _groups(
    rng: random.Random,
    org: Organization,
    sites: list[Site],
    tracks: list[Track],
    counselors: list[_Counselor],
    episodes: list[_Episode],
) -> None:
    """Past published weeks, their group sessions, places and attendance."""
    admin = (
        User.objects.filter(organization=org, role=Role.ADMINISTRATOR, is_active=True)
        .order_by("pk")
        .first()
    )
    programs = {p.pk: p for p in Program.objects.filter(site__organization=org)}
    zones = {s.pk: ZoneInfo(s.timezone) for s in sites}
    rooms: dict[int, list[Room]] = defaultdict(list)
    for found in Room.objects.filter(organization=org, virtual=False).order_by("pk"):
        if found.site_id is not None:
            rooms[found.site_id].append(found)
    by_track: dict[int, list[_Episode]] = defaultdict(list)
    for e in episodes:
        for t in e.tracks:
            by_track[t.pk].append(e)
    first = monday_of(min(e.admitted for e in episodes))
    final = max(e.ended for e in episodes)
    # A stable counselor order per track, so a group mostly keeps its counselor.
    order: dict[int, list[_Counselor]] = {}
    for t in tracks:
        here = [c for c in counselors if programs[t.program_id].site_id in c.sites]
        ranked = sorted((t.pk not in c.tracks, rng.random(), i) for i, c in enumerate(here))
        order[t.pk] = [here[i] for _, _, i in ranked]
    planned: list[tuple[date, GroupSession, date, list[_Episode]]] = []
    week = first
    index = 0
    while week <= final:
        used_rooms: set[tuple[str, int]] = set()
        used_staff: set[tuple[str, int]] = set()
        busy: set[tuple[str, int]] = set()  # a patient of two tracks: one group a block
        for t in tracks:
            members = [
                e
                for e in by_track.get(t.pk, [])
                if e.admitted <= week + timedelta(days=6) and e.ended >= week
            ]
            if not members:
                continue
            program = programs[t.program_id]
            site_id = program.site_id
            options, per_week = _blocks_for(t, program)
            shift = t.pk % len(options)
            chosen = 0
            for weekday, begins, ends, block_id in options[shift:] + options[:shift]:
                if chosen == per_week:
                    break
                day = week + timedelta(days=weekday)
                attending = [
                    e
                    for e in members
                    if e.admitted <= day <= e.ended and (block_id, id(e)) not in busy
                ]
                room = next((r for r in rooms[site_id] if (block_id, r.pk) not in used_rooms), None)
                staff = next(
                    (
                        c
                        for c in order[t.pk]
                        if (block_id, c.user.pk) not in used_staff
                        and c.free((weekday, begins, ends, block_id))
                    ),
                    None,
                ) or next((c for c in order[t.pk] if (block_id, c.user.pk) not in used_staff), None)
                if room is None or staff is None:
                    continue
                chosen += 1
                if not attending:
                    continue
                used_rooms.add((block_id, room.pk))
                used_staff.add((block_id, staff.user.pk))
                busy.update((block_id, id(e)) for e in attending)
                zone = zones[site_id]
                planned.append(
                    (
                        week,
                        GroupSession(
                            organization=org,
                            site_id=site_id,
                            track=t,
                            room=room,
                            counselor=staff.user,
                            block_id=block_id,
                            starts_at=datetime.combine(day, begins, zone).astimezone(UTC),
                            ends_at=datetime.combine(day, ends, zone).astimezone(UTC),
                            topic=TOPICS[(index + chosen) % len(TOPICS)],
                        ),
                        day,
                        attending,
                    )
                )
        week += timedelta(weeks=1)
        index += 1
    weeks = _weeks(org, admin, sorted({w for w, _, _, _ in planned}))
    for w, session, _, _ in planned:
        session.week = weeks[w]
    sessions = GroupSession.objects.bulk_create([s for _, s, _, _ in planned], batch_size=BATCH)
    places: list[SessionAssignment] = []
    records: list[AttendanceRecord] = []
    for session, (_, _, day, attending) in zip(sessions, planned, strict=True):
        for e in attending:
            places.append(SessionAssignment(session=session, patient=e.patient))
            records.append(_attendance(rng, session, day, e))
    SessionAssignment.objects.bulk_create(places, batch_size=BATCH)
    AttendanceRecord.objects.bulk_create(records, batch_size=BATCH)


def _weeks(
    org: Organization, admin: User | None, starts: Iterable[date]
) -> dict[date, ScheduleWeek]:
    """A published week for each Monday of ``starts``, back-dated to the Friday before."""
    made = ScheduleWeek.objects.bulk_create(
        [
            ScheduleWeek(
                organization=org,
                week_start=w,
                status=WeekStatus.PUBLISHED,
                created_by=admin,
                solved_at=_at(w - timedelta(days=4), 15),
                published_at=_at(w - timedelta(days=3), 15),
            )
            for w in starts
        ]
    )
    for week in made:
        week.created_at = _at(week.week_start - timedelta(days=4), 14)
    ScheduleWeek.objects.bulk_update(made, ["created_at"])
    return {w.week_start: w for w in made}


def _attendance(
    rng: random.Random, session: GroupSession, day: date, e: _Episode
) -> AttendanceRecord:
    """One attendance record: present most of the time for most, thinning out in the last
    two weeks of an episode that ended against advice or administratively."""
    likely = e.attend
    days_left = (e.ended - day).days
    if e.kind in (DischargeType.AGAINST_ADVICE, DischargeType.ADMINISTRATIVE) and days_left < 14:
        likely -= 0.35
    check_in: datetime | None = session.starts_at - timedelta(minutes=rng.randint(0, 10))
    check_out: datetime | None = session.ends_at
    if rng.random() < likely:
        roll = rng.random()
        status = AttendanceStatus.PRESENT
        if roll < 0.07:
            status = AttendanceStatus.LATE
            check_in = session.starts_at + timedelta(minutes=rng.randint(15, 50))
        elif roll < 0.13:
            status = AttendanceStatus.LEFT_EARLY
            check_out = session.ends_at - timedelta(minutes=rng.randint(20, 70))
    else:
        status = rng.choice([AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED])
        check_in = check_out = None
    return AttendanceRecord(
        session=session,
        patient=e.patient,
        status=status,
        check_in_at=check_in,
        check_out_at=check_out,
        recorded_by=session.counselor,
        updated_at=session.ends_at,
    )


# --- measures and drug screens ----------------------------------------------------------

DRIFT = {"better": -1.5, "same": 0.0, "worse": 1.4}


def _measures(rng: random.Random, episodes: list[_Episode]) -> None:
    """PHQ-9 and GAD-7 every two weeks from the day after admission to the discharge, the
    answers drawn around the episode's course and scored by the screening engine."""
    rows: list[ScreeningResponse] = []
    for e in episodes:
        for instrument, begin in (("phq9", rng.randint(10, 19)), ("gad7", rng.randint(8, 16))):
            day = e.admitted + timedelta(days=1)
            step = 0
            while day <= e.ended:
                total = round(begin + DRIFT[e.course] * step + rng.gauss(0, 1.0))
                result = score(instrument, _answers_for_total(instrument, total, rng))
                rows.append(
                    ScreeningResponse(
                        patient=e.patient,
                        instrument=result.instrument,
                        instrument_version=result.version,
                        response=questionnaire_response(result),
                        total=result.total,
                        band=result.band or "",
                        subscores=dict(result.subscores),
                        flags=list(result.flags),
                        administered_by=e.counselor,
                        administered_at=_at(day, 18),
                    )
                )
                day += timedelta(weeks=2)
                step += 1
    ScreeningResponse.objects.bulk_create(rows, batch_size=BATCH)


def _screens(rng: random.Random, episodes: list[_Episode]) -> None:
    """A resulted screen about once a week in substance tracks: positives for the patient's
    drug, more often early on and in episodes that ended badly."""
    screens: list[DrugScreen] = []
    positive: list[bool] = []
    owners: list[_Episode] = []
    for e in episodes:
        if not any(t.kind in SUBSTANCE_KINDS for t in e.tracks):
            continue
        base = (
            0.35 if e.kind in (DischargeType.AGAINST_ADVICE, DischargeType.TRANSFERRED_UP) else 0.12
        )
        day = e.admitted + timedelta(days=rng.randint(0, 3))
        week = 0
        while day <= e.ended:
            screens.append(
                DrugScreen(
                    patient=e.patient,
                    method=ScreenMethod.POINT_OF_CARE
                    if rng.random() < 0.8
                    else ScreenMethod.LABORATORY,
                    panel=sorted(DEFAULT_PANEL),
                    status=ScreenStatus.RESULTED,
                    ordered_by=e.counselor,
                    ordered_at=_at(day, 15),
                    collected_on=day,
                    resulted_by=e.counselor,
                    resulted_at=_at(day, 19),
                )
            )
            positive.append(rng.random() < max(0.03, base - 0.03 * week))
            owners.append(e)
            day += timedelta(days=rng.randint(6, 9))
            week += 1
    made = DrugScreen.objects.bulk_create(screens, batch_size=BATCH)
    results = [
        DrugScreenResult(
            screen=s,
            substance_class=c,
            value=ResultValue.POSITIVE if hit and c == e.drug else ResultValue.NEGATIVE,
        )
        for s, hit, e in zip(made, positive, owners, strict=True)
        for c in s.panel
    ]
    DrugScreenResult.objects.bulk_create(results, batch_size=5000)


# --- discharges and follow-ups ----------------------------------------------------------


def _discharges(
    rng: random.Random, org: Organization, episodes: list[_Episode], today: date
) -> None:
    """A discharge for each enrolment (treatment here ends: every track) and alumni
    follow-ups on the first, at 7 days and 1, 3, 6 and 12 months; those due by the demo's
    day were made for most patients who completed, fewer for those who left."""
    peer = User.objects.filter(organization=org, role=Role.PEER_SPECIALIST).order_by("pk").first()
    discharges: list[Discharge] = []
    firsts: list[tuple[int, _Episode]] = []
    for e in episodes:
        firsts.append((len(discharges), e))
        for en in e.enrollments:
            discharges.append(
                Discharge(
                    enrollment=en,
                    patient=e.patient,
                    kind=e.kind,
                    scope=DischargeScope.EVERY_TRACK,
                    discharged_on=e.ended,
                    summary=SUMMARIES[DischargeType(e.kind)],
                    next_provider=NEXT_PROVIDER[DischargeType(e.kind)],
                    peer_groups="SMART Recovery, Tuesdays"
                    if e.kind in (DischargeType.COMPLETED, DischargeType.STEPPED_DOWN)
                    else "",
                    crisis_plan=CRISIS_PLAN,
                    recorded_by=e.counselor,
                    recorded_at=_at(e.ended, 20),
                )
            )
    made = Discharge.objects.bulk_create(discharges, batch_size=BATCH)
    follow_ups: list[AlumniFollowUp] = []
    for i, e in firsts:
        discharge = made[i]
        done_chance = FOLLOW_UP_DONE[DischargeType(e.kind)]
        for due in [e.ended + timedelta(days=7), *default_follow_up_dates(e.ended)]:
            done_on = due + timedelta(days=rng.randint(-2, 3))
            done = done_on < today and rng.random() < done_chance
            follow_ups.append(
                AlumniFollowUp(
                    discharge=discharge,
                    patient=e.patient,
                    due_on=due,
                    done_on=done_on if done else None,
                    outcome=rng.choice(FOLLOW_UP_OUTCOMES) if done else "",
                    done_by=(peer or e.counselor) if done else None,
                )
            )
    AlumniFollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)


# --- consent, notice and coverage -------------------------------------------------------


def _paperwork(rng: random.Random, org: Organization, episodes: list[_Episode]) -> None:
    """What every admitted patient has, as the privacy and billing demos give the current
    ones: the consent to share for treatment (ending with treatment) signed and the privacy
    notice given on the first admission day, and a coverage for about nine in ten."""
    from openiop.billing.models import Coverage, Payer, Relationship
    from openiop.domain.consent import TPO_RECIPIENT_WORDING
    from openiop.privacy.demo_consents import TPO_DATA
    from openiop.privacy.models import Consent, NoticeGiven, NoticeMethod
    from openiop.privacy.notice import NOTICE_VERSION

    payers = list(Payer.objects.filter(organization=org).order_by("pk"))
    first: dict[int, _Episode] = {}
    for e in episodes:
        first.setdefault(id(e.patient), e)
    consents: list[Consent] = []
    notices: list[NoticeGiven] = []
    coverages: list[Coverage] = []
    for e in first.values():
        p = e.patient
        consents.append(
            Consent(
                organization=org,
                patient=p,
                disclosing_party=org.name,
                signer_name=f"{p.first_name} {p.last_name}",
                signer_relation="patient",
                signed_on=e.admitted,
                signature_method=rng.choice(("screen", "screen", "paper")),
                recorded_by=e.counselor,
                recorded_at=_at(e.admitted, 15),
                kind="tpo",
                recipient_kind="treating_provider",
                recipient_name=TPO_RECIPIENT_WORDING,
                purpose="treatment",
                data=TPO_DATA,
                ends_with_treatment=True,
            )
        )
        notices.extend(
            NoticeGiven(
                patient=p,
                version=NOTICE_VERSION,
                given_on=x.admitted,
                method=rng.choice(NoticeMethod.values),
                acknowledged=rng.random() < 0.9,
                given_by=x.counselor,
                recorded_at=_at(x.admitted, 15),
            )
            for x in episodes
            if x.patient is p
        )
        if payers and rng.random() < 0.9:
            coverages.append(
                Coverage(
                    patient=p,
                    rank=1,
                    payer=rng.choice(payers),
                    member_id=f"D{rng.randrange(10**8):08d}",
                    relationship=Relationship.SELF,
                    eligibility_checked_on=e.admitted - timedelta(days=1),
                    guarantor_name=f"{p.first_name} {p.last_name}",
                    created_by=e.counselor,
                    created_at=_at(e.admitted, 13),
                )
            )
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    NoticeGiven.objects.bulk_create(notices, batch_size=BATCH)
    Coverage.objects.bulk_create(coverages, batch_size=BATCH)
