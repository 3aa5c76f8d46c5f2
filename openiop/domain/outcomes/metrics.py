"""The outcomes dashboard's figures, computed from the plain facts of ``facts.py``.

Definitions (each figure also carries them in plain words for the director):

- The period is [start, end], both days included; ``as_of`` is the day the figures are
  computed (a day-N figure waits until day N has passed by then).
- *In treatment on a day*: admitted on or before that day and not yet ended; the end day
  itself no longer counts (the patient left that day).
- Shares are ``None`` when nothing qualifies (never 0); medians are the mean of the two
  middle values when their number is even.
- ``members`` are the patients of the numerator (of the counted ones for a count or a
  median), ``denominator_members`` those of the denominator; both sorted, each once.
- Every figure other than reliable improvement is program policy (no published definition);
  reliable improvement follows Jacobson & Truax (1991) through
  ``openiop.domain.measures.reliable_change``.

Simplifications a reader must know: a repeated measure's baseline is the patient's first
score ever on that instrument (not per episode); a readmission counts only within the
episodes given (the programs, track or site the dashboard is filtered on).

Pure Python, no Django.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from openiop.domain.measures.reliable_change import ReliabilityValues
from openiop.domain.outcomes.facts import (
    ADMINISTRATIVE,
    AGAINST_ADVICE,
    COMPLETED,
    DIED,
    STEPPED_DOWN,
    TRANSFERRED_UP,
    Dashboard,
    EpisodeFact,
    Facts,
    Figure,
    Point,
    ScoreFact,
)
from openiop.domain.tapering import ReliableChange

RELIABLE_CHANGE_SOURCE = (
    "Jacobson NS, Truax P. Clinical significance: a statistical approach to defining "
    "meaningful change in psychotherapy research. J Consult Clin Psychol 1991;59(1):12-19."
)
# Endings that count as leaving treatment well (retention): completing the program, or
# stepping down to outpatient care.
GOOD_ENDINGS = frozenset({COMPLETED, STEPPED_DOWN})
END_KINDS = (COMPLETED, STEPPED_DOWN, TRANSFERRED_UP, AGAINST_ADVICE, ADMINISTRATIVE)
END_LABELS = {
    COMPLETED: "Completed the program",
    STEPPED_DOWN: "Stepped down to outpatient care",
    TRANSFERRED_UP: "Transferred to a higher level of care",
    AGAINST_ADVICE: "Left against clinical advice",
    ADMINISTRATIVE: "Administrative discharge",
}
STAY_BUCKETS = ((0, 30, "0-30 days"), (31, 60, "31-60 days"), (61, 90, "61-90 days"))
INSTRUMENTS = (("phq9", "PHQ-9", "depression"), ("gad7", "GAD-7", "anxiety"))


class PeriodError(ValueError):
    """The period's end is before its start."""


def in_treatment(episode: EpisodeFact, day: date) -> bool:
    """Admitted on or before ``day`` and not ended by then (the end day does not count)."""
    return episode.admitted_on <= day and (episode.ended_on is None or episode.ended_on > day)


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the two middle values when even); None when empty."""
    return float(statistics.median(values)) if values else None


def share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def months(start: date, end: date) -> list[tuple[str, date, date]]:
    """The calendar months touching [start, end] as (label "YYYY-MM", first day, last day),
    each clipped to the period."""
    out = []
    first = start
    while first <= end:
        nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = min(nxt - timedelta(days=1), end)
        out.append((f"{first:%Y-%m}", first, last))
        first = nxt
    return out


def _ids(patient_ids: Iterable[int | None]) -> tuple[int, ...]:
    return tuple(sorted({p for p in patient_ids if p is not None}))


def _share_figure(
    key: str,
    title: str,
    definition: str,
    numerator: Sequence[int | None],
    denominator: Sequence[int | None],
    *,
    series: tuple[Point, ...] = (),
    source: str = "",
    items: str = "",
) -> Figure:
    """A share: ``numerator``/``denominator`` hold one patient id (or None) per counted item
    (the numerator's items are some of the denominator's)."""
    in_numerator = Counter(p for p in numerator if p is not None)
    in_denominator = Counter(p for p in denominator if p is not None)
    return Figure(
        key=key,
        title=title,
        unit="share",
        value=share(len(numerator), len(denominator)),
        definition=definition,
        numerator=len(numerator),
        denominator=len(denominator),
        members=_ids(numerator),
        denominator_members=_ids(denominator),
        series=series,
        source=source,
        items=items,
        mixed_members=tuple(sorted(p for p, n in in_numerator.items() if n < in_denominator[p])),
        not_listed=sum(1 for p in denominator if p is None),
    )


def _point(label: str, numerator: int, denominator: int) -> Point:
    return Point(label, share(numerator, denominator), numerator, denominator)


def _census(episodes: Sequence[EpisodeFact], start: date, end: date) -> Figure:
    spans = months(start, end)
    lasts = [last for _, _, last in spans]
    # Each episode is in treatment on the month ends from the first on or after its
    # admission to the last before its end: one pass, counted as a running difference.
    # A patient with two overlapping stays (two programs) counts once: per month end, the
    # set of patients whose running count of open episodes is positive.
    changes: list[Counter[int]] = [Counter() for _ in range(len(lasts) + 1)]
    for e in episodes:
        first = bisect_left(lasts, e.admitted_on)
        stop = len(lasts) if e.ended_on is None else bisect_left(lasts, e.ended_on)
        if first < stop:
            changes[first][e.patient_id] += 1
            changes[stop][e.patient_id] -= 1
    series_values: list[int] = []
    open_by_patient: Counter[int] = Counter()
    for change in changes[:-1]:
        open_by_patient.update(change)
        series_values.append(sum(1 for n in open_by_patient.values() if n > 0))
    series = tuple(
        Point(label, float(n)) for (label, _, _), n in zip(spans, series_values, strict=True)
    )
    counted = _ids(e.patient_id for e in episodes if in_treatment(e, end))
    return Figure(
        key="census",
        title="Patients in treatment",
        unit="count",
        value=float(len(counted)),
        definition=(
            "Patients in treatment on the last day of the period (admitted by then and not "
            "yet discharged), each patient once. The chart shows the same count at the end "
            "of each month."
        ),
        numerator=len(counted),
        members=counted,
        series=series,
    )


def _admissions(episodes: Sequence[EpisodeFact], start: date, end: date) -> Figure:
    admitted = [e for e in episodes if start <= e.admitted_on <= end]
    per_month = Counter((e.admitted_on.year, e.admitted_on.month) for e in admitted)
    series = tuple(
        Point(label, float(per_month[first.year, first.month]))
        for label, first, _ in months(start, end)
    )
    return Figure(
        key="admissions",
        title="Admissions",
        unit="count",
        value=float(len(admitted)),
        definition="Admissions with an admission day in the period, by month.",
        items="admissions",
        numerator=len(admitted),
        members=_ids(e.patient_id for e in admitted),
        series=series,
    )


def _referrals(facts: Facts, start: date, end: date) -> Figure:
    received = [r for r in facts.referrals if start <= r.received_on <= end]
    converted = [r for r in received if r.admission_id is not None]
    per_month = Counter((r.received_on.year, r.received_on.month) for r in received)
    converted_per_month = Counter((r.received_on.year, r.received_on.month) for r in converted)
    series = tuple(
        _point(
            label,
            converted_per_month[first.year, first.month],
            per_month[first.year, first.month],
        )
        for label, first, _ in months(start, end)
    )
    return _share_figure(
        "referrals_converted",
        "Referrals admitted",
        "Of the referrals received in the period, the share that led to an admission "
        "(whenever the admission happened).",
        [r.patient_id for r in converted],
        [r.patient_id for r in received],
        series=series,
        items="referrals",
    )


def _days_to_first_session(admitted: Sequence[EpisodeFact], start: date, end: date) -> Figure:
    pairs = [
        (e, (e.first_session_on - e.referred_on).days)
        for e in admitted
        if e.referred_on is not None and e.first_session_on is not None
    ]
    per_month: dict[tuple[int, int], list[int]] = defaultdict(list)
    for e, d in pairs:
        if start <= e.admitted_on <= end:
            per_month[e.admitted_on.year, e.admitted_on.month].append(d)
    series = tuple(
        Point(label, median(per_month.get((first.year, first.month), [])))
        for label, first, _ in months(start, end)
    )
    return Figure(
        key="days_to_first_session",
        title="Days from referral to first session",
        unit="days",
        value=median([d for _, d in pairs]),
        definition=(
            "For patients admitted in the period from a referral, the median number of days "
            "from the day the referral was received to the first group session they attended."
        ),
        denominator=len(pairs),
        items="admissions",
        members=_ids(e.patient_id for e, _ in pairs),
        denominator_members=_ids(e.patient_id for e, _ in pairs),
        series=series,
    )


def _attendance(facts: Facts, start: date, end: date) -> Figure:
    weeks = [w for w in facts.weeks if start <= w.week_start <= end]
    required = sum(w.required_hours for w in weeks)
    attended = sum(w.attended_hours for w in weeks)
    per_month: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for w in weeks:
        sums = per_month[w.week_start.year, w.week_start.month]
        sums[0] += w.attended_hours
        sums[1] += w.required_hours
    series = []
    for label, first, _ in months(start, end):
        att, req = per_month.get((first.year, first.month), (0.0, 0.0))
        series.append(Point(label, round(att / req, 4) if req else None, round(att), round(req)))
    counted = _ids(w.patient_id for w in weeks)
    return Figure(
        key="attendance_rate",
        title="Required hours attended",
        unit="share",
        value=round(attended / required, 4) if required else None,
        numerator=round(attended),
        denominator=round(required),
        items="hours",
        definition=(
            "Hours attended out of hours required over the treatment weeks that begin in the period. Each patient's required hours are their "
            "weekly requirement; extra hours in a week count too."
        ),
        members=counted,
        denominator_members=counted,
        series=tuple(series),
    )


def _retention(admitted: Sequence[EpisodeFact], days: int, as_of: date) -> Figure:
    due = [e for e in admitted if e.admitted_on + timedelta(days=days) <= as_of]

    def retained(e: EpisodeFact) -> bool:
        day_n = e.admitted_on + timedelta(days=days)
        return in_treatment(e, day_n) or e.end_kind in GOOD_ENDINGS

    kept = [e.patient_id for e in due if retained(e)]
    return _share_figure(
        f"retention_{days}",
        f"Still in treatment at {days} days",
        f"Of the patients admitted in the period who were admitted at least {days} days ago, "
        f"the share still in treatment {days} days after admission, or who had finished "
        "before then by completing the program or stepping down to outpatient care.",
        kept,
        [e.patient_id for e in due],
        items="treatment stays",
        series=(_point(f"day {days}", len(kept), len(due)),),
    )


def _completion(ended: Sequence[EpisodeFact]) -> Figure:
    total = len(ended)
    series = tuple(
        Point(
            END_LABELS[kind],
            float(sum(1 for e in ended if e.end_kind == kind)),
            sum(1 for e in ended if e.end_kind == kind),
            total,
        )
        for kind in END_KINDS
    )
    return _share_figure(
        "completion",
        "Completed the program",
        "Of the episodes that ended in the period, the share that ended with the patient "
        "completing the program. The chart shows how every episode ended.",
        [e.patient_id for e in ended if e.end_kind == COMPLETED],
        [e.patient_id for e in ended],
        series=series,
        items="treatment stays",
    )


def _length_of_stay(ended: Sequence[EpisodeFact]) -> Figure:
    stays = [(e.patient_id, (e.ended_on - e.admitted_on).days) for e in ended if e.ended_on]
    buckets = [
        Point(label, float(sum(1 for _, d in stays if low <= d <= high)))
        for low, high, label in STAY_BUCKETS
    ]
    buckets.append(Point("91 days or more", float(sum(1 for _, d in stays if d > 90))))
    return Figure(
        key="length_of_stay",
        title="Length of stay",
        unit="days",
        value=median([d for _, d in stays]),
        definition=(
            "For the episodes that ended in the period, however they ended, the median number "
            "of days from admission to discharge."
        ),
        denominator=len(stays),
        items="treatment stays",
        members=_ids(p for p, _ in stays),
        denominator_members=_ids(p for p, _ in stays),
        series=tuple(buckets),
    )


def _improved(
    scores: Iterable[ScoreFact],
    instrument: str,
    name: str,
    what: str,
    values: ReliabilityValues | None,
    start: date,
    end: date,
) -> Figure:
    by_patient: dict[int, list[ScoreFact]] = defaultdict(list)
    for s in scores:
        if s.instrument == instrument:
            by_patient[s.patient_id].append(s)
    counts = {c: 0 for c in ReliableChange}
    improved: list[int] = []
    counted: list[int] = []
    if values is not None:
        for patient_id, own in by_patient.items():
            own.sort(key=lambda s: s.on)  # stable: same-day scores keep their given order
            later = [i for i, s in enumerate(own) if i > 0 and start <= s.on <= end]
            if not later:
                continue
            change = values.classify(own[0].total, own[later[-1]].total)
            counts[change] += 1
            counted.append(patient_id)
            if change is ReliableChange.IMPROVED:
                improved.append(patient_id)
    labels = {
        ReliableChange.IMPROVED: "Reliably improved",
        ReliableChange.NO_CHANGE: "No reliable change",
        ReliableChange.DETERIORATED: "Reliably worse",
    }
    total = len(counted)
    definition = (
        f"Of the patients with a {name} score in the period after their first {name}, the "
        f"share whose latest score in the period shows a reliable improvement in {what} "
        "since that first score (a fall larger than measurement error explains)."
    )
    if values is None:
        definition += f" Not computed: no reliability values are set for the {name}."
    return _share_figure(
        f"{instrument}_improved",
        f"{name}: reliable improvement",
        definition,
        improved,
        counted,
        series=tuple(Point(labels[c], float(counts[c]), counts[c], total) for c in labels),
        source=RELIABLE_CHANGE_SOURCE,
    )


def _screens(facts: Facts, start: date, end: date) -> Figure:
    screens = [s for s in facts.screens if start <= s.collected_on <= end]
    per_month: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for s in screens:
        counts = per_month[s.collected_on.year, s.collected_on.month]
        counts[0] += s.negative
        counts[1] += 1
    series = tuple(
        _point(label, *per_month.get((first.year, first.month), (0, 0)))
        for label, first, _ in months(start, end)
    )
    tested = _ids(s.patient_id for s in screens)
    not_clean = {s.patient_id for s in screens if not s.negative}
    all_negative = tuple(p for p in tested if p not in not_clean)
    return Figure(
        key="negative_screens",
        title="Negative drug screens",
        unit="share",
        value=share(sum(s.negative for s in screens), len(screens)),
        definition=(
            "Of the drug screens collected in the period that have a result, the share that "
            "found no unexpected substance (a prescribed medication is not counted as use). "
            "The patients counted are those whose screens in the period were all negative; "
            "the others had at least one that was not."
        ),
        numerator=sum(s.negative for s in screens),
        denominator=len(screens),
        members=all_negative,
        denominator_members=tested,
        series=series,
        items="drug screens",
    )


def _follow_up(ended: Sequence[EpisodeFact], days: int, as_of: date) -> Figure:
    due = [
        e
        for e in ended
        if e.ended_on and e.ended_on + timedelta(days=days) <= as_of and e.other_ending != DIED
    ]

    def reached(e: EpisodeFact) -> bool:
        assert e.ended_on is not None
        return any(1 <= (c - e.ended_on).days <= days for c in e.contacts_after_end)

    done = [e.patient_id for e in due if reached(e)]
    return _share_figure(
        f"follow_up_{days}",
        f"Follow-up within {days} days",
        f"Of the episodes that ended in the period at least {days} days ago, the share with a "
        f"follow-up contact (an alumni follow-up or a peer contact) in the {days} days after "
        "discharge. Episodes of patients who died are left out.",
        done,
        [e.patient_id for e in due],
        items="treatment stays",
        series=(_point(f"day {days}", len(done), len(due)),),
    )


def _readmission(
    episodes: Sequence[EpisodeFact], ended: Sequence[EpisodeFact], as_of: date
) -> Figure:
    due = [
        e
        for e in ended
        if e.ended_on and e.ended_on + timedelta(days=90) <= as_of and e.other_ending != DIED
    ]
    by_patient: dict[int, list[EpisodeFact]] = defaultdict(list)
    for e in episodes:
        by_patient[e.patient_id].append(e)

    def again(e: EpisodeFact) -> bool:
        assert e.ended_on is not None
        return any(
            o.admission_id != e.admission_id
            and e.ended_on < o.admitted_on <= e.ended_on + timedelta(days=90)
            for o in by_patient[e.patient_id]
        )

    back = [e.patient_id for e in due if again(e)]
    return _share_figure(
        "readmission_90",
        "Readmitted within 90 days",
        "Of the episodes that ended in the period at least 90 days ago, the share whose "
        "patient was admitted again in the 90 days after the discharge day (an admission on "
        "the discharge day itself, a same-day transfer or step-down, is not a readmission). "
        "Episodes of patients who died are left out.",
        back,
        [e.patient_id for e in due],
        items="treatment stays",
        series=(_point("day 90", len(back), len(due)),),
    )


def compute(
    facts: Facts,
    *,
    start: date,
    end: date,
    as_of: date,
    reliability: Mapping[str, ReliabilityValues],
) -> Dashboard:
    """Every figure of the dashboard for the period [start, end] as of ``as_of``."""
    if end < start:
        raise PeriodError("The end of the period is before its start.")
    episodes = facts.episodes
    admitted = [e for e in episodes if start <= e.admitted_on <= end]
    ended = [e for e in episodes if e.ended_on is not None and start <= e.ended_on <= end]
    figures = (
        _census(episodes, start, end),
        _admissions(episodes, start, end),
        _referrals(facts, start, end),
        _days_to_first_session(admitted, start, end),
        _attendance(facts, start, end),
        _retention(admitted, 30, as_of),
        _retention(admitted, 60, as_of),
        _retention(admitted, 90, as_of),
        _completion(ended),
        _length_of_stay(ended),
        *(
            _improved(facts.scores, i, n, w, reliability.get(i), start, end)
            for i, n, w in INSTRUMENTS
        ),
        _screens(facts, start, end),
        _follow_up(ended, 7, as_of),
        _follow_up(ended, 30, as_of),
        _readmission(episodes, ended, as_of),
    )
    return Dashboard(start=start, end=end, as_of=as_of, figures=figures)
