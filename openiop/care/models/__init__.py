"""Models of the care app: treatment plans, drug screens, relapse response, community support,
tapering and discharge. Every row is protected health information and a 42 CFR
Part 2 record: reads go through ``core.access``, writes through the ``services`` module of
each sub-area (``care.plans.services``, ``care.screens.services``...)."""

from openiop.care.models.community import (
    FamilyInvolvement,
    MeetingKind,
    PeerMeetingWeek,
    SupportProfile,
)
from openiop.care.models.discharge import (
    LEVEL_OF_CARE_CHANGES,
    AlumniFollowUp,
    Discharge,
    DischargeScope,
    DischargeType,
)
from openiop.care.models.plan import (
    Goal,
    Intervention,
    InterventionKind,
    Objective,
    ObjectiveProgressNote,
    ObjectiveStatus,
    PlanStatus,
    Problem,
    SkillDomain,
    TreatmentPlan,
)
from openiop.care.models.relapse import RelapseEvent, RelapseSource, RelapseStatus, SafetyFinding
from openiop.care.models.screens import (
    DEFAULT_PANEL,
    DrugScreen,
    DrugScreenResult,
    Prescription,
    ResultValue,
    ScreenMethod,
    ScreenStatus,
    Specimen,
    SubstanceClass,
)
from openiop.care.models.taper import (
    EnrollmentPhase,
    MeasureSchedule,
    RecommendationStatus,
    ReliabilitySetting,
    TaperDecision,
    TaperRecommendation,
    TaperSettings,
)

__all__ = [
    "DEFAULT_PANEL",
    "LEVEL_OF_CARE_CHANGES",
    "AlumniFollowUp",
    "Discharge",
    "DischargeScope",
    "DischargeType",
    "DrugScreen",
    "DrugScreenResult",
    "EnrollmentPhase",
    "FamilyInvolvement",
    "Goal",
    "Intervention",
    "InterventionKind",
    "MeasureSchedule",
    "MeetingKind",
    "Objective",
    "ObjectiveProgressNote",
    "ObjectiveStatus",
    "PeerMeetingWeek",
    "PlanStatus",
    "Prescription",
    "Problem",
    "RecommendationStatus",
    "RelapseEvent",
    "RelapseSource",
    "RelapseStatus",
    "ReliabilitySetting",
    "ResultValue",
    "SafetyFinding",
    "ScreenMethod",
    "ScreenStatus",
    "SkillDomain",
    "Specimen",
    "SubstanceClass",
    "SupportProfile",
    "TaperDecision",
    "TaperRecommendation",
    "TaperSettings",
    "TreatmentPlan",
]
