"""Brief Addiction Monitor (BAM, VA): 17 items about the past 30 days, for intake and monitoring.

Items and response scales [V: Cacciola et al., J Subst Abuse Treat 2013;44:256, Table 1; VA BAM
form]: items 1, 8, 9, 12, 15 and 17 are rated 0-4 (item 1: 0 excellent ... 4
poor; the others 0 not at all ... 4 extremely); item 14 is No/Yes; all other items are day counts
0-30. Item 7 has parts 7A-7G (keys "7a".."7g": marijuana, sedatives/tranquilizers,
cocaine/crack, other stimulants, opiates, inhalants, other drugs). Skips: item 4 = 0 skips 5;
item 6 = 0 skips 7A-7G. Because a skipped item is implied by the answer that skipped it, it adds
0; and an answer may not exceed the item it details (heavy-drinking days <= drinking days,
each drug's days <= days of any drug use).

Scoring [S: VA MIRECC manual text as reproduced in several copies, which agree; read again with
the search tool]: Use = items 4, 5, 6; Risk = 1, 2, 3, 8, 11, 15; Protective = 9, 10, 12, 13,
14, 16. Items 7A-7G and 17 are not scored. Subscales are sums on the 0-4 scale: day counts are
binned 0 / 1-3 / 4-8 / 9-15 / 16-30 -> 0-4 and item 14 scores No 0, Yes 4 [S: VA form copy;
Blueprint]. There is no total and no band; item-level answers are the most useful reading.
The vendor cut-offs (Use >= 1, Risk >= 12, Protective <= 12) come from Blueprint, not from the
original paper, so they are not used; only "any use reported" (Use >= 1, i.e. some drinking or
drug use in the past 30 days) is flagged, which is a fact, not a cut-off. No LOINC code was found.
"""

from __future__ import annotations

from openiop.domain.screening.model import (
    AnswerOption,
    Bin,
    Flag,
    Instrument,
    Item,
    ItemKind,
    Subscale,
)
from openiop.domain.screening.rules import Answer, Rule, Subscore

DAY_BINS = (Bin(0, 0, 0), Bin(1, 3, 1), Bin(4, 8, 2), Bin(9, 15, 3), Bin(16, 30, 4))
_HEALTH = tuple(
    AnswerOption(n, n, text)
    for n, text in enumerate(("Excellent", "Very good", "Good", "Fair", "Poor"))
)
_EXTENT = tuple(
    AnswerOption(n, n, text)
    for n, text in enumerate(("Not at all", "Slightly", "Moderately", "Considerably", "Extremely"))
)
_INCOME = (AnswerOption(True, 4, "Yes"), AnswerOption(False, 0, "No"))
_DRUGS = (
    ("7a", "Marijuana"),
    ("7b", "Sedatives or tranquilizers"),
    ("7c", "Cocaine or crack"),
    ("7d", "Other stimulants"),
    ("7e", "Opiates"),
    ("7f", "Inhalants"),
    ("7g", "Other drugs"),
)


def _days(
    key: str,
    label: str,
    *,
    scored: bool = True,
    enable_when: Rule | None = None,
    not_above: str | None = None,
) -> Item:
    bins = DAY_BINS if scored else ()
    return Item(
        key,
        label,
        ItemKind.COUNT,
        minimum=0,
        maximum=30,
        bins=bins,
        enable_when=enable_when,
        not_above=not_above,
    )


_ANY_ALCOHOL = Answer("4", ">", 0)
_ANY_DRUG = Answer("6", ">", 0)

BAM = Instrument(
    id="bam",
    name="Brief Addiction Monitor",
    edition="BAM, VA MIRECC (continuous version, day counts)",
    version="1.0.0",
    source="Cacciola et al., J Subst Abuse Treat 2013;44:256 (PMC3602977); VA MIRECC BAM manual",
    items=(
        Item("1", "Physical health", ItemKind.POINTS, _HEALTH),
        _days("2", "Nights of trouble falling or staying asleep"),
        _days("3", "Days very depressed, anxious, angry or upset"),
        _days("4", "Days drank any alcohol"),
        _days("5", "Days of heavy drinking", enable_when=_ANY_ALCOHOL, not_above="4"),
        _days("6", "Days used illegal/street drugs or misused prescription medication"),
        *(
            _days(
                key, f"Days used {name.lower()}", scored=False, enable_when=_ANY_DRUG, not_above="6"
            )
            for key, name in _DRUGS
        ),
        Item("8", "Craving (urges) for alcohol or drugs", ItemKind.POINTS, _EXTENT),
        Item("9", "Confidence in not using in the next 30 days", ItemKind.POINTS, _EXTENT),
        _days("10", "Days attended self-help meetings"),
        _days("11", "Days in risky situations"),
        Item("12", "Religion or spirituality helps recovery", ItemKind.POINTS, _EXTENT),
        _days("13", "Days at work, school or volunteering"),
        Item("14", "Enough income from legal sources for necessities", ItemKind.YES_NO, _INCOME),
        Item("15", "Troubled by arguments with family or friends", ItemKind.POINTS, _EXTENT),
        _days("16", "Days in contact with supportive family or friends"),
        Item("17", "Satisfied with progress toward recovery goals", ItemKind.POINTS, _EXTENT),
    ),
    total_items=None,
    subscales=(
        Subscale("use", "Use (items 4, 5, 6)", ("4", "5", "6")),
        Subscale(
            "risk", "Risk factors (items 1, 2, 3, 8, 11, 15)", ("1", "2", "3", "8", "11", "15")
        ),
        Subscale(
            "protective",
            "Protective factors (items 9, 10, 12, 13, 14, 16)",
            ("9", "10", "12", "13", "14", "16"),
        ),
    ),
    flags=(
        Flag(
            "bam_substance_use",
            "Drinking or drug use reported in the past 30 days (Use > 0)",
            Subscore("use", at_least=1),
            "VA BAM: Use subscale = items 4, 5, 6; any day of use scores >= 1",
        ),
    ),
)
