"""Demo data for intake (called by `openiop.core.demo.build_demo` in its transaction).

- Weekly availability for every actively enrolled patient, by circumstance: people who work
  (Evening IOP) are free on weekday evenings and Saturday mornings, students (adolescents and
  some young adults) on weekday afternoons and evenings, others (Day IOP) on weekday mornings.
  This, with the enrolments, is the scheduler's input.
- An admission (program, primary counselor) for every enrolled patient.
- Screenings with plausible answers, scored by the domain: PHQ-9 and GAD-7 for mental-health
  and co-occurring tracks, AUDIT for alcohol, DAST-10 for substance use, CRAFFT for teenagers,
  BAM for some; PHQ-9 item 9 is positive for a handful, each with its safety task (two open).
- Level-of-care decisions whose dimension ratings come from the proposals of the evidence table
  (`openiop.domain.placement.propose`: the patient's screenings, age and intake facts); the
  clinician rates the dimensions no evidence speaks to, changes a few proposals with a reason,
  and mostly accepts the level (some overridden with a reason).
- Referrals in every stage from every source with realistic time in stage.
Bulk inserts keep it fast at 100,000 patients (screenings and decisions are capped).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from openiop.accounts.models import Role, User
from openiop.core.demo import FIRST, LAST
from openiop.domain.placement import (
    Condition,
    DimensionRating,
    Evidence,
    LevelOfCare,
    PersonFacts,
    PlacementInput,
    ProgramCriteria,
    Proposal,
    ScoredScreen,
    propose,
    recommend_placement,
)
from openiop.domain.placement.evidence import screening_results
from openiop.domain.screening import INSTRUMENTS, ItemKind, questionnaire_response, score
from openiop.domain.screening.rules import AnswerValue, Facts
from openiop.intake.models import (
    BLOCK_TIMES,
    OPEN_STAGES,
    Admission,
    PatientAvailability,
    PlacementDecision,
    PlacementDecisionKind,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStage,
    SafetyTask,
    SafetyTaskStatus,
    ScreeningResponse,
)
from openiop.intake.placement import CRITERIA_FIELDS, reasons_json
from openiop.organization.models import Organization, Program, TrackKind
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient

BATCH = 5000
MAX_SCREENED_PATIENTS = 3000
MAX_DECISIONS = 600
WEEKDAYS = range(5)
REFERRERS = {
    ReferralSource.PHYSICIAN: ("Dr. {last}", "Harbor Family Medicine"),
    ReferralSource.RESIDENTIAL: ("{first} {last}, discharge planner", "Greenfield Residential"),
    ReferralSource.HOSPITAL: ("{first} {last}, social worker", "Riverside Community Hospital"),
    ReferralSource.DETOX: ("{first} {last}, case manager", "Bayview Withdrawal Management"),
    ReferralSource.SELF: ("", ""),
    ReferralSource.FAMILY: ("{first} {last}", ""),
    ReferralSource.COURT_EMPLOYER: ("{first} {last}, probation officer", "County Drug Court"),
    ReferralSource.OTHER: ("{first} {last}", "Community health worker program"),
}
REASONS = [
    "Drinking has increased since a job loss; wants help but must keep caring for children.",
    "Opioid use after a back injury; finished detox last week and needs a step-down program.",
    "Depression and cannabis use; missing school.",
    "Relapsed after 8 months sober; asking for evening groups.",
    "Panic attacks and daily alcohol use to cope.",
    "Court-ordered treatment after a DUI.",
    "Leaving residential care on Friday; needs outpatient follow-up.",
    "Family worried about stimulant use and weight loss.",
]
MOVE_REASONS = {
    ReferralStage.SCREENING: "Phone screen scheduled; consent obtained.",
    ReferralStage.ASSESSMENT: "Screens positive; comprehensive assessment booked.",
    ReferralStage.ADMITTED: "Assessment supports IOP; admitted.",
    ReferralStage.WAITLISTED: "Evening track full; on the waitlist.",
    ReferralStage.DECLINED: "Person decided not to start treatment now.",
    ReferralStage.REFERRED_ELSEWHERE: "Needs residential care; referred to a residential program.",
}
PATHS = {
    ReferralStage.INQUIRY: [],
    ReferralStage.SCREENING: [ReferralStage.SCREENING],
    ReferralStage.ASSESSMENT: [ReferralStage.SCREENING, ReferralStage.ASSESSMENT],
    ReferralStage.WAITLISTED: [ReferralStage.SCREENING, ReferralStage.WAITLISTED],
    ReferralStage.ADMITTED: [
        ReferralStage.SCREENING,
        ReferralStage.ASSESSMENT,
        ReferralStage.ADMITTED,
    ],
    ReferralStage.DECLINED: [ReferralStage.SCREENING, ReferralStage.DECLINED],
    ReferralStage.REFERRED_ELSEWHERE: [
        ReferralStage.SCREENING,
        ReferralStage.ASSESSMENT,
        ReferralStage.REFERRED_ELSEWHERE,
    ],
}
DAYS_IN_STAGE = {
    ReferralStage.INQUIRY: (0, 6),
    ReferralStage.SCREENING: (1, 10),
    ReferralStage.ASSESSMENT: (1, 14),
    ReferralStage.WAITLISTED: (5, 45),
    ReferralStage.ADMITTED: (0, 28),
    ReferralStage.DECLINED: (0, 28),
    ReferralStage.REFERRED_ELSEWHERE: (0, 28),
}


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(13, 22), rng.choice([0, 15, 30, 45])), UTC)


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    programs = {p.pk: p for p in Program.objects.filter(site__organization=org)}
    counselors = _counselors_by_site(org)
    director = User.objects.filter(organization=org, role=Role.CLINICAL_DIRECTOR).first()
    enrolled = _enrolled(org)
    _availability(enrolled, programs, rng, today)
    _admissions(enrolled, counselors, director, rng)
    screened = _screenings(enrolled, counselors, director, rng, today)
    _decisions(enrolled, screened, counselors, director, rng, today)
    _referrals(org, programs, enrolled, counselors, rng, today)


def _counselors_by_site(org: Organization) -> dict[int, list[User]]:
    by_site: dict[int, list[User]] = defaultdict(list)
    for user in (
        User.objects.filter(organization=org, role=Role.COUNSELOR)
        .prefetch_related("staff_profile__sites")
        .order_by("username")
    ):
        for site in user.staff_profile.sites.all():
            by_site[site.pk].append(user)
    return by_site


def _enrolled(org: Organization) -> list[dict[str, Any]]:
    """One dict per patient with active enrolments: ids, age facts, tracks, start."""
    rows: dict[int, dict[str, Any]] = {}
    for e in (
        Enrollment.objects.filter(patient__organization=org, status=EnrollmentStatus.ACTIVE)
        .values(
            "id",
            "patient_id",
            "patient__site_id",
            "patient__program_id",
            "patient__date_of_birth",
            "starts_on",
            "track__kind",
            "track__program_id",
        )
        .order_by("patient_id", "id")
    ):
        row = rows.setdefault(
            e["patient_id"],
            {
                "patient_id": e["patient_id"],
                "site_id": e["patient__site_id"],
                "program_id": e["track__program_id"],
                "born": e["patient__date_of_birth"],
                "starts_on": e["starts_on"],
                "kinds": [],
                "enrollment_ids": [],
            },
        )
        row["kinds"].append(e["track__kind"])
        row["enrollment_ids"].append(e["id"])
    return list(rows.values())


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _availability(
    enrolled: list[dict[str, Any]],
    programs: dict[int, Program],
    rng: random.Random,
    today: date,
) -> None:
    rows: list[PatientAvailability] = []
    for p in enrolled:
        age = _age(p["born"], today)
        program_name = programs[p["program_id"]].name
        blocks: set[tuple[int, str]] = set()
        student = age < 18 or (age <= 24 and rng.random() < 0.4)
        if student:  # school in the morning: afternoons and some evenings
            blocks |= {(d, "afternoon") for d in WEEKDAYS if rng.random() < 0.9}
            blocks |= {(d, "evening") for d in WEEKDAYS if rng.random() < 0.4}
            blocks |= {(5, "morning")} if rng.random() < 0.5 else set()
        elif "Evening" in program_name:  # works days: evenings and Saturday morning
            blocks |= {(d, "evening") for d in WEEKDAYS if rng.random() < 0.85}
            blocks |= {(5, "morning")} if rng.random() < 0.8 else set()
            blocks |= {(6, "afternoon")} if rng.random() < 0.2 else set()
        else:  # between jobs, on leave, caring for family: mornings, some afternoons
            blocks |= {(d, "morning") for d in WEEKDAYS if rng.random() < 0.9}
            blocks |= {(d, "afternoon") for d in WEEKDAYS if rng.random() < 0.3}
        if len({d for d, _ in blocks}) < 3:  # at least three days, as an IOP needs
            blocks |= {
                (d, "evening" if "Evening" in program_name else "morning") for d in (0, 2, 4)
            }
        rows.extend(
            PatientAvailability(
                patient_id=p["patient_id"],
                weekday=d,
                start=BLOCK_TIMES[b][0],
                end=BLOCK_TIMES[b][1],
            )
            for d, b in sorted(blocks)
        )
    PatientAvailability.objects.bulk_create(rows, batch_size=BATCH)


def _pick_counselor(
    counselors: dict[int, list[User]], site_id: int, director: User | None, rng: random.Random
) -> User | None:
    options = counselors.get(site_id) or []
    return rng.choice(options) if options else director


def _admissions(
    enrolled: list[dict[str, Any]],
    counselors: dict[int, list[User]],
    director: User | None,
    rng: random.Random,
) -> None:
    admissions: list[Admission] = []
    plan: list[list[int]] = []
    for p in enrolled:
        counselor = _pick_counselor(counselors, p["site_id"], director, rng)
        if counselor is None:
            continue
        admissions.append(
            Admission(
                patient_id=p["patient_id"],
                program_id=p["program_id"],
                primary_counselor=counselor,
                starts_on=p["starts_on"],
                admitted_by=counselor,
                admitted_at=_at(p["starts_on"], rng),
            )
        )
        plan.append(p["enrollment_ids"])
    created = Admission.objects.bulk_create(admissions, batch_size=BATCH)
    through = Admission.enrollments.through
    through.objects.bulk_create(
        [
            through(admission_id=a.pk, enrollment_id=e)
            for a, ids in zip(created, plan, strict=True)
            for e in ids
        ],
        batch_size=BATCH,
    )


def _answers(
    instrument_id: str, rng: random.Random, severity: float, fixed: dict[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """Plausible answers: each item drawn around `severity` (0 none .. 1 severe), skip logic
    followed (questions not asked are left out)."""
    instrument = INSTRUMENTS[instrument_id]
    answers: dict[str, AnswerValue] = {}
    disabled: set[str] = set()
    for item in instrument.items:
        if item.enable_when is not None and (
            item.enable_when.evaluate(Facts(answers, frozenset(disabled))) is not True
        ):
            disabled.add(item.key)
            continue
        if item.key in fixed:
            answers[item.key] = fixed[item.key]
            continue
        if item.kind is ItemKind.YES_NO:
            answers[item.key] = rng.random() < 0.15 + 0.6 * severity
        elif item.kind is ItemKind.COUNT:
            top = item.maximum
            if item.not_above is not None and item.not_above in answers:
                top = int(answers[item.not_above])
            value = round(max(0.0, min(1.0, rng.gauss(severity, 0.2))) * min(top, 30))
            answers[item.key] = min(top, value)
        else:
            options = sorted(item.options, key=lambda o: o.points)
            position = max(0.0, min(0.999, rng.gauss(severity, 0.25)))
            answers[item.key] = options[int(position * len(options))].value
    return answers


def _screenings(
    enrolled: list[dict[str, Any]],
    counselors: dict[int, list[User]],
    director: User | None,
    rng: random.Random,
    today: date,
) -> dict[int, dict[str, Any]]:
    """Screenings for up to MAX_SCREENED_PATIENTS patients; returns per-patient facts."""
    chosen = enrolled[:MAX_SCREENED_PATIENTS]
    suicidal = {p["patient_id"] for p in chosen[3:40:7]}  # a handful: 5 or 6 patients
    open_tasks = set(sorted(suicidal)[:2])
    responses: list[ScreeningResponse] = []
    facts: dict[int, dict[str, Any]] = {}
    for p in chosen:
        severity = rng.random() * 0.7 + 0.15
        plan = _screening_plan(p, _age(p["born"], today), p["patient_id"] in suicidal, rng)
        clinician = _pick_counselor(counselors, p["site_id"], director, rng)
        when = _at(p["starts_on"] - timedelta(days=rng.randint(2, 8)), rng)  # before admission
        for instrument_id, fixed in plan:
            result = score(instrument_id, _answers(instrument_id, rng, severity, fixed))
            responses.append(
                ScreeningResponse(
                    patient_id=p["patient_id"],
                    instrument=result.instrument,
                    instrument_version=result.version,
                    response=questionnaire_response(result),
                    total=result.total,
                    band=result.band or "",
                    subscores=dict(result.subscores),
                    flags=list(result.flags),
                    administered_by=clinician,
                    administered_at=when,
                )
            )
            screens = facts.setdefault(p["patient_id"], {}).setdefault("screens", {})
            screens[instrument_id] = ScoredScreen.from_result(result)
    created = ScreeningResponse.objects.bulk_create(responses, batch_size=BATCH)
    site_of = {p["patient_id"]: p["site_id"] for p in chosen}
    SafetyTask.objects.bulk_create(
        _safety_tasks(created, site_of, open_tasks, counselors, director, rng)
    )
    return facts


def _screening_plan(
    p: dict[str, Any], age: int, suicidal: bool, rng: random.Random
) -> list[tuple[str, dict[str, AnswerValue]]]:
    """The instruments a patient's tracks call for (module docstring), each once, with any
    answers fixed in advance (a positive PHQ-9 item 9 and C-SSRS for the suicidal few)."""
    kinds = set(p["kinds"])
    plan: list[tuple[str, dict[str, AnswerValue]]] = []
    phq9 = ("phq9", {"9": 1 if suicidal else 0})
    if TrackKind.ADOLESCENTS in kinds and 12 <= age <= 21:
        plan += [("crafft", {}), phq9]
    if kinds & {TrackKind.MENTAL_HEALTH, TrackKind.EATING_DISORDERS}:
        plan += [phq9, ("gad7", {})]
    elif suicidal:
        plan += [phq9]
    if TrackKind.ALCOHOL in kinds:
        plan += [("audit", {})]
    if TrackKind.SUBSTANCE_USE in kinds:
        plan += [("dast10", {}), ("audit-c", {})]
    if TrackKind.EATING_DISORDERS in kinds:
        plan += [("scoff", {})]
    if suicidal:
        plan += [("cssrs", {"1": True, "2": False, "6": False})]
    if rng.random() < 0.2 and kinds & {TrackKind.SUBSTANCE_USE, TrackKind.ALCOHOL}:
        plan += [("bam", {})]
    once: dict[str, dict[str, AnswerValue]] = {}
    for instrument_id, fixed in plan:
        once.setdefault(instrument_id, fixed)
    return list(once.items())


def _safety_tasks(
    created: list[ScreeningResponse],
    site_of: dict[int, int],
    open_tasks: set[int],
    counselors: dict[int, list[User]],
    director: User | None,
    rng: random.Random,
) -> list[SafetyTask]:
    """A safety task for each screening flagged for suicidal ideation: most done with a
    note, those of `open_tasks` still open (the first of them not yet assigned)."""
    tasks: list[SafetyTask] = []
    for response in created:
        if "suicidal_ideation" not in response.flags:
            continue
        site_id = site_of[response.patient_id]
        assignee = _pick_counselor(counselors, site_id, director, rng)
        is_open = response.patient_id in open_tasks
        done_at = response.administered_at + timedelta(hours=rng.randint(1, 20))
        tasks.append(
            SafetyTask(
                patient_id=response.patient_id,
                site_id=site_id,
                screening=response,
                flags=["suicidal_ideation"],
                urgent=True,
                status=SafetyTaskStatus.OPEN if is_open else SafetyTaskStatus.DONE,
                assigned_to=None if is_open and len(tasks) == 0 else assignee,
                created_by=response.administered_by,
                created_at=response.administered_at,
                completed_by=None if is_open else assignee,
                completed_at=None if is_open else done_at,
                completion_note=""
                if is_open
                else "Risk evaluated in person: passive ideation, no plan or intent. Safety "
                "plan made with the patient; 988 card given.",
            )
        )
    return tasks


CONDITIONS_BY_KIND = {
    TrackKind.SUBSTANCE_USE: Condition.SUBSTANCE_USE,
    TrackKind.ALCOHOL: Condition.ALCOHOL,
    TrackKind.MENTAL_HEALTH: Condition.MENTAL_HEALTH,
    TrackKind.EATING_DISORDERS: Condition.EATING_DISORDER,
    TrackKind.ADOLESCENTS: Condition.SUBSTANCE_USE,
}
EVIDENCE = {
    1: ["No withdrawal signs; last use 9 days ago.", "Mild tremor two days ago, resolved."],
    2: ["No medical problems.", "Controlled hypertension, sees a primary care doctor."],
    3: ["Depressed mood, no psychosis.", "Anxiety manageable with support."],
    4: ["Ambivalent but attending.", "Wants to stop; asks for help."],
    5: ["Relapsed twice last year.", "Cravings daily; few coping skills yet."],
    6: ["Lives with a supportive partner.", "Roommate drinks at home."],
}
OVERRIDE_REASONS = [
    "Patient must keep working; IOP with weekly review of cravings instead of partial "
    "hospitalisation, agreed with the patient.",
    "Strong family support and recent good progress; step down agreed at team review.",
]


def _decisions(
    enrolled: list[dict[str, Any]],
    screened: dict[int, dict[str, Any]],
    counselors: dict[int, list[User]],
    director: User | None,
    rng: random.Random,
    today: date,
) -> None:
    decisions: list[PlacementDecision] = []
    for p in enrolled[:MAX_DECISIONS]:
        decider = _pick_counselor(counselors, p["site_id"], director, rng)
        if decider is None:
            continue
        decisions.append(_decision(p, screened.get(p["patient_id"], {}), decider, rng, today))
    PlacementDecision.objects.bulk_create(decisions, batch_size=BATCH)


CHANGE_REASONS = {
    2: "Primary care notes show controlled blood pressure only.",
    3: "Interview: mood better than the screen suggests; sleeping again.",
    4: "Ambivalent about stopping; came at the family's request.",
    5: "Screen covers the past year; no use in the last six weeks.",
    6: "Partner drinks at home most evenings.",
}


def _criteria(rng: random.Random) -> dict[str, bool]:
    """The program criteria recorded at intake (drawn)."""
    return {
        "must_work_or_attend_school": rng.random() < 0.7,
        "has_support_system": rng.random() < 0.6,
        "history_of_relapse": rng.random() < 0.4,
        "transitioning_from_residential_or_hospital": rng.random() < 0.25,
        "early_stage_of_treatment": rng.random() < 0.5,
    }


def _ratings(
    proposal: Proposal, rng: random.Random
) -> tuple[tuple[DimensionRating, ...], list[dict[str, Any]]]:
    """The clinician's ratings: the proposal where the evidence gives one (changed now and then,
    with a reason), a drawn rating with evidence where it does not. Returns the ratings and
    the dimension records stored with the decision."""
    dims: list[DimensionRating] = []
    stored: list[dict[str, Any]] = []
    for proposed in proposal.dimensions:
        number = int(proposed.dimension)
        reason = ""
        if proposed.rating is None:
            rating = rng.choices([1, 2, 3], weights=[4, 6, 0.25])[0]
            rating = min(rating, 2) if number == 1 else rating
            evidence = rng.choice(EVIDENCE[number])
        else:
            rating, evidence = proposed.rating, proposed.summary
            if number in CHANGE_REASONS and rng.random() < 0.08:
                rating = max(0, rating - 1) if rating > 1 else rating + 1
                reason = CHANGE_REASONS[number]
        dims.append(DimensionRating(proposed.dimension, rating, evidence))
        stored.append(
            {
                "dimension": number,
                "rating": rating,
                "evidence": evidence,
                "proposed": proposed.rating,
                "proposed_evidence": [
                    {"text": i.text, "rating": i.rating, "row": i.key, "source": i.source}
                    for i in proposed.evidence
                ],
                "change_reason": reason,
            }
        )
    return tuple(dims), stored


def _decision(
    p: dict[str, Any],
    found: dict[str, Any],
    decider: User,
    rng: random.Random,
    today: date,
) -> PlacementDecision:
    """A level-of-care decision: ratings proposed from the patient's screenings and intake
    facts, confirmed or changed by the clinician, then the level recommended by the domain; a
    recommendation above IOP is mostly overridden to IOP with a reason (the patient is already
    enrolled in one)."""
    criteria = _criteria(rng)
    conditions = frozenset(CONDITIONS_BY_KIND[k] for k in p["kinds"])
    age = _age(p["born"], today)
    evidence = Evidence(
        age=age,
        screens=found.get("screens", {}),
        facts=PersonFacts(  # as on the form: an unticked box is "not recorded"
            must_work_or_study=criteria["must_work_or_attend_school"] or None,
            supportive_home=criteria["has_support_system"] or None,
        ),
    )
    proposal = propose(evidence, conditions=conditions)
    dims, stored = _ratings(proposal, rng)
    recommendation = recommend_placement(
        PlacementInput(
            dimensions=dims,
            criteria=ProgramCriteria(**criteria),
            screening=screening_results(evidence, conditions),
        )
    )
    override = (
        recommendation.level.rank > LevelOfCare.INTENSIVE_OUTPATIENT.rank and rng.random() < 0.7
    )
    return PlacementDecision(
        patient_id=p["patient_id"],
        program_id=p["program_id"],
        dimensions=stored,
        criteria={k: bool(criteria.get(k)) for k in CRITERIA_FIELDS},
        screening={
            "age": age,
            "conditions": sorted(c.value for c in conditions),
            "results": [],
        },
        policy={},
        recommended_level=recommendation.level.value,
        withdrawal_management_first=recommendation.withdrawal_management_first,
        crisis_evaluation=recommendation.crisis_evaluation,
        recommended_tracks=[t.value for t in recommendation.tracks],
        reasons=reasons_json(recommendation),
        decision=PlacementDecisionKind.OVERRIDDEN if override else PlacementDecisionKind.ACCEPTED,
        final_level=LevelOfCare.INTENSIVE_OUTPATIENT.value
        if override
        else recommendation.level.value,
        override_reason=rng.choice(OVERRIDE_REASONS) if override else "",
        decided_by=decider,
        decided_at=_at(p["starts_on"] - timedelta(days=1), rng),
    )


STAGE_WEIGHTS = {
    ReferralStage.INQUIRY: 5,
    ReferralStage.SCREENING: 4,
    ReferralStage.ASSESSMENT: 3,
    ReferralStage.WAITLISTED: 2,
    ReferralStage.ADMITTED: 4,
    ReferralStage.DECLINED: 1,
    ReferralStage.REFERRED_ELSEWHERE: 1,
}

_History = list[tuple[str, str, datetime]]


def _referrals(
    org: Organization,
    programs: dict[int, Program],
    enrolled: list[dict[str, Any]],
    counselors: dict[int, list[User]],
    rng: random.Random,
    today: date,
) -> None:
    intake = User.objects.filter(organization=org, role=Role.INTAKE_COORDINATOR).first()
    count = min(max(60, len(enrolled) // 4), 1500)
    combos = _stages_and_sources(rng, count)
    admitted_pool = [p for p in enrolled if p["starts_on"] >= today - timedelta(days=28)]
    rng.shuffle(admitted_pool)
    admitted_pool = admitted_pool[:count]
    patients = Patient.objects.in_bulk([p["patient_id"] for p in admitted_pool])
    program_ids = sorted(programs)
    referrals: list[Referral] = []
    histories: list[_History] = []
    created_ats: list[datetime] = []
    for stage, source in combos[:count]:
        linked = None
        if stage == ReferralStage.ADMITTED and admitted_pool:
            linked = patients.get(admitted_pool.pop()["patient_id"])
        referral, history, created = _referral(org, stage, source, linked, program_ids, rng, today)
        referrals.append(referral)
        histories.append(history)
        created_ats.append(created)
    made = Referral.objects.bulk_create(referrals, batch_size=BATCH)
    for referral, created in zip(made, created_ats, strict=True):
        referral.created_at = created
    Referral.objects.bulk_update(made, ["created_at"], batch_size=1000)
    events: list[ReferralEvent] = []
    for referral, history, created in zip(made, histories, created_ats, strict=True):
        events += _referral_events(referral, history, created, programs, counselors, intake, rng)
    ReferralEvent.objects.bulk_create(events, batch_size=BATCH)
    _link_admissions(made)


def _stages_and_sources(
    rng: random.Random, count: int
) -> list[tuple[ReferralStage, ReferralSource]]:
    """Every stage from every source once, then drawn by `STAGE_WEIGHTS` up to `count`."""
    stages = list(ReferralStage)
    sources = list(ReferralSource)
    combos = [(s, src) for s in stages for src in sources]
    while len(combos) < count:
        combos.append(
            (
                rng.choices(stages, weights=[STAGE_WEIGHTS[s] for s in stages])[0],
                rng.choice(sources),
            )
        )
    return combos


def _referral(
    org: Organization,
    stage: ReferralStage,
    source: ReferralSource,
    linked: Patient | None,
    program_ids: list[int],
    rng: random.Random,
    today: date,
) -> tuple[Referral, _History, datetime]:
    """An unsaved referral now in `stage`, with the moves that brought it there (`PATHS`,
    spread evenly from its creation to a realistic time in stage) and its creation time.
    An admitted one is about `linked`, an enrolled patient."""
    now = datetime.combine(today, time(12), UTC)
    program_id = (
        linked.program_id
        if linked is not None
        else (rng.choice(program_ids) if rng.random() < 0.9 else None)
    )
    lo, hi = DAYS_IN_STAGE[stage]
    changed = now - timedelta(days=rng.randint(lo, hi), hours=rng.randint(0, 9))
    path = PATHS[stage]
    created = changed - timedelta(days=sum(rng.randint(1, 5) for _ in path))
    moments = sorted(
        created + (changed - created) * (i + 1) / max(1, len(path)) for i in range(len(path))
    )
    first = linked.first_name if linked else rng.choice(FIRST)
    last = linked.last_name if linked else rng.choice(LAST)
    who, where = REFERRERS[source]
    referral = Referral(
        organization=org,
        program_id=program_id,
        patient=linked,
        source=source,
        stage=stage,
        stage_changed_at=changed if path else created,
        first_name=first,
        last_name=last,
        date_of_birth=linked.date_of_birth
        if linked
        else today - timedelta(days=rng.randint(18 * 365, 60 * 365)),
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        preferred_language=rng.choice(["English"] * 8 + ["Spanish", "Portuguese"]),
        referrer_name=who.format(first=rng.choice(FIRST), last=rng.choice(LAST)),
        referrer_organization=where,
        reason=rng.choice(REASONS),
        submitted_publicly=source in (ReferralSource.SELF, ReferralSource.FAMILY)
        and rng.random() < 0.5,
        consent_text="I agree that the program may contact me about this request."
        if source in (ReferralSource.SELF, ReferralSource.FAMILY)
        else "",
    )
    history: _History = [(s, MOVE_REASONS[s], m) for s, m in zip(path, moments, strict=True)]
    return referral, history, created


def _referral_events(
    referral: Referral,
    history: _History,
    created: datetime,
    programs: dict[int, Program],
    counselors: dict[int, list[User]],
    intake: User | None,
    rng: random.Random,
) -> list[ReferralEvent]:
    """The referral's trail: its inquiry (by the public form or the intake coordinator), then
    each move, by the intake coordinator while it is open and a counselor of its program's
    site when it closes."""
    events = [
        ReferralEvent(
            referral=referral,
            from_stage="",
            to_stage=ReferralStage.INQUIRY,
            actor=None if referral.submitted_publicly else intake,
            reason="public referral request"
            if referral.submitted_publicly
            else "recorded by staff",
            occurred_at=created,
        )
    ]
    previous = ReferralStage.INQUIRY.value
    for moved_to, reason, moment in history:
        site_id = programs[referral.program_id].site_id if referral.program_id else None
        actor = (
            intake
            if moved_to in OPEN_STAGES or site_id is None
            else _pick_counselor(counselors, site_id, intake, rng)
        )
        events.append(
            ReferralEvent(
                referral=referral,
                from_stage=previous,
                to_stage=moved_to,
                actor=actor,
                reason=reason,
                occurred_at=moment,
            )
        )
        previous = moved_to
    return events


def _link_admissions(made: list[Referral]) -> None:
    """An admitted referral points at the admission it led to (as `patient_admit` records)."""
    by_patient = {
        r.patient_id: r for r in made if r.stage == ReferralStage.ADMITTED and r.patient_id
    }
    admissions = list(Admission.objects.filter(patient_id__in=list(by_patient)))
    for admission in admissions:
        admission.referral = by_patient[admission.patient_id]
    Admission.objects.bulk_update(admissions, ["referral"], batch_size=1000)
