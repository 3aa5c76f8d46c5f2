"""Per-program placement policy: the thresholds that are clinical policy, not published fact.

Published facts (the dimension names, the ASAM 2020 withdrawal criteria, the C-SSRS triage
levels) are fixed in the rules. What a program may choose lives here, with defaults and the
reasoning behind each default. See docs/placement.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openiop.domain.placement.model import Dimension, LevelOfCare, PlacementInputError

CIWA_AR_MODERATE_MIN = 10
"""ASAM 2020 alcohol withdrawal guideline: CIWA-Ar < 10 mild, 10-18 moderate."""
CIWA_AR_SEVERE_MIN = 19
"""ASAM 2020 alcohol withdrawal guideline Rec. VII.5: CIWA-Ar >= 19 is severe."""

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


@dataclass(frozen=True)
class PlacementPolicy:
    """Configurable thresholds, one instance per program.

    - ``ciwa_ar_withdrawal_management_above`` (default 15): a CIWA-Ar total above this sends
      the person to withdrawal management first. 15 is the
      top of the VA PAWS moderate band (8-15), above which the risk of severe withdrawal rises
      (VA PAWS). ASAM 2020 calls >= 19 severe, so a program may raise this to
      18 at most; moderate scores still need withdrawal management first when a complicating
      factor is present (rule PL-WM-3).
    - ``cows_withdrawal_management_min`` (default 25, the start of the "moderately severe"
      COWS band, Wesson & Ling 2003 [S]); ``None`` disables the rule. No published source ties
      a COWS score to a level of care: this default is the program's choice.
    - ``d1_withdrawal_management_min_rating`` (default 3): a dimension 1 rating this high
      means severe withdrawal risk (PPC grids [S]: "severe withdrawal risk", level III/IV).
    - ``dimension_levels``: see ``default_dimension_levels``.
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

    ciwa_ar_withdrawal_management_above: int = 15
    cows_withdrawal_management_min: int | None = 25
    d1_withdrawal_management_min_rating: int = 3
    dimension_levels: tuple[LevelsByRating, ...] = field(default_factory=default_dimension_levels)
    residential_min_inpatient_facts: int = 1
    iop_need_facts_raise_outpatient: bool = True
    adult_age: int = 18
    adolescent_track_replaces_adult_tracks: bool = True

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
        if not 0 <= self.ciwa_ar_withdrawal_management_above <= CIWA_AR_SEVERE_MIN - 1:
            # ASAM 2020 (Rec. VII.5) calls CIWA-Ar >= 19 severe: no program may wait longer.
            problems.append("ciwa_ar_withdrawal_management_above must be 0-18")
        cows = self.cows_withdrawal_management_min
        if cows is not None and not 1 <= cows <= 48:
            problems.append("cows_withdrawal_management_min must be 1-48 or None")
        if not 1 <= self.d1_withdrawal_management_min_rating <= 4:
            problems.append("d1_withdrawal_management_min_rating must be 1-4")
        if self.residential_min_inpatient_facts < 1:
            problems.append("residential_min_inpatient_facts must be at least 1")
        if problems:
            raise PlacementInputError("; ".join(problems))

    def level_for(self, dimension: Dimension, rating: int) -> LevelOfCare:
        return self.dimension_levels[int(dimension) - 1][rating]
