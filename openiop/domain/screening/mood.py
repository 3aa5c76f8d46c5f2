"""PHQ-9 (depression) and GAD-7 (anxiety): nine and seven items rated 0-3 over two weeks.

Sources:
- PHQ-9 answer points and LOINC answer codes LA6568-5/LA6569-3/LA6570-1/LA6571-9, panel, total and
  item codes: US Core Questionnaire phq-9-example (STU9) and SDC CodeSystem CSPHQ9 [V].
- PHQ-9 bands 0-4/5-9/10-14/15-19/20-27 and the item-9 rule ("any positive answer needs immediate
  clinical evaluation whatever the total"): MII PRO IG PHQ-9 page [V].
- GAD-7 bands 0-4/5-9/10-14/15-21 and the referral cut-off >= 10: Spitzer et al., Arch Intern Med
  2006;166:1092-7 [S]. GAD-7 total 70274-6 [V: HL7 PHR IG, MII]; panel 69737-5 verified in the
  HL7 PCO IG, which publishes Questionnaire/69737-5. The GAD-7 item codes are only [S] and are left
  out until confirmed at loinc.org. GAD-7 shares the PHQ answer list (MII GAD-7 example).
- PHQ-9's unscored 10th "difficulty" question (69722-7) is not part of this definition.
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
from openiop.domain.screening.rules import Answer, Total

PHQ_OPTIONS = (
    AnswerOption(0, 0, "Not at all", "LA6568-5"),
    AnswerOption(1, 1, "Several days", "LA6569-3"),
    AnswerOption(2, 2, "More than half the days", "LA6570-1"),
    AnswerOption(3, 3, "Nearly every day", "LA6571-9"),
)

_PHQ9_ITEMS = (
    ("Little interest or pleasure", "44250-9"),
    ("Feeling down, depressed or hopeless", "44255-8"),
    ("Sleep problems", "44259-0"),
    ("Tiredness, little energy", "44254-1"),
    ("Poor appetite or overeating", "44251-7"),
    ("Feeling bad about oneself", "44258-2"),
    ("Trouble concentrating", "44252-5"),
    ("Moving or speaking slowly, or restless", "44253-3"),
    ("Thoughts of being better off dead or of self-harm", "44260-8"),
)

PHQ9 = Instrument(
    id="phq9",
    name="Patient Health Questionnaire-9",
    edition="PHQ-9",
    version="1.0.0",
    source="Kroenke, Spitzer & Williams 2001; US Core phq-9-example; MII PRO IG PHQ-9",
    items=tuple(
        Item(str(n), label, ItemKind.POINTS, PHQ_OPTIONS, loinc=code)
        for n, (label, code) in enumerate(_PHQ9_ITEMS, start=1)
    ),
    total_items=tuple(str(n) for n in range(1, 10)),
    bands=(
        Band.range("none_minimal", "None/minimal", 0, 4),
        Band.range("mild", "Mild", 5, 9),
        Band.range("moderate", "Moderate", 10, 14),
        Band.range("moderately_severe", "Moderately severe", 15, 19),
        Band.range("severe", "Severe", 20, 27),
    ),
    flags=(
        Flag(
            "suicidal_ideation",
            "Item 9 positive: immediate clinical evaluation, C-SSRS screen and safety task",
            Answer("9", ">", 0),
            "MII PRO IG PHQ-9: any positive item 9 needs immediate evaluation whatever the total",
            urgent=True,
        ),
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
)

_GAD7_LABELS = (
    "Feeling nervous, anxious or on edge",
    "Not able to stop or control worrying",
    "Worrying too much",
    "Trouble relaxing",
    "Restless, hard to sit still",
    "Easily annoyed or irritable",
    "Feeling afraid something awful might happen",
)

GAD7 = Instrument(
    id="gad7",
    name="Generalized Anxiety Disorder-7",
    edition="GAD-7",
    version="1.0.0",
    source="Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092-7",
    items=tuple(
        Item(str(n), label, ItemKind.POINTS, PHQ_OPTIONS)
        for n, label in enumerate(_GAD7_LABELS, start=1)
    ),
    total_items=tuple(str(n) for n in range(1, 8)),
    bands=(
        Band.range("minimal", "Minimal", 0, 4),
        Band.range("mild", "Mild", 5, 9),
        Band.range("moderate", "Moderate", 10, 14),
        Band.range("severe", "Severe", 15, 21),
    ),
    flags=(
        Flag(
            "gad7_positive",
            "Total >= 10: usual referral cut-off for further evaluation of anxiety",
            Total(at_least=10),
            "Spitzer 2006: cut-off 10, sensitivity 89%, specificity 82% for GAD",
        ),
    ),
    loinc_panel="69737-5",
    loinc_total="70274-6",
)
