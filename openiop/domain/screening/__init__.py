"""Screening instruments as declarative definitions, and their exact scoring.

Each instrument (PHQ-9, GAD-7, AUDIT, AUDIT-C, DAST-10, CRAFFT 2.1, SCOFF, PCL-5, C-SSRS screener,
CIWA-Ar, COWS, BAM, and the CMS AHC HRSN core questions) is a frozen `Instrument`: items, answer
options and points, skip logic, total, subscales, bands, flags, configurable thresholds, LOINC
codes where verified, version.
One engine scores them all. Sources are cited in each instrument module; the answer encoding is
documented in docs/instruments.md. Pure Python: no Django.

    >>> from openiop.domain.screening import score
    >>> score("phq9", {str(n): 1 for n in range(1, 10)}).to_dict()["band"]
    'mild'
"""

from openiop.domain.screening.engine import evaluate
from openiop.domain.screening.loinc import is_valid_loinc, loinc_check_digit
from openiop.domain.screening.model import (
    AnswerError,
    AnswerOption,
    Band,
    Flag,
    Instrument,
    InvalidAnswers,
    Item,
    ItemKind,
    ScoreResult,
    ScreeningError,
    SettingDef,
    Subscale,
    UnknownInstrument,
)
from openiop.domain.screening.registry import (
    INSTRUMENTS,
    URGENT_FLAGS,
    applicable,
    flag_label,
    get_instrument,
    requires_urgent_safety_task,
    score,
)
from openiop.domain.screening.response import answers_from_response, questionnaire_response

__all__ = [
    "INSTRUMENTS",
    "URGENT_FLAGS",
    "AnswerError",
    "AnswerOption",
    "Band",
    "Flag",
    "Instrument",
    "InvalidAnswers",
    "Item",
    "ItemKind",
    "ScoreResult",
    "ScreeningError",
    "SettingDef",
    "Subscale",
    "UnknownInstrument",
    "answers_from_response",
    "applicable",
    "evaluate",
    "flag_label",
    "get_instrument",
    "is_valid_loinc",
    "loinc_check_digit",
    "questionnaire_response",
    "requires_urgent_safety_task",
    "score",
]
