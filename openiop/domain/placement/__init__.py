"""Level-of-care placement: ASAM dimensions + the program's criteria + screening -> a level.

Pure Python. ``recommend_placement`` returns the recommended ASAM level
(1, 2.1, 2.5, 3.x, 4), whether withdrawal management or a crisis evaluation comes first, the
tracks to offer, and the reasons: each names its rule id, the facts that triggered it and its
source. Thresholds that are clinical policy live in ``PlacementPolicy``. ``propose`` and
``recommend_from_evidence`` (``evidence.py``) propose the dimension ratings from screenings and
facts with the program's evidence table. See docs/placement.md.
"""

from openiop.domain.placement.engine import recommend_placement
from openiop.domain.placement.evidence import (
    DimensionProposal,
    Evidence,
    EvidenceItem,
    PersonFacts,
    Proposal,
    ScoredScreen,
    propose,
    recommend_from_evidence,
    scored_from_total,
)
from openiop.domain.placement.evidence_table import EVIDENCE_ROWS, EvidenceRow
from openiop.domain.placement.model import (
    Condition,
    CssrsRisk,
    Dimension,
    DimensionRating,
    Effect,
    LevelOfCare,
    PlacementInput,
    PlacementInputError,
    PlacementRecommendation,
    ProgramCriteria,
    Reason,
    ScreeningResults,
    Track,
)
from openiop.domain.placement.policy import PlacementPolicy

__all__ = [
    "EVIDENCE_ROWS",
    "Condition",
    "CssrsRisk",
    "Dimension",
    "DimensionProposal",
    "DimensionRating",
    "Effect",
    "Evidence",
    "EvidenceItem",
    "EvidenceRow",
    "LevelOfCare",
    "PersonFacts",
    "PlacementInput",
    "PlacementInputError",
    "PlacementPolicy",
    "PlacementRecommendation",
    "ProgramCriteria",
    "Proposal",
    "Reason",
    "ScoredScreen",
    "ScreeningResults",
    "Track",
    "propose",
    "recommend_from_evidence",
    "recommend_placement",
    "scored_from_total",
]
