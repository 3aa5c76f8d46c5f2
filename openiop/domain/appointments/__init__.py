"""Individual appointments of a week placed around the published groups (pure Python).

``model`` holds the problem and the result (frozen dataclasses, nonsense input refused when it
is built); ``place`` places the due appointments with CP-SAT (``place``) or greedily
(``greedy``: the baseline, the hint and the fallback) and says in plain words why any due could
not be placed; ``validator`` checks placements independently of the placer.

Importing the package does not load the CP-SAT library (OR-Tools): ``place`` loads it on
its first call, so a process that only validates or reads appointments never does.
"""

from __future__ import annotations

from openiop.domain.appointments.model import (
    KIND_NAMES,
    Due,
    Interval,
    PatientTimes,
    Placement,
    PlacementProblem,
    PlacementResult,
    Slot,
    Staff,
    Unplaced,
    kind_name,
)
from openiop.domain.appointments.place import greedy, place
from openiop.domain.appointments.validator import validate

__all__ = [
    "KIND_NAMES",
    "Due",
    "Interval",
    "PatientTimes",
    "Placement",
    "PlacementProblem",
    "PlacementResult",
    "Slot",
    "Staff",
    "Unplaced",
    "greedy",
    "kind_name",
    "place",
    "validate",
]
