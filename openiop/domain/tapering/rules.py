"""One rule per input: each reads its input and says what it argues, with facts and source.

A rule returns an ``Assessment``: its reason (always, whether the input argues for or
against a step down) and, when it argues for a step up, the rung it points to. Rule ids are
TP-*; each docstring names the rule's source.
"""

from __future__ import annotations

from openiop.domain.tapering.ladder import Assessment, Ladder, reason
from openiop.domain.tapering.model import (
    ReliableChange,
    SafetyFlag,
    Stance,
    TaperInput,
)
from openiop.domain.tapering.policy import PhaseKind, TaperPhase, TaperPolicy

COMMON_PRACTICE = "common IOP practice (tapering criteria)"
POLICY = "program policy (set in Settings)"


def assess_phase(inp: TaperInput, ladder: Ladder) -> Assessment:
    """TP-PHASE: time in the current phase against its minimum.

    Source: phase lengths are program policy (``TaperPhase.min_weeks``).
    """
    phase = ladder.current
    facts = (
        f"phase={phase.id}",
        f"weeks_in_phase={inp.weeks_in_phase}",
        f"min_weeks={phase.min_weeks}",
    )
    if phase.kind is PhaseKind.CONTINUING_CARE:
        text = "Already in continuing care, the lowest rung: nothing to step down to."
        return Assessment(reason("phase", Stance.FOR_HOLD, "TP-PHASE", facts, text, POLICY))
    if inp.weeks_in_phase < phase.min_weeks:
        text = f"{inp.weeks_in_phase} of at least {phase.min_weeks} weeks in {phase.label} so far."
        return Assessment(reason("phase", Stance.FOR_HOLD, "TP-PHASE", facts, text, POLICY))
    text = f"{inp.weeks_in_phase} weeks in {phase.label} (minimum {phase.min_weeks}): long enough."
    return Assessment(reason("phase", Stance.FOR_STEP_DOWN, "TP-PHASE", facts, text, POLICY))


def assess_use(inp: TaperInput, policy: TaperPolicy) -> Assessment:
    """TP-USE: weeks without use, from self-report, drug screens and relapse events.

    The count is the smallest of the three, so a screen or a reported relapse overrides a
    longer self-report. Prescribed medications are expected and are not use.
    Source: common IOP practice, "ability to avoid relapse"; thresholds are policy
    (``min_weeks_without_use``, ``screen_window_weeks``, ``require_screen_verification``).
    """
    weeks = inp.self_reported_weeks_without_use
    facts = [f"self_reported_weeks_without_use={weeks}"]
    positives = [s for s in inp.screens if s.shows_use]
    if positives:
        latest = min(positives, key=lambda s: s.weeks_ago)
        weeks = min(weeks, latest.weeks_ago)
        classes = ",".join(sorted(latest.unexplained))
        facts.append(f"unexplained_positive_screen_weeks_ago={latest.weeks_ago} ({classes})")
    explained = sorted({c for s in inp.screens for c in s.positive_classes & s.prescribed_classes})
    if explained:
        facts.append(f"prescribed_not_counted={','.join(explained)}")
    if inp.relapses:
        last = min(r.weeks_ago for r in inp.relapses)
        weeks = min(weeks, last)
        facts.append(f"last_relapse_weeks_ago={last}")
    window = policy.screen_window_weeks
    verified = any(s.weeks_ago < window and not s.shows_use for s in inp.screens)
    facts += [f"weeks_without_use={weeks}", f"negative_screen_in_last_{window}_weeks={verified}"]
    need = policy.min_weeks_without_use
    source = f"{COMMON_PRACTICE}; {POLICY}"
    note = f" (prescribed {', '.join(explained)} not counted as use)" if explained else ""
    if weeks < need:
        text = f"{weeks} weeks without use{note}; at least {need} needed before a step down."
        stance = Stance.FOR_HOLD
    elif policy.require_screen_verification and not verified:
        text = f"{weeks} weeks without use reported{note}, but no negative drug screen in the last {window} weeks confirms it."
        stance = Stance.FOR_HOLD
    else:
        text = f"{weeks} weeks without use (at least {need}){note}, confirmed by drug screens."
        if not policy.require_screen_verification:
            text = f"{weeks} weeks without use (at least {need}){note}."
        stance = Stance.FOR_STEP_DOWN
    return Assessment(reason("weeks_without_use", stance, "TP-USE", tuple(facts), text, source))


def assess_relapse(inp: TaperInput, ladder: Ladder) -> Assessment:
    """TP-RELAPSE: relapse events in the recent window.

    Supportive, not punitive: a relapse brings more support. One relapse
    moves up one IOP phase (from the step-down phase or continuing care, back to the least
    intensive regular phase: the step-down allowance is for patients who are stable, ASAM Criteria, 3rd ed. (Mee-Lee 2013),
    Level 2.1); repeated relapses move to the most intensive phase, then to partial hospitalisation;
    several, or a relapse in an unsafe environment, to residential care ("unable to control
    use despite active participation in less intensive care ... needs 24-hour structure",
    ASAM placement grids; an unsupportive environment needs residential care).
    Counts and window are policy.
    """
    policy = ladder.policy
    window = policy.relapse_window_weeks
    recent = [r for r in inp.relapses if r.weeks_ago < window]
    facts = (
        f"relapses_in_last_{window}_weeks={len(recent)}",
        *(f"relapse {r.weeks_ago} weeks ago ({r.source} {r.substance})".strip() for r in recent),
    )
    source = f"{COMMON_PRACTICE}; ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1 step-down allowance; {POLICY}"
    if not recent:
        text = f"No relapse in the last {window} weeks."
        return Assessment(
            reason("relapse", Stance.FOR_STEP_DOWN, "TP-RELAPSE", facts, text, source)
        )
    during = ""
    if ladder.current.kind is PhaseKind.STEP_DOWN and any(
        r.weeks_ago < max(inp.weeks_in_phase, 1) for r in recent
    ):
        during = " during the step-down phase"
    unsafe = SafetyFlag.UNSAFE_ENVIRONMENT in inp.safety_flags
    target: TaperPhase | None
    if len(recent) >= policy.relapses_for_residential or unsafe:
        target = policy.residential
        what = (
            f"Relapse{during} in an unsafe environment"
            if unsafe
            else f"{len(recent)} relapses{during} in {window} weeks"
        )
        text = f"{what}: 24-hour structure is recommended ({target.label})."
    elif len(recent) >= policy.relapses_for_partial_hospitalisation:
        regular = ladder.regular()
        target = policy.partial_hospitalisation if ladder.at_top() else regular[0]
        text = f"{len(recent)} relapses{during} in {window} weeks: step up to {target.label}."
    else:
        target = ladder.one_up()
        if target is None:
            text = (
                f"Relapse{during}: already in the most intensive IOP phase, so hold and open "
                "the relapse workflow (safety check, plan revision); another relapse in the "
                "window points to partial hospitalisation."
            )
            return Assessment(reason("relapse", Stance.FOR_HOLD, "TP-RELAPSE", facts, text, source))
        text = f"Relapse{during}: more support, not punishment; step up to {target.label}."
    return Assessment(
        reason("relapse", Stance.FOR_STEP_UP, "TP-RELAPSE", facts, text, source), target
    )


def assess_plan(inp: TaperInput, policy: TaperPolicy) -> Assessment:
    """TP-PLAN: treatment-plan objectives met, on track and behind.

    Source: common IOP practice, "progress in their treatment plan" (measurable
    objectives). Thresholds are policy (``min_objectives_met``, ``max_objectives_behind``).
    """
    p = inp.plan
    facts = (f"objectives_met={p.met}", f"on_track={p.on_track}", f"behind={p.behind}")
    source = f"{COMMON_PRACTICE}; {POLICY}"
    if p.total == 0:
        stance, text = (
            Stance.FOR_HOLD,
            "The plan has no measurable objectives yet: progress cannot be shown.",
        )
    elif p.behind > policy.max_objectives_behind:
        stance, text = (
            Stance.FOR_HOLD,
            f"{p.behind} of {p.total} objectives behind: revise the plan before a step down.",
        )
    elif p.met < policy.min_objectives_met:
        stance, text = (
            Stance.FOR_HOLD,
            f"Objectives on track but fewer than {policy.min_objectives_met} met so far.",
        )
    else:
        stance, text = Stance.FOR_STEP_DOWN, f"{p.met} of {p.total} objectives met, none behind."
    return Assessment(reason("plan", stance, "TP-PLAN", facts, text, source))


PEER_SUPPORT = (
    "SAMHSA, What Are Peer Recovery Support Services? (HHS Publication No. (SMA) 09-4454, "
    "2009): peer recovery support services are recovery support"
)
ENHANCED_SERVICES = (
    "SAMHSA TIP 47, Substance Abuse: Clinical Issues in Intensive Outpatient Treatment "
    "(2006): enhanced services (housing, safety, work, transportation ...)"
)

CAUTION_NEEDS = ("housing", "safety")
"""Open needs named as a reason a step down may wait: a place to live and safety at home.
A caution only: it does not change what the community rule argues (see ``assess_needs``)."""

NEED_WORDS = {
    "housing": "housing",
    "housing_quality": "housing conditions",
    "food": "food",
    "transportation": "transportation",
    "utilities": "utilities",
    "safety": "safety at home",
    "employment": "work",
    "education": "school or training",
    "legal": "legal help",
    "childcare": "childcare",
    "benefits": "benefits and income",
    "peer_recovery": "peer recovery support",
    "other": "another need",
}


def _need_words(kinds: tuple[str, ...]) -> str:
    return ", ".join(NEED_WORDS.get(k, k.replace("_", " ")) for k in kinds)


def assess_community(inp: TaperInput, policy: TaperPolicy) -> Assessment:
    """TP-COMMUNITY: growing reliance on community support.

    Source: common IOP practice, "growing reliance on community support" (peer
    meetings, sponsor or mentor, sober supports). Compares the mean meetings a week in the
    last ``community_window_weeks`` with the window before; thresholds are policy.

    A week with a contact with a peer recovery specialist counts one more engagement that
    week (SAMHSA, What Are Peer Recovery Support Services?, 2009: peer recovery support is
    recovery support). Conservatively: at most one contact counts a week, unanswered attempts
    never count, and contacts are read only in weeks whose meetings are recorded, so a contact
    never turns an unknown week into a known one.
    """
    c = inp.community
    n = policy.community_window_weeks
    weekly = c.engagement_per_week
    recent = weekly[-n:]
    earlier = weekly[-2 * n : -n]
    mean = sum(recent) / len(recent) if recent else 0.0
    trend = mean - sum(earlier) / len(earlier) if earlier else None
    declining = trend is not None and trend < -policy.meeting_decline_tolerance
    meetings_ok = not policy.require_peer_meetings or mean >= policy.min_peer_meetings_per_week
    support_ok = c.sponsor_or_mentor or c.sober_supports >= policy.min_sober_supports
    peers = bool(c.peer_contacts_per_week)
    contacts_facts = (
        (
            f"peer_contacts_per_week={list(c.peer_contacts_per_week)}",
            f"engagement_per_week={list(weekly)}",
        )
        if peers
        else ()
    )
    facts = (
        f"peer_meetings_per_week={list(c.peer_meetings_per_week)}",
        *contacts_facts,
        f"recent_mean={mean:.1f}",
        f"trend={'unknown' if trend is None else f'{trend:+.1f}'}",
        f"sponsor_or_mentor={c.sponsor_or_mentor}",
        f"sober_supports={c.sober_supports}",
    )
    what = "peer meetings or peer support contacts" if peers else "peer meetings"
    gaps = []
    if not meetings_ok:
        gaps.append(f"fewer than {policy.min_peer_meetings_per_week:g} {what} a week")
    if declining:
        gaps.append("meeting attendance falling")
    if not support_ok:
        gaps.append(
            f"no sponsor or mentor and fewer than {policy.min_sober_supports} sober supports"
        )
    source = f"{COMMON_PRACTICE}; {POLICY}"
    if peers:
        source = f"{COMMON_PRACTICE}; {PEER_SUPPORT}; {POLICY}"
    if gaps:
        text = "Community support not yet carrying the load: " + "; ".join(gaps) + "."
        return Assessment(reason("community", Stance.FOR_HOLD, "TP-COMMUNITY", facts, text, source))
    text = (
        f"Relies on community support: {mean:.1f} {what} a week, steady or rising, "
        "with a sponsor, mentor or sober supports."
    )
    return Assessment(
        reason("community", Stance.FOR_STEP_DOWN, "TP-COMMUNITY", facts, text, source)
    )


def assess_needs(inp: TaperInput) -> Assessment | None:
    """TP-NEEDS: social needs found by the needs screen or recorded by staff, resolved during
    treatment or still open at the decision. None when the patient has none on record.

    A caution, never a stance of its own: the reason is neutral, so it does not change the
    decision. An open housing or safety need is named as a reason a step down may wait; the
    clinician who approves weighs it. Making it hold the decision would be program policy,
    which no program setting asks for yet.
    Source: SAMHSA TIP 47 (enhanced services: housing, safety and the other needs an IOP
    provides or arranges); CMS Accountable Health Communities health-related social needs
    screen (the domains).
    """
    c = inp.community
    if not c.needs_open and not c.needs_resolved:
        return None
    facts = (
        f"needs_open={','.join(c.needs_open) or 'none'}",
        f"needs_resolved={','.join(c.needs_resolved) or 'none'}",
    )
    parts = []
    for kind in CAUTION_NEEDS:
        if kind in c.needs_open:
            a = "An open housing need" if kind == "housing" else "An open need for safety at home"
            parts.append(f"{a}: stepping down may wait until it is met.")
    others = tuple(k for k in c.needs_open if k not in CAUTION_NEEDS)
    if others:
        parts.append(f"Still open: {_need_words(others)}.")
    if c.needs_resolved:
        parts.append(f"Met during treatment: {_need_words(c.needs_resolved)}.")
    return Assessment(
        reason(
            "social_needs", Stance.NEUTRAL, "TP-NEEDS", facts, " ".join(parts), ENHANCED_SERVICES
        )
    )


def assess_measures(inp: TaperInput, ladder: Ladder) -> Assessment:
    """TP-MEASURES: repeated instruments and their reliable change.

    Source: measurement-based care with reliable change marked (Jacobson-Truax). Reliable
    change is classified upstream; how many deteriorations trigger a step up is policy.
    """
    policy = ladder.policy
    facts = tuple(f"{m.instrument} {m.baseline:g}->{m.latest:g} ({m.change})" for m in inp.measures)
    source = f"measurement-based care (Jacobson-Truax reliable change); {POLICY}"
    worse = [m.instrument for m in inp.measures if m.change is ReliableChange.DETERIORATED]
    better = [m.instrument for m in inp.measures if m.change is ReliableChange.IMPROVED]
    if not inp.measures:
        stance = Stance.FOR_HOLD if policy.require_measures else Stance.NEUTRAL
        text = "No repeated measures in the period: stability cannot be shown."
        return Assessment(
            reason("measures", stance, "TP-MEASURES", ("measures=none",), text, source)
        )
    if len(worse) >= policy.deteriorations_for_step_up:
        target = ladder.one_up()
        if target is not None:
            text = f"Reliable deterioration on {', '.join(worse)}: step up to {target.label}."
            return Assessment(
                reason("measures", Stance.FOR_STEP_UP, "TP-MEASURES", facts, text, source), target
            )
        text = f"Reliable deterioration on {', '.join(worse)} in the most intensive IOP phase: hold and review."
        return Assessment(reason("measures", Stance.FOR_HOLD, "TP-MEASURES", facts, text, source))
    if worse:
        text = f"Reliable deterioration on {', '.join(worse)}: hold."
        return Assessment(reason("measures", Stance.FOR_HOLD, "TP-MEASURES", facts, text, source))
    if policy.measures_require_improvement and not better:
        text = "No reliable improvement yet, and this program requires one before a step down."
        return Assessment(reason("measures", Stance.FOR_HOLD, "TP-MEASURES", facts, text, source))
    text = "No reliable deterioration" + (
        f"; reliable improvement on {', '.join(better)}." if better else "."
    )
    return Assessment(reason("measures", Stance.FOR_STEP_DOWN, "TP-MEASURES", facts, text, source))


def assess_attendance(inp: TaperInput, policy: TaperPolicy) -> Assessment:
    """TP-ATTEND: fraction of the required hours attended in recent weeks.

    Source: attendance is an input (common IOP practice); thresholds are policy. Low attendance
    holds for an engagement review rather than stepping up: more hours do not help a patient
    who cannot attend the current ones.
    """
    a = inp.attendance_fraction
    facts = (
        f"attendance_fraction={a:.2f}",
        f"policy.min_attendance_for_step_down={policy.min_attendance_for_step_down:.2f}",
    )
    source = f"{COMMON_PRACTICE}; {POLICY}"
    if a >= policy.min_attendance_for_step_down:
        stance, text = Stance.FOR_STEP_DOWN, f"Attended {a:.0%} of required hours."
    elif a < policy.low_attendance:
        stance, text = (
            Stance.FOR_HOLD,
            f"Attended only {a:.0%} of required hours: review engagement and barriers (schedule, transport, work).",
        )
    else:
        stance, text = (
            Stance.FOR_HOLD,
            f"Attended {a:.0%} of required hours, below {policy.min_attendance_for_step_down:.0%}.",
        )
    return Assessment(reason("attendance", stance, "TP-ATTEND", facts, text, source))


def assess_safety(inp: TaperInput, policy: TaperPolicy) -> list[Assessment]:
    """TP-SAFETY-*: open safety flags; none means safety does not stand in the way.

    Sources: C-SSRS high risk needs safety precautions and evaluation (Columbia triage);
    ASAM 2020 alcohol withdrawal guideline Rec. III.2 and VII.8
    (suicide risk and complicated withdrawal need a setting equipped for them); common IOP
    practice: "dangerous withdrawal symptoms" and "unsupportive social environment" -> residential.
    The target levels are policy (``suicide_risk_high_level``, ``dangerous_withdrawal_level``).
    """
    if not inp.safety_flags:
        none = reason(
            "safety",
            Stance.FOR_STEP_DOWN,
            "TP-SAFETY",
            ("safety_flags=none",),
            "No open safety flags.",
            COMMON_PRACTICE,
        )
        return [Assessment(none)]
    out = []
    for flag in sorted(inp.safety_flags):
        rule, facts = f"TP-SAFETY-{flag.upper().replace('_', '-')}", (f"safety_flag={flag}",)
        target: TaperPhase | None = None
        if flag is SafetyFlag.SUICIDE_RISK_HIGH:
            target = policy.phase_for_level(policy.suicide_risk_high_level)
            text = f"High suicide risk: crisis evaluation now (988); step up to {target.label} at least."
            source = "Columbia triage; ASAM 2020 Rec. III.2"
        elif flag is SafetyFlag.DANGEROUS_WITHDRAWAL:
            target = policy.phase_for_level(policy.dangerous_withdrawal_level)
            text = f"Dangerous withdrawal: withdrawal management first, in {target.label} care."
            source = "ASAM 2020 Rec. VII.8"
        else:
            text = f"Open safety concern ({flag.replace('_', ' ')}): hold until a clinician has reviewed it."
            source = COMMON_PRACTICE
        stance = Stance.FOR_HOLD if target is None else Stance.FOR_STEP_UP
        out.append(Assessment(reason("safety", stance, rule, facts, text, source), target))
    return out


def assess_age(inp: TaperInput, policy: TaperPolicy) -> Assessment:
    """TP-AGE: which weekly minimum applies (adolescents 6 h, adults 9 h; ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1)."""
    minimum = policy.minimum_hours(inp.age)
    who = "Adolescent" if inp.age < policy.adult_age else "Adult"
    text = f"{who}: IOP minimum {minimum:g} hours a week."
    if who == "Adult":
        text += " Fewer only in a step-down phase of at most 2 weeks."
    facts = (f"age={inp.age}", f"iop_minimum_hours={minimum:g}")
    return Assessment(
        reason(
            "age",
            Stance.NEUTRAL,
            "TP-AGE",
            facts,
            text,
            "ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1 hours; SAMHSA 2021 advisory",
        )
    )
