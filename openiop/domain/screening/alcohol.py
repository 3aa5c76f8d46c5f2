"""AUDIT (WHO) and AUDIT-C: alcohol use.

Sources:
- Items and points: WHO form as transcribed by CamCOPS `audit.xml` and awell-score, which agree
  [S]. Items 9 and 10 score only 0, 2 or 4; 1 and 3 are refused.
- Domains consumption 1-3, dependence 4-6, harm 7-10 and risk zones I 0-7, II 8-15, III 16-19,
  IV 20-40: Babor, Higgins-Biddle, Saunders & Monteiro, AUDIT: Guidelines for Use in Primary
  Care, 2nd ed., WHO/MSD/MSB/01.6a, 2001 (zones I-III [V] via comorbidityguidelines.org.au
  appendix U; zone IV [S]). 8 is the manual's cut-off for hazardous drinking.
- Escalation: "Provide the next highest level of intervention to patients who score 2 or more on
  Questions 4, 5 and 6, or 4 on Questions 9 or 10" (WHO manual, as quoted in appendix U, read
  with the search tool). The wording is ambiguous between "each of 4-6" and "4-6 together"; we
  use the dependence domain (4+5+6) >= 2, which includes every case of the narrower reading, so a
  patient the manual would escalate is never missed.
- AUDIT-C positive screen >= 4 in men, >= 3 in women; all points from Q1 (Q2 = Q3 = 0) suggests
  drinking within limits: US Core Observation AUDIT-C-item-example note, PMID 12695273 [V].
- LOINC: AUDIT total 75624-7 [V]; AUDIT-C panel 72109-2 and total 75626-2 [V]. The AUDIT item
  codes and panel are only [S] (HL7 Portugal value set) and are left out until confirmed.
"""

from __future__ import annotations

from openiop.domain.screening.model import (
    AnswerOption,
    Band,
    Flag,
    Instrument,
    Item,
    ItemKind,
    Subscale,
)
from openiop.domain.screening.rules import Answer, Subscore, Total, all_of, any_of

_FREQUENCY = (
    AnswerOption(0, 0, "Never"),
    AnswerOption(1, 1, "Monthly or less"),
    AnswerOption(2, 2, "2 to 4 times a month"),
    AnswerOption(3, 3, "2 to 3 times a week"),
    AnswerOption(4, 4, "4 or more times a week"),
)
_TYPICAL_DAY = (
    AnswerOption(0, 0, "1 or 2 (US AUDIT-C: 0, 1 or 2)"),
    AnswerOption(1, 1, "3 or 4"),
    AnswerOption(2, 2, "5 or 6"),
    AnswerOption(3, 3, "7, 8 or 9"),
    AnswerOption(4, 4, "10 or more"),
)
_HOW_OFTEN = (
    AnswerOption(0, 0, "Never"),
    AnswerOption(1, 1, "Less than monthly"),
    AnswerOption(2, 2, "Monthly"),
    AnswerOption(3, 3, "Weekly"),
    AnswerOption(4, 4, "Daily or almost daily"),
)
_EVER = (
    AnswerOption(0, 0, "No"),
    AnswerOption(2, 2, "Yes, but not in the last year"),
    AnswerOption(4, 4, "Yes, during the last year"),
)

_CONSUMPTION_ITEMS = (
    Item("1", "How often a drink containing alcohol", ItemKind.POINTS, _FREQUENCY),
    Item("2", "Drinks on a typical drinking day", ItemKind.POINTS, _TYPICAL_DAY),
    Item("3", "How often six or more drinks on one occasion", ItemKind.POINTS, _HOW_OFTEN),
)

_AUDIT_ITEMS = (
    *_CONSUMPTION_ITEMS,
    Item("4", "Not able to stop drinking once started", ItemKind.POINTS, _HOW_OFTEN),
    Item("5", "Failed to do what was expected because of drinking", ItemKind.POINTS, _HOW_OFTEN),
    Item("6", "Needed a first drink in the morning", ItemKind.POINTS, _HOW_OFTEN),
    Item("7", "Guilt or remorse after drinking", ItemKind.POINTS, _HOW_OFTEN),
    Item("8", "Unable to remember the night before", ItemKind.POINTS, _HOW_OFTEN),
    Item("9", "Self or someone else injured because of drinking", ItemKind.POINTS, _EVER),
    Item("10", "Someone concerned or suggested cutting down", ItemKind.POINTS, _EVER),
)

AUDIT = Instrument(
    id="audit",
    name="Alcohol Use Disorders Identification Test",
    edition="AUDIT, WHO 2001 (2nd ed.)",
    version="1.0.0",
    source="Babor et al., WHO/MSD/MSB/01.6a, 2001",
    items=_AUDIT_ITEMS,
    total_items=tuple(str(n) for n in range(1, 11)),
    subscales=(
        Subscale("consumption", "Hazardous alcohol use (items 1-3)", ("1", "2", "3")),
        Subscale("dependence", "Dependence symptoms (items 4-6)", ("4", "5", "6")),
        Subscale("harm", "Harmful alcohol use (items 7-10)", ("7", "8", "9", "10")),
    ),
    bands=(
        Band.range("low_risk", "Zone I: low risk (alcohol education)", 0, 7),
        Band.range("hazardous", "Zone II: hazardous (simple advice)", 8, 15),
        Band.range("harmful", "Zone III: harmful (advice, brief counselling, monitoring)", 16, 19),
        Band.range(
            "possible_dependence", "Zone IV: possible dependence (specialist referral)", 20, 40
        ),
    ),
    flags=(
        Flag(
            "audit_positive",
            "Total >= 8: hazardous or harmful drinking",
            Total(at_least=8),
            "WHO AUDIT manual 2001: zone II starts at 8",
        ),
        Flag(
            "audit_possible_dependence",
            "Total >= 20: diagnostic evaluation for alcohol dependence",
            Total(at_least=20),
            "WHO AUDIT manual 2001, Table 3 (zone IV)",
        ),
        Flag(
            "audit_escalate_intervention",
            "Items 4-6 total >= 2, or item 9 or 10 = 4: next higher level of intervention",
            any_of(Subscore("dependence", at_least=2), Answer("9", "==", 4), Answer("10", "==", 4)),
            "WHO AUDIT manual 2001, as quoted in comorbidityguidelines.org.au appendix U",
        ),
    ),
    loinc_total="75624-7",
)

AUDIT_C = Instrument(
    id="audit-c",
    name="AUDIT-Consumption",
    edition="AUDIT-C (Bush et al. 1998)",
    version="1.0.0",
    source="Bush et al. 1998; US Core AUDIT-C examples; PMID 12695273",
    items=_CONSUMPTION_ITEMS,
    total_items=("1", "2", "3"),
    bands=(
        Band.range("negative", "Negative screen", 0, 2),
        Band.range("positive_if_female", "Positive for women (>= 3), not for men (>= 4)", 3, 3),
        Band.range("positive", "Positive screen", 4, 12),
    ),
    flags=(
        Flag(
            "audit_c_positive_women",
            "Total >= 3: positive screen for women",
            Total(at_least=3),
            "US Core AUDIT-C example note; PMID 12695273",
        ),
        Flag(
            "audit_c_positive_men",
            "Total >= 4: positive screen for men",
            Total(at_least=4),
            "US Core AUDIT-C example note; PMID 12695273",
        ),
        Flag(
            "audit_c_points_from_q1_only",
            "Positive-range total from item 1 alone: drinking probably within limits; review",
            all_of(Total(at_least=3), Answer("2", "==", 0), Answer("3", "==", 0)),
            "US Core AUDIT-C example note: if all points come from Q1, probably within limits",
        ),
    ),
    loinc_panel="72109-2",
    loinc_total="75626-2",
)
