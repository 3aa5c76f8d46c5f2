"""Clinician-rated withdrawal scales: CIWA-Ar (alcohol) and COWS (opioids).

CIWA-Ar: ten items; 1-9 rated 0-7, item 10 (orientation and clouding of
sensorium) 0-4; maximum 67 [V: VA PAWS; Sullivan et al., Br J Addict 1989;84:1353]. Item order is
that of the published two-column form read column by column (nausea/vomiting, tremor, paroxysmal
sweats, anxiety, agitation, tactile, auditory, visual, headache, orientation), which is also the
numbering of CamCOPS, UpToDate and CCJM copies found with the search tool. Every value in the
item's range is allowed: the form anchors some values and leaves the ones between for the rater.
- Bands follow ASAM 2020 (The ASAM Clinical Practice Guideline on Alcohol Withdrawal Management,
  J Addict Med 2020;14(3S):1-72, doi:10.1097/ADM.0000000000000668, Table 1 "Alcohol Withdrawal
  Severity": < 10 mild, 10-18 moderate, >= 19 severe; Rec VII.5 "severe (e.g. CIWA-Ar >= 19)") [V].
  The constants below are the ONE CIWA-Ar threshold set: the level-of-care engine
  (`openiop.domain.placement`) imports them, so scoring and placement cannot disagree. The VA PAWS
  bands (<8-10, 8-15, >= 15) overlap at their edges, so they are not used.
- Flag: `alcohol_withdrawal_risk` at the severe band (>= 19): withdrawal management comes first.
  Not configurable (it was, and a program that set 16 saw "moderate, flagged" here while another
  saw "moderate, no flag"). ASAM 2020 warns scales "should not be used alone to determine level
  of care" (Recs III.1, III.3): moderate withdrawal with complicating factors, and any history of
  withdrawal seizures or delirium (Rec II.5, VII.8), are for the level-of-care engine, which knows
  those facts.
- LOINC: not verified, none given.

COWS: eleven items with uneven point steps; a value not on the form is refused
[V: Wesson & Ling, J Psychoactive Drugs 2003;35:253; form on NCBI Bookshelf NBK64244]. Total 0-48.
Bands 5-12 mild, 13-24 moderate, 25-36 moderately severe, > 36 severe; < 5 is not conclusive of
withdrawal [S: several copies citing Wesson & Ling, e.g. the Valant measure page and the SUD
training copy of the form]. `COWS_BANDS` is the one COWS threshold set: placement's
withdrawal-management threshold must be the start of one of these bands. No flag is defined: the
published form gives none.
LOINC: not verified (public code tags COWS with 72514-3, which is a pain score), none given.
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

CIWA_AR_MODERATE_MIN = 10
"""ASAM 2020 Table 1: CIWA-Ar < 10 mild, 10-18 moderate."""
CIWA_AR_SEVERE_MIN = 19
"""ASAM 2020 Table 1 and Rec VII.5: CIWA-Ar >= 19 severe."""
CIWA_AR_MAX = 67

CIWA_AR_BANDS = (
    ("mild", "Mild withdrawal (< 10)", 0, CIWA_AR_MODERATE_MIN - 1),
    ("moderate", "Moderate withdrawal (10-18)", CIWA_AR_MODERATE_MIN, CIWA_AR_SEVERE_MIN - 1),
    ("severe", "Severe withdrawal (>= 19)", CIWA_AR_SEVERE_MIN, CIWA_AR_MAX),
)
"""(code, label, low, high) of each CIWA-Ar band, ASAM 2020 Table 1."""

COWS_BANDS = (
    ("below_threshold", "< 5: not conclusive of withdrawal", 0, 4),
    ("mild", "Mild (5-12)", 5, 12),
    ("moderate", "Moderate (13-24)", 13, 24),
    ("moderately_severe", "Moderately severe (25-36)", 25, 36),
    ("severe", "Severe (> 36)", 37, 48),
)
"""(code, label, low, high) of each COWS band (Wesson & Ling 2003)."""


def _scale(key: str, label: str, top: int, anchors: dict[int, str]) -> Item:
    options = tuple(AnswerOption(n, n, anchors.get(n, str(n))) for n in range(top + 1))
    return Item(key, label, ItemKind.POINTS, options)


_CIWA_ITEMS = (
    _scale(
        "1", "Nausea and vomiting", 7, {0: "None", 4: "Intermittent with dry heaves", 7: "Constant"}
    ),
    _scale("2", "Tremor", 7, {0: "None", 1: "Felt, not seen", 4: "Moderate", 7: "Severe"}),
    _scale("3", "Paroxysmal sweats", 7, {0: "None", 4: "Beads on forehead", 7: "Drenching"}),
    _scale("4", "Anxiety", 7, {0: "At ease", 1: "Mild", 4: "Moderate", 7: "Panic"}),
    _scale("5", "Agitation", 7, {0: "Normal", 4: "Fidgety, restless", 7: "Paces or thrashes"}),
    _scale("6", "Tactile disturbances", 7, {0: "None", 7: "Continuous hallucinations"}),
    _scale("7", "Auditory disturbances", 7, {0: "None", 7: "Continuous hallucinations"}),
    _scale("8", "Visual disturbances", 7, {0: "None", 7: "Continuous hallucinations"}),
    _scale("9", "Headache, fullness in head", 7, {0: "None", 7: "Extremely severe"}),
    _scale("10", "Orientation, clouding of sensorium", 4, {0: "Oriented", 4: "Disoriented"}),
)

CIWA_AR = Instrument(
    id="ciwa-ar",
    name="Clinical Institute Withdrawal Assessment for Alcohol, revised",
    edition="CIWA-Ar (Sullivan et al. 1989)",
    version="1.0.0",
    source="Sullivan et al. 1989; VA PAWS; ASAM Alcohol Withdrawal Management Guideline 2020",
    items=_CIWA_ITEMS,
    total_items=tuple(str(n) for n in range(1, 11)),
    bands=tuple(Band.range(*band) for band in CIWA_AR_BANDS),
    flags=(
        Flag(
            "alcohol_withdrawal_risk",
            "Severe alcohol withdrawal (CIWA-Ar 19 or more): medically supervised withdrawal "
            "management comes first; IOP alone is not suitable",
            Total(at_least=CIWA_AR_SEVERE_MIN),
            "ASAM 2020 Table 1 and Rec VII.5 (severe >= 19)",
        ),
    ),
)


def _cows(key: str, label: str, options: tuple[tuple[int, str], ...]) -> Item:
    return Item(key, label, ItemKind.POINTS, tuple(AnswerOption(p, p, t) for p, t in options))


_COWS_ITEMS = (
    _cows("1", "Resting pulse", ((0, "<= 80"), (1, "81-100"), (2, "101-120"), (4, "> 120"))),
    _cows(
        "2",
        "Sweating",
        ((0, "None"), (1, "Chills or flushing"), (2, "Moist face"), (3, "Beads"), (4, "Streaming")),
    ),
    _cows(
        "3",
        "Restlessness",
        ((0, "Sits still"), (1, "Difficulty"), (3, "Frequent shifting"), (5, "Cannot sit still")),
    ),
    _cows(
        "4", "Pupil size", ((0, "Normal"), (1, "Possibly larger"), (2, "Dilated"), (5, "Rim only"))
    ),
    _cows(
        "5",
        "Bone or joint aches",
        ((0, "None"), (1, "Mild"), (2, "Severe diffuse"), (4, "Rubbing, cannot sit still")),
    ),
    _cows(
        "6",
        "Runny nose or tearing",
        ((0, "None"), (1, "Stuffiness, moist eyes"), (2, "Running"), (4, "Constant, streaming")),
    ),
    _cows(
        "7",
        "GI upset",
        ((0, "None"), (1, "Cramps"), (2, "Nausea, loose stool"), (3, "Vomiting"), (5, "Multiple")),
    ),
    _cows(
        "8", "Tremor", ((0, "None"), (1, "Felt"), (2, "Slight visible"), (4, "Gross, twitching"))
    ),
    _cows(
        "9",
        "Yawning",
        ((0, "None"), (1, "Once or twice"), (2, "Three or more"), (4, "Several/min")),
    ),
    _cows(
        "10",
        "Anxiety or irritability",
        ((0, "None"), (1, "Reports"), (2, "Obvious"), (4, "Participation difficult")),
    ),
    _cows("11", "Gooseflesh skin", ((0, "Smooth"), (3, "Felt or hairs up"), (5, "Prominent"))),
)

COWS = Instrument(
    id="cows",
    name="Clinical Opiate Withdrawal Scale",
    edition="COWS (Wesson & Ling 2003)",
    version="1.0.0",
    source="Wesson & Ling, J Psychoactive Drugs 2003;35:253; SAMHSA TIP (NBK64244)",
    items=_COWS_ITEMS,
    total_items=tuple(str(n) for n in range(1, 12)),
    bands=tuple(Band.range(*band) for band in COWS_BANDS),
)
