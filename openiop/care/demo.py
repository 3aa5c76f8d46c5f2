"""Demo data for care (called by ``openiop.core.demo.build_demo`` in its transaction, after the
intake, scheduling and delivery demos).

For up to ``MAX_ENROLMENTS`` active enrolments (the rest of a 100,000-patient demo keeps the
defaults, which the pages handle):
- treatment plans for most: problems with ICD-10-CM codes by track, goals in the program's skill
  domains, measurable objectives (met / on track / behind by time in the program),
  interventions; most signed by the patient, some drafts; progress linked to objectives from
  delivery's signed notes when the delivery demo wrote some, else entered directly;
- repeated PHQ-9 and GAD-7 every two weeks since admission (bulk-inserted ``ScreeningResponse``
  rows scored by the domain, like intake's demo: intake's service stamps the current time, so it
  cannot record past weeks), improving for most, worsening for a few;
- supports (self-reported last use, sponsor, sober supports, family) and weekly peer meetings;
- drug screens, mostly negative, a few unexpected positives, and one patient prescribed
  buprenorphine whose positive buprenorphine screen is expected, not use;
- a relapse response opened by a positive screen, its safety check done and the rest open;
- taper recommendations pending approval: a step down, a hold and a step up among them.
Bulk inserts; one audit event for the demo load is written by ``build_demo``.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from openiop.accounts.models import Role, User
from openiop.care.common import monday
from openiop.care.models import (
    DEFAULT_PANEL,
    DrugScreen,
    DrugScreenResult,
    EnrollmentPhase,
    FamilyInvolvement,
    Goal,
    Intervention,
    MeetingKind,
    Objective,
    ObjectiveProgressNote,
    ObjectiveStatus,
    PeerMeetingWeek,
    PlanStatus,
    Prescription,
    Problem,
    RelapseEvent,
    RelapseSource,
    ResultValue,
    ScreenMethod,
    ScreenStatus,
    SkillDomain,
    SupportProfile,
    TreatmentPlan,
)
from openiop.care.taper import inputs as taper_inputs
from openiop.care.taper import services as taper_services
from openiop.domain import ageout
from openiop.domain.diagnosis import icd10
from openiop.domain.screening import questionnaire_response, score
from openiop.intake.models import ScreeningResponse
from openiop.organization.models import Organization, TrackKind
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

MAX_ENROLMENTS = 400

DIAGNOSES: dict[str, list[tuple[str, str]]] = {
    TrackKind.SUBSTANCE_USE: [
        ("Opioid use with cravings and past overdose", "F11.20"),
        ("Cocaine use on weekends", "F14.20"),
        ("Methamphetamine use with poor sleep", "F15.20"),
        ("Daily cannabis use", "F12.20"),
    ],
    TrackKind.ALCOHOL: [("Daily drinking, unable to cut down", "F10.20")],
    TrackKind.CO_OCCURRING: [("Alcohol use disorder", "F10.20"), ("Depression", "F32.1")],
    TrackKind.MENTAL_HEALTH: [
        ("Recurrent depression", "F33.1"),
        ("Generalized anxiety", "F41.1"),
        ("Post-traumatic stress after an assault", "F43.10"),
    ],
    TrackKind.EATING_DISORDERS: [
        ("Binge eating, 2-3 episodes a week", "F50.810"),
        ("Bulimia, purging weekly", "F50.22"),
    ],
    TrackKind.ADOLESCENTS: [("Cannabis use affecting school", "F12.10")],
}
GOALS = [
    (SkillDomain.COPING, "Use healthy coping skills when cravings or stress rise"),
    (SkillDomain.PROBLEM_SOLVING, "Solve everyday problems without turning to use"),
    (SkillDomain.SELF_AWARENESS, "Notice early warning signs in mood and thinking"),
    (SkillDomain.RECOGNISING_UNHEALTHY, "Recognise unhealthy patterns and people"),
    (SkillDomain.ASKING_FOR_HELP, "Ask for and accept help from supports"),
]
OBJECTIVES = {
    SkillDomain.COPING: [
        ("Practise a grounding skill daily", "Daily log, 5 of 7 days"),
        ("Use urge surfing when cravings start", "Reported in group weekly"),
    ],
    SkillDomain.PROBLEM_SOLVING: [
        ("Make a plan for high-risk weekends", "Written plan reviewed in session"),
    ],
    SkillDomain.SELF_AWARENESS: [
        ("Keep a mood and trigger diary", "Diary brought to 3 of 4 sessions"),
    ],
    SkillDomain.RECOGNISING_UNHEALTHY: [
        ("List three high-risk situations and an exit for each", "List reviewed with counselor"),
    ],
    SkillDomain.ASKING_FOR_HELP: [
        ("Attend peer meetings", "At least 2 meetings a week"),
        ("Call a sober support before acting on an urge", "Calls reported weekly"),
    ],
}
INTERVENTIONS = [
    ("cbt", "3 groups a week", "Group counselor"),
    ("dbt", "1 skills group a week", "Group counselor"),
    ("mi", "Individual session every 2 weeks", "Primary counselor"),
    ("psychoeducation", "1 group a week", "Group counselor"),
    ("peer", "Peer meetings in the community", "Patient"),
    ("medication", "Monthly medication review", "Prescriber"),
    ("family", "Family session every 2 weeks", "Family therapist"),
    ("cm", "Incentives for negative screens", "Primary counselor"),
]
PROGRESS = [
    "Used the grounding skill twice this week when stressed at work.",
    "Named a craving in group and described riding it out.",
    "Brought the diary; noticed Sunday evenings are hardest.",
    "Called their sponsor before a family gathering.",
    "Went to three meetings and shared at one.",
]


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    enrolments = list(
        Enrollment.objects.filter(patient__organization=org, status=EnrollmentStatus.ACTIVE)
        .select_related("patient", "track")
        .order_by("id")[:MAX_ENROLMENTS]
    )
    if not enrolments:
        return
    staff = _clinicians(org)
    director = User.objects.filter(organization=org, role=Role.CLINICAL_DIRECTOR).first()

    def clinician(e: Enrollment) -> User:
        options = staff.get(e.patient.site_id) or ([director] if director else [])
        return rng.choice(options)

    plans = _plans(enrolments, clinician, rng, today)
    _progress_notes(plans, rng, today)
    _measures(enrolments, clinician, rng, today)
    _supports(enrolments, clinician, rng, today)
    screened = _screens(enrolments, clinician, rng, today)
    showcase = _showcase(enrolments, plans, screened, clinician, today)
    _recommendations(enrolments, showcase, today)
    _turning_18(org, today)


def _turning_18(org: Organization, today: date) -> None:
    """One adolescent turns 18 three days after the demo's today, so the age-out flag shows
    up on the chart, the care page and the roster when the clock reaches the birthday."""
    e = (
        Enrollment.objects.filter(
            patient__organization=org,
            status=EnrollmentStatus.ACTIVE,
            track__kind=TrackKind.ADOLESCENTS,
        )
        .select_related("patient")
        .order_by("id")
        .first()
    )
    if e is None:
        return
    birthday = today + timedelta(days=3)
    born = ageout.birthday_in(birthday, birthday.year - ageout.ADULT_AGE)
    Patient.objects.filter(pk=e.patient_id).update(date_of_birth=born)


def _clinicians(org: Organization) -> dict[int, list[User]]:
    by_site: dict[int, list[User]] = defaultdict(list)
    for user in (
        User.objects.filter(organization=org, role=Role.COUNSELOR)
        .prefetch_related("staff_profile__sites")
        .order_by("username")
    ):
        for site in user.staff_profile.sites.all():
            by_site[site.pk].append(user)
    return by_site


def _at(day: date, hour: int = 17) -> datetime:
    return datetime.combine(day, time(hour, 0), UTC)


def _weeks_in(e: Enrollment, today: date) -> int:
    return max(0, (today - e.starts_on).days // 7)


def _plans(
    enrolments: list[Enrollment], clinician: Any, rng: random.Random, today: date
) -> dict[int, TreatmentPlan]:
    """Plans for about 85% of enrolments; signed when admitted for more than 5 days."""
    chosen = [e for e in enrolments if rng.random() < 0.85]
    plans = TreatmentPlan.objects.bulk_create(
        [
            TreatmentPlan(
                enrollment=e,
                patient=e.patient,
                version=1,
                status=PlanStatus.SIGNED if (today - e.starts_on).days > 5 else PlanStatus.DRAFT,
                review_on=max(today, e.starts_on + timedelta(days=30)),
                created_by=clinician(e),
                created_at=_at(e.starts_on + timedelta(days=1)),
                **(
                    {
                        "patient_signature_name": f"{e.patient.first_name} {e.patient.last_name}",
                        "patient_signed_on": e.starts_on + timedelta(days=4),
                        "signature_attested_by": clinician(e),
                        "signed_at": _at(e.starts_on + timedelta(days=4)),
                    }
                    if (today - e.starts_on).days > 5
                    else {}
                ),
            )
            for e in chosen
        ]
    )
    by_enrolment = {p.enrollment_id: p for p in plans}
    problems: list[Problem] = []
    goals: list[Goal] = []
    for e in chosen:
        plan = by_enrolment[e.pk]
        for description, code in DIAGNOSES.get(e.track.kind, DIAGNOSES[TrackKind.MENTAL_HEALTH])[
            : 2 if e.track.kind == TrackKind.CO_OCCURRING else 1
        ]:
            checked = icd10.check(code)
            if not checked.ok:  # DIAGNOSES holds billable codes only (tested)
                raise ValueError(checked.error)
            problems.append(
                Problem(
                    plan=plan,
                    description=description,
                    icd10_code=checked.code,
                    icd10_label=checked.description,
                    code_set_version=checked.version,
                )
            )
        for domain, text in rng.sample(GOALS, 2):
            goals.append(Goal(plan=plan, description=text, skill_domain=domain))
    Problem.objects.bulk_create(problems)
    goals = Goal.objects.bulk_create(goals)
    objectives: list[Objective] = []
    interventions: list[Intervention] = []
    enrolment_of = {p.pk: e for e in chosen for p in [by_enrolment[e.pk]]}
    for goal in goals:
        e = enrolment_of[goal.plan_id]
        weeks = _weeks_in(e, today)
        for description, measure in OBJECTIVES[SkillDomain(goal.skill_domain)][:2]:
            roll = rng.random()
            status = (
                ObjectiveStatus.MET
                if weeks >= 4 and roll < 0.45
                else ObjectiveStatus.BEHIND
                if roll > 0.85
                else ObjectiveStatus.ON_TRACK
            )
            objectives.append(
                Objective(
                    goal=goal,
                    plan_id=goal.plan_id,
                    lineage=uuid.UUID(int=rng.getrandbits(128)),
                    description=description,
                    measure=measure,
                    target_on=e.starts_on + timedelta(weeks=rng.choice([4, 6, 8])),
                    status=status,
                    status_changed_at=_at(min(today, e.starts_on + timedelta(days=14))),
                )
            )
    Objective.objects.bulk_create(objectives)
    for plan in plans:
        for kind, frequency, who in rng.sample(INTERVENTIONS, 3):
            interventions.append(
                Intervention(plan=plan, kind=kind, frequency=frequency, responsible=who)
            )
    Intervention.objects.bulk_create(interventions)
    return by_enrolment


def _progress_notes(plans: dict[int, TreatmentPlan], rng: random.Random, today: date) -> None:
    """Progress on about half the objectives: from the patient's signed delivery notes when
    there are some, else entered on the objective."""
    objectives = list(
        Objective.objects.filter(plan__in=list(plans.values())).select_related("plan")
    )
    notes: dict[int, list[Any]] = defaultdict(list)  # patient -> signed note sections
    try:
        from openiop.delivery.models import NoteSection

        for found in (
            NoteSection.objects.filter(
                patient_id__in={o.plan.patient_id for o in objectives},
                note__signed_at__isnull=False,
            )
            .select_related("note")
            .order_by("note__service_date")
        ):
            notes[found.patient_id].append(found)
    except ImportError:
        pass
    rows = []
    for o in objectives:
        if rng.random() > 0.5:
            continue
        sections = notes.get(o.plan.patient_id, [])
        section = rng.choice(sections) if sections else None
        text = rng.choice(PROGRESS)
        if section is not None:
            content = section.content or {}
            quoted = next((str(v) for v in content.values() if isinstance(v, str) and v), "")
            text = quoted[:400] or text
        rows.append(
            ObjectiveProgressNote(
                objective=o,
                patient_id=o.plan.patient_id,
                lineage=o.lineage,
                note=section.note if section is not None else None,
                excerpt=text,
                recorded_by=o.plan.created_by,
                recorded_at=_at(
                    min(today, o.plan.enrollment.starts_on + timedelta(days=rng.randint(7, 30)))
                ),
            )
        )
    ObjectiveProgressNote.objects.bulk_create(rows)


def _answers_for_total(instrument: str, target: int, rng: random.Random) -> dict[str, object]:
    """PHQ-9 / GAD-7 answers summing to ``target`` (PHQ-9 item 9 kept at 0)."""
    keys = [str(n) for n in range(1, 10 if instrument == "phq9" else 8)]
    free = [k for k in keys if k != "9"]
    answers = dict.fromkeys(keys, 0)
    target = max(0, min(target, 3 * len(free)))
    while sum(answers.values()) < target:
        k = rng.choice(free)
        if answers[k] < 3:
            answers[k] += 1
    return dict(answers)


def _measures(
    enrolments: list[Enrollment], clinician: Any, rng: random.Random, today: date
) -> None:
    """PHQ-9 and GAD-7 every two weeks since admission: most improve, a few worsen."""
    rows: list[ScreeningResponse] = []
    seen: set[int] = set()
    for e in enrolments:
        if e.patient_id in seen or (today - e.starts_on).days < 14:
            continue
        seen.add(e.patient_id)
        worsening = rng.random() < 0.12
        for instrument, start in (("phq9", rng.randint(10, 19)), ("gad7", rng.randint(8, 16))):
            day = e.starts_on + timedelta(days=1)
            step = 0
            while day <= today:
                drift = (1.6 if worsening else -1.4) * step
                total = round(start + drift + rng.gauss(0, 1.2))
                result = score(instrument, _answers_for_total(instrument, total, rng))
                rows.append(
                    ScreeningResponse(
                        patient_id=e.patient_id,
                        instrument=result.instrument,
                        instrument_version=result.version,
                        response=questionnaire_response(result),
                        total=result.total,
                        band=result.band or "",
                        subscores=dict(result.subscores),
                        flags=list(result.flags),
                        administered_by=clinician(e),
                        administered_at=_at(day, 18),
                    )
                )
                day += timedelta(weeks=2)
                step += 1
    ScreeningResponse.objects.bulk_create(rows, batch_size=2000)


def _supports(
    enrolments: list[Enrollment], clinician: Any, rng: random.Random, today: date
) -> None:
    profiles: dict[int, SupportProfile] = {}
    meetings: list[PeerMeetingWeek] = []
    this_monday = monday(today)
    for e in enrolments:
        if e.patient_id in profiles or rng.random() > 0.75:
            continue
        who = clinician(e)
        profiles[e.patient_id] = SupportProfile(
            patient_id=e.patient_id,
            has_sponsor_or_mentor=rng.random() < 0.5,
            sponsor_name=rng.choice(["", "Sam (AA sponsor)", "Lee (peer mentor)"]),
            sober_supports=rng.randint(0, 4),
            family_involvement=rng.choice(FamilyInvolvement.values),
            last_use_reported_on=e.starts_on - timedelta(days=rng.randint(2, 30)),
            updated_by=who,
            updated_at=_at(e.starts_on + timedelta(days=2)),
        )
        kind = rng.choice(
            [
                MeetingKind.AA,
                MeetingKind.NA,
                MeetingKind.SMART,
                MeetingKind.REFUGE,
                MeetingKind.FAITH,
            ]
        )
        base = rng.choice([0, 1, 2, 3])
        for w in range(1, 7):
            week = this_monday - timedelta(weeks=w)
            if week < monday(e.starts_on):
                break
            meetings.append(
                PeerMeetingWeek(
                    patient_id=e.patient_id,
                    week_start=week,
                    kind=kind,
                    count=max(0, base + rng.choice([-1, 0, 0, 1])),
                    recorded_by=who,
                    recorded_at=_at(week + timedelta(days=7)),
                )
            )
    SupportProfile.objects.bulk_create(list(profiles.values()))
    PeerMeetingWeek.objects.bulk_create(meetings)


SUBSTANCE_KINDS = {
    TrackKind.SUBSTANCE_USE,
    TrackKind.ALCOHOL,
    TrackKind.CO_OCCURRING,
    TrackKind.ADOLESCENTS,
}


def _screens(
    enrolments: list[Enrollment], clinician: Any, rng: random.Random, today: date
) -> list[Enrollment]:
    """Weekly-ish negative screens in substance tracks; a few unexpected positives."""
    chosen = [
        e for e in enrolments if e.track.kind in SUBSTANCE_KINDS and (today - e.starts_on).days >= 7
    ]
    screens: list[DrugScreen] = []
    positives: set[int] = {e.pk for e in chosen[5:60:17]}  # a few
    for e in chosen:
        for w in range(min(4, _weeks_in(e, today)), 0, -1):
            day = today - timedelta(weeks=w) + timedelta(days=rng.randint(0, 3))
            if day < e.starts_on:
                continue
            screens.append(
                DrugScreen(
                    patient_id=e.patient_id,
                    method=ScreenMethod.POINT_OF_CARE
                    if rng.random() < 0.8
                    else ScreenMethod.LABORATORY,
                    panel=sorted(DEFAULT_PANEL),
                    status=ScreenStatus.RESULTED,
                    ordered_by=clinician(e),
                    ordered_at=_at(day, 15),
                    collected_on=day,
                    resulted_by=clinician(e),
                    resulted_at=_at(day, 19),
                )
            )
    screens = DrugScreen.objects.bulk_create(screens)
    latest: dict[int, DrugScreen] = {}
    for s in screens:
        latest[s.patient_id] = s
    positive_screens = {
        latest[e.patient_id].pk for e in chosen if e.pk in positives and e.patient_id in latest
    }
    results = []
    for s in screens:
        for cls in s.panel:
            value = ResultValue.NEGATIVE
            if s.pk in positive_screens and cls == "cocaine":
                value = ResultValue.POSITIVE
            results.append(DrugScreenResult(screen=s, substance_class=cls, value=value))
    DrugScreenResult.objects.bulk_create(results, batch_size=5000)
    return chosen


def _showcase(
    enrolments: list[Enrollment],
    plans: dict[int, TreatmentPlan],
    screened: list[Enrollment],
    clinician: Any,
    today: date,
) -> dict[str, Enrollment]:
    """Patients whose evidence shows each path: buprenorphine expected, a relapse response, a
    step down, a step up and a hold."""
    from openiop.intake.models import SafetyTask

    unsafe = set(SafetyTask.objects.filter(status="open").values_list("patient_id", flat=True))
    taken: set[int] = set(unsafe)
    counts: dict[int, int] = defaultdict(int)
    for e in enrolments:
        counts[e.patient_id] += 1

    def pick(pred: Any) -> Enrollment | None:
        for e in enrolments:
            if e.patient_id in taken or counts[e.patient_id] > 1 or not pred(e):
                continue
            if e.patient.age_on(today) < 18:
                continue
            taken.add(e.patient_id)
            return e
        return None

    showcase: dict[str, Enrollment] = {}

    def long_enough(e: Enrollment) -> bool:
        return (today - e.starts_on).days >= 42 and e.pk in plans

    opioid = pick(lambda e: e in screened and long_enough(e))
    if opioid is not None:
        showcase["buprenorphine"] = opioid
        _buprenorphine(opioid, clinician(opioid), today)
    relapse = pick(lambda e: e in screened and (today - e.starts_on).days >= 14)
    if relapse is not None:
        showcase["relapse"] = relapse
        _relapse(relapse, clinician(relapse), today)

    def attends(e: Enrollment) -> bool:
        recorded = taper_inputs.recorded_attendance(e, today, taper_inputs.policy_for(e))
        return long_enough(e) and (recorded is None or recorded[0] >= 0.8)

    down = pick(attends)
    if down is not None:
        showcase["step_down"] = down
        _ready_to_step_down(down, plans[down.pk], clinician(down), today)
    up = pick(long_enough)
    if up is not None:
        showcase["step_up"] = up
        _struggling(up, clinician(up), today)
    hold = pick(long_enough)
    if hold is not None:
        showcase["hold"] = hold
        Objective.objects.filter(plan=plans[hold.pk]).update(status=ObjectiveStatus.BEHIND)
    return showcase


def _buprenorphine(e: Enrollment, who: User, today: date) -> None:
    Prescription.objects.create(
        patient_id=e.patient_id,
        medication="Buprenorphine-naloxone 8/2 mg daily",
        substance_class="buprenorphine",
        prescriber="Dr. Okoro, Harbor Family Medicine",
        starts_on=e.starts_on - timedelta(days=20),
        recorded_by=who,
        recorded_at=_at(e.starts_on),
    )
    _results_of(e.patient_id).filter(substance_class="buprenorphine").update(
        value=ResultValue.POSITIVE, expected=True
    )
    _results_of(e.patient_id).filter(substance_class="cocaine").update(value=ResultValue.NEGATIVE)


def _relapse(e: Enrollment, who: User, today: date) -> None:
    """A positive screen three days ago opened the response; the safety check is done."""
    day = today - timedelta(days=3)
    screen = DrugScreen.objects.create(
        patient_id=e.patient_id,
        method=ScreenMethod.POINT_OF_CARE,
        panel=sorted(DEFAULT_PANEL),
        status=ScreenStatus.RESULTED,
        ordered_by=who,
        ordered_at=_at(day, 15),
        collected_on=day,
        resulted_by=who,
        resulted_at=_at(day, 16),
    )
    DrugScreenResult.objects.bulk_create(
        [
            DrugScreenResult(
                screen=screen,
                substance_class=c,
                value=ResultValue.POSITIVE if c == "fentanyl" else ResultValue.NEGATIVE,
            )
            for c in screen.panel
        ]
    )
    RelapseEvent.objects.create(
        patient_id=e.patient_id,
        enrollment=e,
        source=RelapseSource.POSITIVE_SCREEN,
        occurred_on=day,
        substances="Fentanyl",
        description=f"Opened automatically: the screen collected on {day:%Y-%m-%d} was positive "
        "for Fentanyl, which no current prescription explains.",
        drug_screen=screen,
        opened_by=who,
        opened_at=_at(day, 16),
        safety_findings=["overdose_risk"],
        safety_notes="Naloxone kit given; agreed to call a sober support tonight.",
        safety_checked_by=who,
        safety_checked_at=_at(day, 17),
    )


def _ready_to_step_down(e: Enrollment, plan: TreatmentPlan, who: User, today: date) -> None:
    """Everything the engine asks for before a step down, recorded."""
    EnrollmentPhase.objects.update_or_create(
        enrollment=e,
        defaults={
            "phase_id": "phase-3",
            "started_on": today - timedelta(weeks=3),
            "updated_at": _at(today - timedelta(weeks=3)),
        },
    )
    SupportProfile.objects.update_or_create(
        patient_id=e.patient_id,
        defaults={
            "has_sponsor_or_mentor": True,
            "sponsor_name": "Sam (AA sponsor)",
            "sober_supports": 3,
            "family_involvement": FamilyInvolvement.REGULAR,
            "last_use_reported_on": today - timedelta(weeks=7),
            "updated_by": who,
            "updated_at": _at(today - timedelta(days=10)),
        },
    )
    this_monday = monday(today)
    PeerMeetingWeek.objects.filter(patient_id=e.patient_id).delete()
    PeerMeetingWeek.objects.bulk_create(
        [
            PeerMeetingWeek(
                patient_id=e.patient_id,
                week_start=this_monday - timedelta(weeks=w),
                kind=MeetingKind.AA,
                count=count,
                recorded_by=who,
                recorded_at=_at(this_monday - timedelta(weeks=w - 1)),
            )
            for w, count in ((4, 2), (3, 2), (2, 3), (1, 3))
        ]
    )
    objectives = list(Objective.objects.filter(plan=plan).order_by("id"))
    for i, o in enumerate(objectives):
        o.status = ObjectiveStatus.MET if i == 0 else ObjectiveStatus.ON_TRACK
    Objective.objects.bulk_update(objectives, ["status"])
    _clean_screens(e, who, today)
    _trend(e, who, today, better=True)


def _struggling(e: Enrollment, who: User, today: date) -> None:
    """A return to use two weeks ago (closed response) and worse mood: a step up."""
    RelapseEvent.objects.create(
        patient_id=e.patient_id,
        enrollment=e,
        source=RelapseSource.SELF_REPORT,
        occurred_on=today - timedelta(days=12),
        substances="Alcohol",
        description="Told the group they drank over the weekend after a family argument.",
        opened_by=who,
        opened_at=_at(today - timedelta(days=11)),
        safety_findings=[],
        safety_checked_by=who,
        safety_checked_at=_at(today - timedelta(days=11)),
        plan_note="Added a weekend plan to the coping goal.",
        plan_done_by=who,
        plan_done_at=_at(today - timedelta(days=10)),
        notice_text="Drank at the weekend; safety fine; more support planned.",
        notified_by=who,
        notified_at=_at(today - timedelta(days=10)),
        status="closed",
        closed_by=who,
        closed_at=_at(today - timedelta(days=9)),
    )
    _trend(e, who, today, better=False)


def _results_of(patient_id: int) -> QuerySet[DrugScreenResult]:
    """A patient's screen results, selected by their screens' ids read first.

    An UPDATE filtered through the join (`screen__patient_id`) becomes `id IN (SELECT … JOIN
    …)`, which PostgreSQL planned as nested loops over the whole table when its statistics
    said the freshly filled table was empty; the ids make it an index lookup whatever the
    statistics say."""
    screens = list(DrugScreen.objects.filter(patient_id=patient_id).values_list("pk", flat=True))
    return DrugScreenResult.objects.filter(screen_id__in=screens)


def _clean_screens(e: Enrollment, who: User, today: date) -> None:
    _results_of(e.patient_id).update(value=ResultValue.NEGATIVE, expected=False)
    day = today - timedelta(days=6)
    screen = DrugScreen.objects.create(
        patient_id=e.patient_id,
        method=ScreenMethod.LABORATORY,
        panel=sorted(DEFAULT_PANEL),
        status=ScreenStatus.RESULTED,
        ordered_by=who,
        ordered_at=_at(day, 15),
        collected_on=day,
        resulted_by=who,
        resulted_at=_at(day + timedelta(days=1), 15),
    )
    DrugScreenResult.objects.bulk_create(
        [DrugScreenResult(screen=screen, substance_class=c, value="negative") for c in screen.panel]
    )


def _trend(e: Enrollment, who: User, today: date, *, better: bool) -> None:
    """Replace the patient's PHQ-9 / GAD-7 series with a clear reliable change."""
    ScreeningResponse.objects.filter(
        patient_id=e.patient_id,
        instrument__in=["phq9", "gad7"],
        administered_at__gte=_at(e.starts_on - timedelta(days=1), 0),
    ).delete()
    rng = random.Random(e.pk)
    series = {
        "phq9": [17, 15, 12, 10, 8, 7] if better else [8, 9, 11, 13, 15, 17],
        "gad7": [14, 12, 10, 8, 7, 6] if better else [6, 7, 9, 11, 12, 13],
    }
    rows = []
    for instrument, totals in series.items():
        for i, total in enumerate(totals):
            day = today - timedelta(weeks=2 * (len(totals) - 1 - i), days=1)
            if day < e.starts_on:
                continue
            result = score(instrument, _answers_for_total(instrument, total, rng))
            rows.append(
                ScreeningResponse(
                    patient_id=e.patient_id,
                    instrument=instrument,
                    instrument_version=result.version,
                    response=questionnaire_response(result),
                    total=result.total,
                    band=result.band or "",
                    subscores={},
                    flags=list(result.flags),
                    administered_by=who,
                    administered_at=_at(day, 18),
                )
            )
    ScreeningResponse.objects.bulk_create(rows)


def _recommendations(
    enrolments: list[Enrollment], showcase: dict[str, Enrollment], today: date
) -> None:
    """Pending recommendations for the showcase patients and a few others, from the engine."""
    targets = list(showcase.values())
    others = [e for e in enrolments if e not in targets and (today - e.starts_on).days >= 21]
    targets += others[:8]
    for e in targets:
        reported = 0.9 if e is showcase.get("step_down") else None
        taper_services.taper_recommend(
            actor=None, enrollment=e, attendance_reported=reported, today=today
        )
