"""Level-of-care placement: ASAM dimensions + the program's criteria + screening -> a level.

Pure Python. ``recommend_placement`` returns the recommended ASAM level
(1, 2.1, 2.5, 3.x, 4), whether withdrawal management or a crisis evaluation comes first, the
tracks to offer, and the reasons: each names its rule id, the facts that triggered it and its
source. Thresholds that are clinical policy live in ``PlacementPolicy``. See docs/placement.md.
"""

from openiop.domain.placement.engine import recommend_placement
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
    "Condition",
    "CssrsRisk",
    "Dimension",
    "DimensionRating",
    "Effect",
    "LevelOfCare",
    "PlacementInput",
    "PlacementInputError",
    "PlacementPolicy",
    "PlacementRecommendation",
    "ProgramCriteria",
    "Reason",
    "ScreeningResults",
    "Track",
    "recommend_placement",
]
