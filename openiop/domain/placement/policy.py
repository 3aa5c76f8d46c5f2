"""Per-program placement policy: the thresholds that are clinical policy, not published fact.

Published facts (the dimension names, the ASAM 2020 withdrawal criteria, the C-SSRS triage
levels) are fixed in the rules. What a program may choose lives here, with defaults and the
reasoning behind each default. See docs/placement.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from openiop.domain.placement.evidence_table import EVIDENCE_KEYS, default_evidence_ratings
from openiop.domain.placement.model import Dimension, LevelOfCare, PlacementInputError
from openiop.domain.screening.withdrawal import (
    CIWA_AR_MODERATE_MIN,
    CIWA_AR_SEVERE_MIN,
    COWS_BANDS,
)

__all__ = [
    "CIWA_AR_MODERATE_MIN",
    "CIWA_AR_SEVERE_MIN",
    "COWS_BAND_STARTS",
    "PlacementPolicy",
    "cows_band",
    "default_dimension_levels",
    "dimension_levels_from_table",
    "dimension_levels_table",
]

COWS_BAND_STARTS = {low: (code, label) for code, label, low, _ in COWS_BANDS if low > 0}
"""The first score of each COWS band from mild up: the only allowed COWS thresholds."""


def cows_band(total: int) -> tuple[str, str]:
    """(code, label) of the COWS band of ``total`` (the scorer's bands, Wesson & Ling 2003)."""
    return next((code, label) for code, label, low, high in COWS_BANDS if low <= total <= high)


_L1 = LevelOfCare.OUTPATIENT
_L21 = LevelOfCare.INTENSIVE_OUTPATIENT
_L25 = LevelOfCare.PARTIAL_HOSPITALISATION
_L3 = LevelOfCare.RESIDENTIAL
_L4 = LevelOfCare.INPATIENT

LevelsByRating = tuple[LevelOfCare, LevelOfCare, LevelOfCare, LevelOfCare, LevelOfCare]


def default_dimension_levels() -> tuple[LevelsByRating, ...]:
    """Least intensive level that each rating 0-4 of each dimension calls for.

    Policy, informed by secondary transcriptions of the ASAM adult placement grids [S: ASAM
    PPC-1 adult criteria table (docest.com/doc/403702) and a PPC-2R placement grid
    (docstoc.com/docs/62507490)]; The ASAM Criteria's own dimensional admission criteria are
    copyrighted and were not read:
    - D1 feeds "withdrawal management first" (``d1_withdrawal_management_min_rating``), not the
      level after withdrawal; a rating of 2 ("minimal to moderate withdrawal risk") fits IOP.
    - D2 and D3: 2 is "mildly distracting, manageable in IOP"; 3 "needs 24-hour monitoring or a
      24-hour structured setting" (residential); 4 "24-hour medical/psychiatric care" (level 4).
    - D4-D6: 2 fits IOP ("high likelihood of relapse without close monitoring" for D5); 3
      calls for more structure (partial hospitalisation); 4 for "24-hour structure"
      (residential). The grids say problems in D4 and D5 "do not qualify" for level 4.
    """
    return (
        (_L1, _L1, _L21, _L21, _L21),  # 1 intoxication/withdrawal
        (_L1, _L1, _L21, _L3, _L4),  # 2 biomedical
        (_L1, _L1, _L21, _L3, _L4),  # 3 emotional/behavioural/cognitive
        (_L1, _L1, _L21, _L25, _L3),  # 4 readiness to change
        (_L1, _L1, _L21, _L25, _L3),  # 5 relapse/continued use
        (_L1, _L1, _L21, _L25, _L3),  # 6 recovery environment
    )


RATINGS = range(5)
"""The ratings 0-4 of each dimension (ASAM Criteria, 3rd ed.)."""


def dimension_levels_table(levels: Sequence[Sequence[LevelOfCare]]) -> dict[str, list[str]]:
    """The dimension table as plain data: {"1": ["1", "1", "2.1", ...], ...} (one level per
    rating 0-4, keyed by dimension number), as a program's settings store it."""
    return {str(number): [level.value for level in row] for number, row in enumerate(levels, 1)}


def dimension_levels_from_table(table: object) -> tuple[LevelsByRating, ...]:
    """A program's dimension table from plain data (``dimension_levels_table``'s shape).

    Refused (``PlacementInputError``, one plain sentence per problem, each naming the
    dimension) unless every dimension 1-6 gives a known level for every rating 0-4 and no
    rating calls for a less intensive level than a lower rating of the same dimension: a
    worse rating never argues for less care.
    """
    if not isinstance(table, Mapping):
        raise PlacementInputError("The dimension table must give the levels of all 6 dimensions.")
    known = ", ".join(level.value for level in LevelOfCare)
    problems = [
        f"The dimension table has no dimension {key}."
        for key in sorted(str(k) for k in table)
        if key not in {str(int(d)) for d in Dimension}
    ]
    rows: list[LevelsByRating] = []
    for dimension in Dimension:
        name = f"Dimension {int(dimension)} ({dimension.label})"
        row = table.get(str(int(dimension)), table.get(int(dimension)))
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != len(RATINGS):
            problems.append(f"{name}: give a level for each rating 0-4.")
            continue
        levels: list[LevelOfCare] = []
        for rating, value in zip(RATINGS, row, strict=True):
            if value in (None, ""):
                problems.append(f"{name}: rating {rating} has no level.")
            elif not isinstance(value, str) or value not in {lv.value for lv in LevelOfCare}:
                problems.append(
                    f"{name}: rating {rating} has an unknown level ({value}); "
                    f"the levels are {known}."
                )
            else:
                levels.append(LevelOfCare(value))
        if len(levels) != len(RATINGS):
            continue
        for rating in RATINGS[1:]:
            lower = max(levels[:rating], key=lambda level: level.rank)
            if levels[rating].rank < lower.rank:
                problems.append(
                    f"{name}: rating {rating} calls for level {levels[rating].value}, less "
                    f"intensive than level {lower.value} of a lower rating. A higher rating must "
                    "call for the same level or a more intensive one."
                )
                break
        rows.append((levels[0], levels[1], levels[2], levels[3], levels[4]))
    if problems:
        raise PlacementInputError(" ".join(problems))
    return tuple(rows)


@dataclass(frozen=True)
class PlacementPolicy:
    """Configurable thresholds, one instance per program.

    - CIWA-Ar has no setting: the bands are published (ASAM 2020 Table 1) and shared with the
      scorer (``openiop.domain.screening.withdrawal``): severe (>= 19) means withdrawal
      management first; moderate (10-18) does too only with a complicating factor (PL-WM-3).
    - ``cows_withdrawal_management_min`` (default 25, the start of the "moderately severe"
      COWS band, Wesson & Ling 2003); ``None`` disables the rule. It must be the start of a
      published band (5, 13, 25 or 37), so that the reason names the band the scorer shows.
      No published source ties a COWS score to a level of care: the band is the program's
      choice.
    - ``evidence_ratings``: the rating each screening band or fact proposes for its dimension
      (``evidence_table.EVIDENCE_ROWS``); a program's overrides are merged over the defaults.
    - ``d1_withdrawal_management_min_rating`` (default 3): a dimension 1 rating this high
      means severe withdrawal risk (PPC grids [S]: "severe withdrawal risk", level III/IV).
    - ``dimension_levels``: see ``default_dimension_levels``; a program may set its own table
      (``dimension_levels_from_table`` checks it: complete, known levels, never less intensive
      for a higher rating).
    - ``residential_min_inpatient_facts`` (default 1): how many of the "needs
      inpatient/residential care" facts make residential the floor. Common IOP practice treats
      each fact on its own, hence 1. With a higher setting, fewer facts (but at least one) make partial
      hospitalisation the floor.
    - ``iop_need_facts_raise_outpatient`` (default True): when the dimensions alone fit
      outpatient care, a person transitioning from residential/hospital care, with a history
      of relapse or with a co-occurring disorder is recommended IOP (common IOP practice).
    - ``adult_age`` (default 18): under this age the adolescent track is recommended.
    - ``adolescent_track_replaces_adult_tracks`` (default True): the adolescent track covers
      substance, alcohol and mental-health care for teens (common IOP program types);
      an eating-disorder track is still added.
    """

    cows_withdrawal_management_min: int | None = 25
    d1_withdrawal_management_min_rating: int = 3
    dimension_levels: tuple[LevelsByRating, ...] = field(default_factory=default_dimension_levels)
    residential_min_inpatient_facts: int = 1
    iop_need_facts_raise_outpatient: bool = True
    adult_age: int = 18
    adolescent_track_replaces_adult_tracks: bool = True
    evidence_ratings: Mapping[str, int] = field(default_factory=default_evidence_ratings)

    def __post_init__(self) -> None:
        problems = []
        if len(self.dimension_levels) != len(Dimension):
            problems.append("dimension_levels needs one row per dimension (6)")
        elif any(len(row) != 5 for row in self.dimension_levels):
            problems.append("dimension_levels rows need one level per rating 0-4")
        else:
            for number, row in enumerate(self.dimension_levels, start=1):
                ranks = [level.rank for level in row]
                if ranks != sorted(ranks):
                    problems.append(f"dimension_levels row {number} must not decrease")
        cows = self.cows_withdrawal_management_min
        if cows is not None and cows not in COWS_BAND_STARTS:
            starts = ", ".join(str(n) for n in COWS_BAND_STARTS)
            problems.append(
                f"cows_withdrawal_management_min must be a band start ({starts}) or None"
            )
        unknown = sorted(set(self.evidence_ratings) - EVIDENCE_KEYS)
        if unknown:
            problems.append(f"evidence_ratings: unknown rows {', '.join(unknown)}")
        missing = sorted(EVIDENCE_KEYS - set(self.evidence_ratings))
        if missing:
            problems.append(f"evidence_ratings: missing rows {', '.join(missing)}")
        bad = sorted(
            k
            for k, v in self.evidence_ratings.items()
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 4
        )
        if bad:
            problems.append(f"evidence_ratings must be 0-4: {', '.join(bad)}")
        if not 1 <= self.d1_withdrawal_management_min_rating <= 4:
            problems.append("d1_withdrawal_management_min_rating must be 1-4")
        if self.residential_min_inpatient_facts < 1:
            problems.append("residential_min_inpatient_facts must be at least 1")
        if problems:
            raise PlacementInputError("; ".join(problems))

    def level_for(self, dimension: Dimension, rating: int) -> LevelOfCare:
        return self.dimension_levels[int(dimension) - 1][rating]
