"""A patient's day as a charge: per diem, discrete service or none, ready or held.

Sources:
- HCPCS Level II H0015 ("Alcohol and/or drug services; intensive outpatient (treatment program
  that operates at least 3 hours/day ...)") for substance-use tracks and S9480 ("Intensive
  outpatient psychiatric services, per diem") for mental-health tracks (CMS HCPCS code set,
  https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system).
- The per-diem day itself is the compliance domain's rule (`openiop.domain.compliance`
  `PerDiemRule`: at least 3 hours attended that day by default, or a payer's own rule).
- Medicare intensive outpatient services on an institutional claim carry condition code 92
  (NUBC condition code 92, "Intensive Outpatient Program"; CMS Medicare Claims Processing
  Manual, Pub. 100-04, ch. 4, section 261, https://www.cms.gov/medicare/regulations-guidance/
  manuals/internet-only-manuals-ioms) and need a physician's certification of need
  (42 CFR 424.24(d), https://www.ecfr.gov/current/title-42/section-424.24).
- Documentation before billing: a day is billed only when a signed note supports it (program
  policy, in line with the payers' record requirements); without one the charge is held.
- Telehealth place of service on professional (837P) claims: CMS Place of Service Code Set
  (https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets): 02
  "Telehealth Provided Other than in Patient's Home" (the patient is not in their home) and
  10 "Telehealth Provided in Patient's Home" (the patient is in their home, a private
  residence), both effective 1 January 2022 (CMS Pub. 100-04 Transmittal 11045, Change
  Request 12427, 13 October 2021). Institutional claims (UB-04, 837I) carry no place of
  service, so they do not change.

Program policy (no published source): which track kinds are mental health (S9480) rather than
substance use (H0015); the discrete code billed on a day below the per-diem minimum (for example
CPT 90853, group psychotherapy), set per program; where the program's patients usually join
video sessions from (10, home, by default; or 02), set per program, because the program does
not record each patient's location; that a day counts as by video only when every minute
attended that day was by video (a day with any minute in person keeps the payer's usual place).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from openiop.domain.compliance import DEFAULT_PER_DIEM, PerDiemRule
from openiop.domain.compliance.clock import seconds, week_calendar

SUBSTANCE_USE_CODE = "H0015"
MENTAL_HEALTH_CODE = "S9480"
MEDICARE_IOP_CONDITION = "92"
DEFAULT_PLACE_OF_SERVICE = "57"
"""CMS place-of-service code 57, "Non-residential Substance Abuse Treatment Facility"
(https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets); a payer may set
another."""

TELEHEALTH_IN_HOME = "10"
"""CMS place-of-service code 10, "Telehealth Provided in Patient's Home" (CMS Place of Service
Code Set, https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets)."""
TELEHEALTH_OTHER_THAN_HOME = "02"
"""CMS place-of-service code 02, "Telehealth Provided Other than in Patient's Home" (same
source)."""
TELEHEALTH_PLACES = frozenset({TELEHEALTH_IN_HOME, TELEHEALTH_OTHER_THAN_HOME})

MENTAL_HEALTH_KINDS = frozenset({"mental_health", "eating_disorders"})
"""Track kinds billed as S9480 (program policy); every other kind is billed as H0015, and a
patient in tracks of both kinds (co-occurring care) is billed as H0015."""


class Service(StrEnum):
    PER_DIEM = "per_diem"
    DISCRETE = "discrete"
    NONE = "none"


class Outcome(StrEnum):
    READY = "ready"  # may go on a claim
    HELD = "held"  # on the worklist, with the reason
    NO_CHARGE = "no_charge"  # nothing to bill, with the reason


class ClaimType(StrEnum):
    INSTITUTIONAL = "institutional"
    PROFESSIONAL = "professional"
    BOTH = "both"


@dataclass(frozen=True)
class PayerTerms:
    """What the charge needs from the patient's primary payer."""

    name: str
    claim_type: ClaimType = ClaimType.INSTITUTIONAL
    revenue_codes: Mapping[str, str] = field(default_factory=dict)
    place_of_service: str = DEFAULT_PLACE_OF_SERVICE
    is_medicare: bool = False

    @property
    def institutional(self) -> bool:
        return self.claim_type in (ClaimType.INSTITUTIONAL, ClaimType.BOTH)

    @property
    def professional(self) -> bool:
        return self.claim_type in (ClaimType.PROFESSIONAL, ClaimType.BOTH)


@dataclass(frozen=True)
class PatientDay:
    """One local day of one patient, as the app reads it."""

    day: date
    minutes: int  # attended that day (compliance domain minutes)
    signed_note: bool  # a signed group or individual note for that day
    track_kinds: frozenset[str]
    payer: PayerTerms | None  # the primary payer; None with `self_pay`
    self_pay: bool = False
    certification_current: bool = False  # Medicare: a current physician certification
    discrete_code: str = ""  # the program's discrete code (program policy); "" none set
    rule: PerDiemRule = DEFAULT_PER_DIEM
    week_condition_met: bool = True  # the rule's weekly condition (payer rules only)
    by_video: bool = False  # every attended minute that day was by video (`video_days`)
    video_place_of_service: str = TELEHEALTH_IN_HOME  # 10 or 02 (program policy)

    def __post_init__(self) -> None:
        if self.video_place_of_service not in TELEHEALTH_PLACES:
            raise ValueError(
                f"video place of service must be 02 or 10, not {self.video_place_of_service!r}"
            )


@dataclass(frozen=True)
class ChargeDecision:
    service: Service
    outcome: Outcome
    code: str = ""
    revenue_code: str = ""
    condition_codes: tuple[str, ...] = ()
    place_of_service: str = ""
    reason: str = ""


def per_diem_code(track_kinds: frozenset[str]) -> str:
    """H0015 for substance-use tracks, S9480 for mental-health tracks (module docstring)."""
    if track_kinds and track_kinds <= MENTAL_HEALTH_KINDS:
        return MENTAL_HEALTH_CODE
    return SUBSTANCE_USE_CODE


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def decide(d: PatientDay) -> ChargeDecision:
    """The charge for one patient's day (module docstring for the rules)."""
    if d.minutes <= 0:
        return ChargeDecision(Service.NONE, Outcome.NO_CHARGE, reason="No attendance that day.")
    per_diem = d.minutes >= d.rule.day_minutes and d.week_condition_met
    if per_diem:
        service, code = Service.PER_DIEM, per_diem_code(d.track_kinds)
    else:
        if not d.discrete_code:
            why = (
                f"{_hours(d.minutes)} attended, under the per-diem minimum "
                f"({d.rule.label}), and the program bills no discrete service (program policy)."
                if d.minutes < d.rule.day_minutes
                else f"The week does not meet the payer's rule ({d.rule.label}), and the "
                "program bills no discrete service (program policy)."
            )
            return ChargeDecision(Service.NONE, Outcome.NO_CHARGE, reason=why)
        service, code = Service.DISCRETE, d.discrete_code
    held: list[str] = []
    revenue = ""
    conditions: tuple[str, ...] = ()
    place = ""
    if d.payer is None and not d.self_pay:
        held.append("No coverage is recorded for the patient.")
    if d.payer is not None:
        if d.payer.institutional:
            revenue = d.payer.revenue_codes.get(code, "")
            if not revenue:
                held.append(f"{d.payer.name} has no revenue code for {code}.")
        if d.payer.professional:
            # A day attended only by video is telehealth (02 or 10, module docstring); a day
            # with any minute in person keeps the payer's usual place.
            place = (
                d.video_place_of_service
                if d.by_video
                else d.payer.place_of_service or DEFAULT_PLACE_OF_SERVICE
            )
        if d.payer.is_medicare and service is Service.PER_DIEM:
            conditions = (MEDICARE_IOP_CONDITION,)
            if not d.certification_current:
                held.append("Medicare needs a current physician certification for this day.")
    if not d.signed_note:
        held.append("No signed group or individual note for this day.")
    if not per_diem:
        note = f"{_hours(d.minutes)} attended, under the per-diem minimum; discrete service."
        if d.minutes >= d.rule.day_minutes:
            note = "The week does not meet the payer's rule; discrete service."
        held_or_note = [*held] if held else [note]
    else:
        held_or_note = held
    return ChargeDecision(
        service,
        Outcome.HELD if held else Outcome.READY,
        code=code,
        revenue_code=revenue,
        condition_codes=conditions,
        place_of_service=place,
        reason=" ".join(held_or_note),
    )


@dataclass(frozen=True)
class Attended:
    """One attended group session or appointment of one patient, as the app reads it: the
    session's window, the check-in and check-out (either may be missing), the patient's site
    time zone (the zone their local days are in) and whether they attended by video."""

    patient_id: int
    zone: str
    window_start: datetime
    window_end: datetime
    check_in: datetime | None
    check_out: datetime | None
    by_video: bool


def video_days(records: Iterable[Attended]) -> frozenset[tuple[int, date]]:
    """The (patient id, local day) pairs on which every minute attended was by video.

    Minutes are counted as the compliance domain counts them: the check-in to the check-out
    (the session's start and end when missing), clipped to the session's window, cut at the
    patient's local midnights, each piece in whole minutes. A day with at least one such
    minute by video and none in person is by video; absences are not passed in."""
    video: dict[tuple[int, date], int] = defaultdict(int)
    in_person: dict[tuple[int, date], int] = defaultdict(int)
    for record in records:
        start = record.window_start
        if record.check_in is not None:
            start = max(record.check_in, start)
        end = record.window_end
        if record.check_out is not None:
            end = min(record.check_out, end)
        if end <= start:
            continue
        tally = video if record.by_video else in_person
        first, last = seconds(start), seconds(end)
        local_start = start.astimezone(ZoneInfo(record.zone)).date()
        week = local_start - timedelta(days=local_start.weekday())
        while True:
            calendar = week_calendar(record.zone, week)
            if calendar.start >= last:
                break
            per_day = [0] * 7
            calendar.add_minutes(first, last, per_day)
            for index, minutes in enumerate(per_day):
                if minutes:
                    tally[(record.patient_id, calendar.days[index])] += minutes
            week += timedelta(days=7)
    return frozenset(key for key, minutes in video.items() if minutes and not in_person.get(key))
