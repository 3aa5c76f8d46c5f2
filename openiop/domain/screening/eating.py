"""SCOFF (eating disorders): five yes/no questions, one point per Yes; >= 2 is a possible case.

Source: Morgan, Reid & Lacey, BMJ 1999;319:1467 (sensitivity 100%, false positives 12.5% in the
original study). No LOINC code was found, so none is given.
"""

from __future__ import annotations

from openiop.domain.screening.model import (
    AnswerOption,
    Band,
    Flag,
    Instrument,
    Item,
    ItemKind,
)
from openiop.domain.screening.rules import Total

_YES_NO = (AnswerOption(True, 1, "Yes"), AnswerOption(False, 0, "No"))

_LABELS = (
    "Sick: makes self sick because uncomfortably full",
    "Control: worries about losing control over eating",
    "One stone: lost more than 14 lb / 6 kg in 3 months",
    "Fat: believes self fat when others say too thin",
    "Food: food dominates life",
)

SCOFF = Instrument(
    id="scoff",
    name="SCOFF questionnaire",
    edition="SCOFF (Morgan, Reid & Lacey 1999)",
    version="1.0.0",
    source="Morgan, Reid & Lacey, BMJ 1999;319:1467",
    items=tuple(
        Item(str(n), label, ItemKind.YES_NO, _YES_NO) for n, label in enumerate(_LABELS, start=1)
    ),
    total_items=("1", "2", "3", "4", "5"),
    bands=(
        Band.range("negative", "Negative screen", 0, 1),
        Band.range("possible_case", "Possible eating disorder (>= 2)", 2, 5),
    ),
    flags=(
        Flag(
            "scoff_possible_eating_disorder",
            "Total >= 2: possible eating disorder; assess further",
            Total(at_least=2),
            "Morgan, Reid & Lacey, BMJ 1999: cut-off 2",
        ),
    ),
)
