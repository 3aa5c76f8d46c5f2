"""C-SSRS screener, "Screen Version - Recent" with triage points: suicide risk triage.

Items (past month): 1 wish to be dead, 2 suicidal thoughts, 3 thoughts of a method, 4 intent
without a plan, 5 plan with intent; 6 suicidal behaviour ever, and "6b": was it within the past 3
months. Skip logic: questions 3-5 are asked only if 2 is Yes; 6b only if 6 is Yes [S: copies of
the screener; the CMS-hosted form cssrs-screen-version-instrument.pdf].

Risk level: the most serious item endorsed sets it [S: transcriptions of Columbia's screener with
triage points; NINDS CDE page confirms three categories]:
- high (red): Yes to 4 or 5, or behaviour within the past 3 months;
- moderate (orange): Yes to 3, or behaviour more than 3 months ago;
- low (yellow): Yes to 1 or 2;
- all No: a negative screen, recorded as "negative", not as "low". (The HL7 BH Profiles example
  codes an all-No screen as 93374-7 = LA9194-7 Low; map carefully when exchanging data.)
High risk requires safety precautions until a mental-health professional evaluates the patient,
so it is an urgent flag. The screener has no total.

LOINC [V: HL7 US Behavioral Health Profiles QuestionnaireResponse C-SSRS-example-1, read again
with the search tool]: items 93246-7, 93247-5, 93248-3, 93249-1, 93250-9, 93267-3, 93269-9 and the
risk level 93374-7. The screener panel 93373-9 is only [S] and is left out. The C-SSRS is free to
use but copyrighted: the labels below are short labels, not the form's wording.
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
from openiop.domain.screening.rules import Always, Answer, BandIs, all_of, any_of

_YES_NO = (AnswerOption(True, 1, "Yes"), AnswerOption(False, 0, "No"))
_THOUGHTS = Answer("2", "==", True)
_BEHAVIOUR = Answer("6", "==", True)


def _item(key: str, label: str, loinc: str, enable_when: Answer | None = None) -> Item:
    return Item(key, label, ItemKind.YES_NO, _YES_NO, enable_when=enable_when, loinc=loinc)


_HIGH = any_of(Answer("4", "==", True), Answer("5", "==", True), Answer("6b", "==", True))
_MODERATE = any_of(Answer("3", "==", True), all_of(_BEHAVIOUR, Answer("6b", "==", False)))
_LOW = any_of(Answer("1", "==", True), _THOUGHTS)
_SOURCE = "Columbia screener with triage points (CMS-hosted Screen Version - Recent)"

CSSRS = Instrument(
    id="cssrs",
    name="Columbia-Suicide Severity Rating Scale, screener",
    edition="C-SSRS Screen Version - Recent, with triage points",
    version="1.0.0",
    source="Posner et al., Columbia University; CMS-hosted screen version; HL7 BH Profiles",
    items=(
        _item("1", "Wished to be dead or not wake up (past month)", "93246-7"),
        _item("2", "Thoughts of killing oneself (past month)", "93247-5"),
        _item("3", "Thought about how (method)", "93248-3", _THOUGHTS),
        _item("4", "Some intention of acting on the thoughts", "93249-1", _THOUGHTS),
        _item(
            "5", "Worked out details of a plan and intends to carry it out", "93250-9", _THOUGHTS
        ),
        _item("6", "Ever did, started or prepared anything to end one's life", "93267-3"),
        _item("6b", "That behaviour was within the past 3 months", "93269-9", _BEHAVIOUR),
    ),
    total_items=None,
    bands=(
        Band("high", "High risk (red): safety precautions, immediate evaluation", _HIGH),
        Band("moderate", "Moderate risk (orange): behavioural health referral", _MODERATE),
        Band("low", "Low risk (yellow): behavioural health referral, crisis lines", _LOW),
        Band("negative", "Negative screen (all No)", Always()),
    ),
    flags=(
        Flag(
            "cssrs_high_risk",
            "High risk: keep the patient safe until a mental-health professional evaluates",
            BandIs("high"),
            _SOURCE + ": Yes to 4 or 5, or behaviour in the past 3 months",
            urgent=True,
        ),
        Flag(
            "cssrs_moderate_risk",
            "Moderate risk: behavioural health referral",
            BandIs("moderate"),
            _SOURCE + ": Yes to 3, or behaviour more than 3 months ago",
        ),
        Flag(
            "cssrs_low_risk",
            "Low risk: behavioural health referral and crisis line information",
            BandIs("low"),
            _SOURCE + ": Yes to 1 or 2 only",
        ),
    ),
    loinc_band="93374-7",
)
