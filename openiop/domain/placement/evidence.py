"""Placement from evidence: propose each ASAM dimension's rating from screenings and facts.

``propose(evidence, policy)`` reads the latest scored screenings and the facts about the person
(age, must work or study, support at home, housing, withdrawal history, prior treatment) and
proposes, for each of the six dimensions of The ASAM Criteria, 3rd ed. (2013), a rating 0-4 with
the evidence behind it, or no rating when nothing speaks to the dimension (never 0 for
"unknown"). ``recommend_from_evidence`` runs the level-of-care engine on the proposal. A
clinician then confirms or changes each rating, with a reason for every change (intake app).

Where the numbers come from:
- the bands are the scorer's (``openiop.domain.screening``), each published: CIWA-Ar ASAM 2020
  Table 1; COWS Wesson & Ling 2003; AUDIT WHO 2001 zones; PHQ-9, GAD-7, DAST-10, CRAFFT 2.1,
  PCL-5, SCOFF, C-SSRS as in docs/instruments.md;
- the rating a band or fact proposes is the program's table (``evidence_table.py``, program
  policy, editable per program): no published source maps a score to a dimension rating;
- a dimension's proposed rating is the highest rating any of its evidence proposes (the most
  serious finding counts, as in the ASAM risk ratings).
Conditions are suggested from positive screens (program convention, the same as the intake
form's pre-ticked conditions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from openiop.domain.placement.engine import recommend_placement
from openiop.domain.placement.evidence_table import EVIDENCE_ROWS, row
from openiop.domain.placement.model import (
    Condition,
    CssrsRisk,
    Dimension,
    DimensionRating,
    PlacementInput,
    PlacementInputError,
    PlacementRecommendation,
    ProgramCriteria,
    ScreeningResults,
)
from openiop.domain.placement.policy import PlacementPolicy
from openiop.domain.screening import INSTRUMENTS, ScoreResult
from openiop.domain.screening.rules import Facts


@dataclass(frozen=True)
class ScoredScreen:
    """One screening result as placement reads it: total, band and flags from the scorer, and
    PHQ-9 item 9 when the answers are known (``None`` when only the total was given)."""

    instrument: str
    total: int | None
    band: str | None
    flags: tuple[str, ...] = ()
    phq9_item9: int | None = None

    @classmethod
    def from_result(cls, result: ScoreResult) -> ScoredScreen:
        item9 = result.answers.get("9") if result.instrument == "phq9" else None
        return cls(
            instrument=result.instrument,
            total=result.total,
            band=result.band,
            flags=tuple(result.flags),
            phq9_item9=item9 if isinstance(item9, int) and not isinstance(item9, bool) else None,
        )


def scored_from_total(instrument_id: str, total: object) -> ScoredScreen:
    """A screen known only by its total: the band from the instrument's published bands.

    Raises ``PlacementInputError`` naming the instrument when it has no total (C-SSRS, BAM) or
    the total is not a whole number in the instrument's range. Flags that need the answers
    (PHQ-9 item 9, for instance) are unknown, not false; only a PHQ-9 total of 0 tells item 9
    (every item is then 0).
    """
    instrument = INSTRUMENTS.get(instrument_id)
    if instrument is None:
        raise PlacementInputError(f"unknown instrument {instrument_id!r}")
    bounds = instrument.total_range
    if bounds is None:
        raise PlacementInputError(f"{instrument_id} has no total: give its answers")
    if isinstance(total, bool) or not isinstance(total, int):
        raise PlacementInputError(f"{instrument_id}: total must be a whole number")
    low, high = bounds
    if not low <= total <= high:
        raise PlacementInputError(f"{instrument_id}: total must be {low}-{high}, got {total}")
    facts = Facts({}, total=total, settings=instrument.resolve_settings())
    band = next((b.code for b in instrument.bands if b.when.evaluate(facts) is True), None)
    item9 = 0 if instrument_id == "phq9" and total == 0 else None
    return ScoredScreen(instrument=instrument_id, total=total, band=band, phq9_item9=item9)


@dataclass(frozen=True)
class PersonFacts:
    """Facts about the person. ``None`` = not known (never read as "no")."""

    must_work_or_study: bool | None = None
    supportive_home: bool | None = None
    stable_housing: bool | None = None
    withdrawal_seizure_history: bool | None = None
    withdrawal_delirium_history: bool | None = None
    prior_treatment_episodes: int | None = None
    currently_intoxicated: bool | None = None

    def __post_init__(self) -> None:
        episodes = self.prior_treatment_episodes
        if episodes is not None and (
            isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 0
        ):
            raise PlacementInputError("prior_treatment_episodes must be a whole number, 0 or more")


FACT_NAMES = tuple(PersonFacts.__dataclass_fields__)


@dataclass(frozen=True)
class Evidence:
    """Everything a proposal reads: age in whole years, latest screens by instrument, facts."""

    age: int
    screens: Mapping[str, ScoredScreen] = field(default_factory=dict)
    facts: PersonFacts = field(default_factory=PersonFacts)

    def __post_init__(self) -> None:
        if isinstance(self.age, bool) or not isinstance(self.age, int):
            raise PlacementInputError("age must be a whole number of years")
        if not 0 <= self.age <= 130:
            raise PlacementInputError(f"age must be 0-130, got {self.age}")


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence for a dimension: what was found, the rating the program's table
    gives it (``None`` = context only), the table row and the source of the band."""

    text: str
    rating: int | None
    key: str
    source: str


@dataclass(frozen=True)
class DimensionProposal:
    dimension: Dimension
    rating: int | None
    evidence: tuple[EvidenceItem, ...]

    @property
    def summary(self) -> str:
        """The evidence in one line (what the form pre-fills)."""
        return "; ".join(item.text for item in self.evidence)


@dataclass(frozen=True)
class Proposal:
    """Proposed ratings of the six dimensions and what the engine needs besides them."""

    dimensions: tuple[DimensionProposal, ...]
    criteria: ProgramCriteria
    screening: ScreeningResults

    def dimension(self, dimension: Dimension) -> DimensionProposal:
        return next(d for d in self.dimensions if d.dimension == dimension)

    def placement_input(self, criteria: ProgramCriteria | None = None) -> PlacementInput:
        """The engine's input with the proposed ratings (unrated dimensions stay unrated)."""
        rated = tuple(
            DimensionRating(d.dimension, d.rating, d.summary)
            for d in self.dimensions
            if d.rating is not None
        )
        return PlacementInput(
            dimensions=rated,
            criteria=criteria or self.criteria,
            screening=self.screening,
            unrated=frozenset(d.dimension for d in self.dimensions if d.rating is None),
        )


def _screen_item(screen: ScoredScreen, policy: PlacementPolicy) -> EvidenceItem | None:
    """The table row of a screen's band, or None when the table has no row for it (BAM)."""
    key = f"{screen.instrument}.{screen.band}"
    if screen.band is None or key not in policy.evidence_ratings:
        return None
    label = row(key).label
    return EvidenceItem(
        text=label if screen.total is None else f"{label}: score {screen.total}",
        rating=policy.evidence_ratings[key],
        key=key,
        source=row(key).source,
    )


def _fact_item(key: str, policy: PlacementPolicy, text: str | None = None) -> EvidenceItem:
    return EvidenceItem(
        text=text or row(key).label,
        rating=policy.evidence_ratings[key],
        key=key,
        source=row(key).source,
    )


def _context(text: str, key: str) -> EvidenceItem:
    return EvidenceItem(text=text, rating=None, key=key, source="fact recorded at intake")


def _fact_items(facts: PersonFacts, policy: PlacementPolicy) -> list[EvidenceItem]:
    items: list[EvidenceItem] = []
    for name, key, no in (
        ("withdrawal_seizure_history", "history.withdrawal_seizure", "No withdrawal seizures"),
        ("withdrawal_delirium_history", "history.withdrawal_delirium", "No withdrawal delirium"),
    ):
        value = getattr(facts, name)
        if value is True:
            items.append(_fact_item(key, policy))
        elif value is False:
            items.append(_context(f"{no} in the past", key))
    episodes = facts.prior_treatment_episodes
    if episodes is not None and episodes > 0:
        plural = "s" if episodes > 1 else ""
        items.append(
            _fact_item(
                "history.prior_treatment",
                policy,
                f"Returning after {episodes} earlier treatment episode{plural}",
            )
        )
    elif episodes == 0:
        items.append(_context("No earlier treatment", "history.prior_treatment"))
    for value, yes, no in (
        (facts.supportive_home, "home.supportive", "home.unsupportive"),
        (facts.stable_housing, "housing.stable", "housing.unstable"),
    ):
        if value is not None:
            items.append(_fact_item(yes if value else no, policy))
    if facts.must_work_or_study is True:
        items.append(_context("Must keep working or studying", "fact.must_work_or_study"))
    return items


_DIMENSION_OF = {r.key: r.dimension for r in EVIDENCE_ROWS} | {
    "fact.must_work_or_study": Dimension.RECOVERY_ENVIRONMENT
}


def conditions_from_screens(screens: Mapping[str, ScoredScreen]) -> frozenset[Condition]:
    """Conditions suggested by positive screens (program convention; a clinician confirms)."""
    bands = {(s.instrument, s.band) for s in screens.values() if s.band is not None}
    found = {
        condition
        for (instrument, band), condition in _SUGGESTS.items()
        if (instrument, band) in bands
    }
    return frozenset(found)


_SUGGESTS = {
    ("audit", "hazardous"): Condition.ALCOHOL,
    ("audit", "harmful"): Condition.ALCOHOL,
    ("audit", "possible_dependence"): Condition.ALCOHOL,
    ("audit-c", "positive"): Condition.ALCOHOL,
    ("ciwa-ar", "moderate"): Condition.ALCOHOL,
    ("ciwa-ar", "severe"): Condition.ALCOHOL,
    ("dast10", "moderate"): Condition.SUBSTANCE_USE,
    ("dast10", "substantial"): Condition.SUBSTANCE_USE,
    ("dast10", "severe"): Condition.SUBSTANCE_USE,
    ("crafft", "positive"): Condition.SUBSTANCE_USE,
    ("cows", "mild"): Condition.SUBSTANCE_USE,
    ("cows", "moderate"): Condition.SUBSTANCE_USE,
    ("cows", "moderately_severe"): Condition.SUBSTANCE_USE,
    ("cows", "severe"): Condition.SUBSTANCE_USE,
    ("phq9", "moderate"): Condition.MENTAL_HEALTH,
    ("phq9", "moderately_severe"): Condition.MENTAL_HEALTH,
    ("phq9", "severe"): Condition.MENTAL_HEALTH,
    ("gad7", "moderate"): Condition.MENTAL_HEALTH,
    ("gad7", "severe"): Condition.MENTAL_HEALTH,
    ("pcl5", "probable_ptsd"): Condition.MENTAL_HEALTH,
    ("cssrs", "moderate"): Condition.MENTAL_HEALTH,
    ("cssrs", "high"): Condition.MENTAL_HEALTH,
    ("scoff", "possible_case"): Condition.EATING_DISORDER,
}
"""Positive screen bands and the condition each suggests (program convention)."""


def criteria_from_facts(facts: PersonFacts) -> ProgramCriteria:
    """The IOP-fit criteria the facts establish. Facts never set an inpatient criterion on
    their own: those need a clinician's judgement (common IOP practice)."""
    episodes = facts.prior_treatment_episodes
    return ProgramCriteria(
        must_work_or_attend_school=facts.must_work_or_study is True,
        has_support_system=facts.supportive_home is True,
        early_stage_of_treatment=episodes == 0,
        history_of_relapse=episodes is not None and episodes > 0,
    )


def propose(
    evidence: Evidence,
    policy: PlacementPolicy | None = None,
    *,
    conditions: frozenset[Condition] | None = None,
) -> Proposal:
    """Propose a rating with its evidence for each dimension (see the module docstring).

    ``conditions`` overrides the conditions suggested by the screens (the clinician's choice).
    """
    policy = policy or PlacementPolicy()
    items: list[EvidenceItem] = []
    for screen in evidence.screens.values():
        found = _screen_item(screen, policy)
        if found is not None:
            items.append(found)
    items.extend(_fact_items(evidence.facts, policy))
    dimensions = []
    for dimension in Dimension:
        mine = tuple(i for i in items if _DIMENSION_OF[i.key] is dimension)
        rated = [i.rating for i in mine if i.rating is not None]
        dimensions.append(DimensionProposal(dimension, max(rated) if rated else None, mine))
    return Proposal(
        dimensions=tuple(dimensions),
        criteria=criteria_from_facts(evidence.facts),
        screening=screening_results(evidence, conditions),
    )


def screening_results(
    evidence: Evidence, conditions: frozenset[Condition] | None = None
) -> ScreeningResults:
    """The engine's screening input from the evidence (``None`` = not given, never 0; an
    unknown withdrawal history or intoxication stays ``None``, never "no")."""
    screens = evidence.screens
    cssrs = screens.get("cssrs")
    phq9 = screens.get("phq9")
    facts = evidence.facts
    return ScreeningResults(
        age=evidence.age,
        conditions=conditions_from_screens(screens) if conditions is None else conditions,
        ciwa_ar_total=screens["ciwa-ar"].total if "ciwa-ar" in screens else None,
        cows_total=screens["cows"].total if "cows" in screens else None,
        withdrawal_seizure_history=facts.withdrawal_seizure_history,
        withdrawal_delirium_history=facts.withdrawal_delirium_history,
        currently_intoxicated=facts.currently_intoxicated,
        cssrs_risk=CssrsRisk(cssrs.band) if cssrs is not None and cssrs.band else None,
        phq9_item9=phq9.phq9_item9 if phq9 is not None else None,
        phq9_given=phq9 is not None,
    )


def recommend_from_evidence(
    evidence: Evidence, policy: PlacementPolicy | None = None
) -> tuple[Proposal, PlacementRecommendation]:
    """The proposal and the engine's recommendation with the proposed ratings as given."""
    policy = policy or PlacementPolicy()
    proposal = propose(evidence, policy)
    return proposal, recommend_placement(proposal.placement_input(), policy)
