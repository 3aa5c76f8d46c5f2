"""DAST-10 (adult drug use) and CRAFFT 2.1 (adolescent substance use, ages 12-21).

DAST-10: ten yes/no items about the past 12 months; Yes = 1 except item 3
("always able to stop when you want to?"), where No = 1, so all-No scores 1. Bands 0 none,
1-2 low, 3-5 moderate, 6-8 substantial, 9-10 severe, with actions monitor / investigate further /
intensive assessment [V: comorbidityguidelines.org.au appendix W; Skinner 1982]. LOINC panel
82666-9 and total 82667-7 [V: Synthea substance_use_screening].

CRAFFT 2.1: part A asks on how many days in the past 12 months the person
drank more than a few sips, used marijuana, used anything else to get high ("a1".."a3", 0-365).
If every part A answer is 0, only the CAR question ("b1") is asked; otherwise all six part B
yes/no questions [V: crafft.org "Use the CRAFFT"]. The score is the number of Yes answers in part
B; >= 2 is a positive screen [S: Knight et al. 2002 via fpnotebook and others]. The CAR question is
asked of everyone because riding with an impaired driver is a risk without any own use, so a Yes
is flagged on its own (crafft.org routing). Age 12-21 [S: crafft.org]. No LOINC code exists for
CRAFFT 2.1 (71942-7 is the original CRAFFT), so none is given. The form is © Boston Children's
Hospital; its reproduction terms (use unmodified, attribute) are [R], not verified: the labels
below are our own short labels, not the form's wording.
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
from openiop.domain.screening.rules import Answer, Total, any_of

_YES_SCORES = (AnswerOption(True, 1, "Yes"), AnswerOption(False, 0, "No"))
_NO_SCORES = (AnswerOption(True, 0, "Yes"), AnswerOption(False, 1, "No"))

_DAST_LABELS = (
    "Used drugs other than those required for medical reasons",
    "Abused more than one drug at a time",
    "Always able to stop using drugs when wanted (No scores 1)",
    "Had blackouts or flashbacks from drug use",
    "Felt bad or guilty about drug use",
    "Spouse or parents complained about drug use",
    "Neglected family because of drug use",
    "Engaged in illegal activities to obtain drugs",
    "Had withdrawal symptoms when stopping drugs",
    "Had medical problems from drug use",
)

DAST10 = Instrument(
    id="dast10",
    name="Drug Abuse Screening Test, 10-item",
    edition="DAST-10 (Skinner 1982)",
    version="1.0.0",
    source="Skinner, Addict Behav 1982;7:363; comorbidityguidelines.org.au appendix W",
    items=tuple(
        Item(str(n), label, ItemKind.YES_NO, _NO_SCORES if n == 3 else _YES_SCORES)
        for n, label in enumerate(_DAST_LABELS, start=1)
    ),
    total_items=tuple(str(n) for n in range(1, 11)),
    bands=(
        Band.range("none", "No problems reported", 0, 0),
        Band.range("low", "Low level (monitor, reassess later)", 1, 2),
        Band.range("moderate", "Moderate level (investigate further)", 3, 5),
        Band.range("substantial", "Substantial level (intensive assessment)", 6, 8),
        Band.range("severe", "Severe level (intensive assessment)", 9, 10),
    ),
    flags=(
        Flag(
            "dast10_further_assessment",
            "Total >= 3: investigate further",
            Total(at_least=3),
            "comorbidityguidelines.org.au appendix W: 3-5 moderate, investigate further",
        ),
        Flag(
            "dast10_intensive_assessment",
            "Total >= 6: intensive assessment",
            Total(at_least=6),
            "comorbidityguidelines.org.au appendix W: 6-10 intensive assessment",
        ),
    ),
    loinc_panel="82666-9",
    loinc_total="82667-7",
)

_ANY_USE = any_of(Answer("a1", ">", 0), Answer("a2", ">", 0), Answer("a3", ">", 0))


def _days(key: str, label: str) -> Item:
    return Item(key, label, ItemKind.COUNT, minimum=0, maximum=365)


def _part_b(key: str, label: str, *, always: bool = False) -> Item:
    return Item(key, label, ItemKind.YES_NO, _YES_SCORES, enable_when=None if always else _ANY_USE)


CRAFFT = Instrument(
    id="crafft",
    name="CRAFFT",
    edition="CRAFFT 2.1",
    version="1.0.0",
    source="crafft.org (Boston Children's Hospital); Knight et al. 1999/2002",
    items=(
        _days("a1", "Days drank more than a few sips of alcohol (past 12 months)"),
        _days("a2", "Days used marijuana (past 12 months)"),
        _days("a3", "Days used anything else to get high (past 12 months)"),
        _part_b("b1", "CAR: rode in a car driven by someone high or using", always=True),
        _part_b("b2", "RELAX: uses to relax, feel better or fit in"),
        _part_b("b3", "ALONE: uses while alone"),
        _part_b("b4", "FORGET: forgets things done while using"),
        _part_b("b5", "FRIENDS: family or friends say to cut down"),
        _part_b("b6", "TROUBLE: got into trouble while using"),
    ),
    total_items=("b1", "b2", "b3", "b4", "b5", "b6"),
    bands=(
        Band.range("negative", "Negative screen", 0, 1),
        Band.range("positive", "Positive screen (>= 2)", 2, 6),
    ),
    flags=(
        Flag(
            "crafft_positive",
            "Part B score >= 2: positive screen",
            Total(at_least=2),
            "Knight et al. 2002 (cut-off 2) via fpnotebook and others",
        ),
        Flag(
            "crafft_car_positive",
            "CAR question Yes: counsel on riding with an impaired driver",
            Answer("b1", "==", True),
            "crafft.org: the CAR question is asked of every adolescent",
        ),
    ),
    min_age=12,
    max_age=21,
)
