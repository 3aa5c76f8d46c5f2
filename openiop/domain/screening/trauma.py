"""PCL-5 (PTSD Checklist for DSM-5): 20 items rated 0-4 over the past month, total 0-80.

Sources (VA National Center for PTSD scoring as restated by awell-score and by
several copies read with the search tool):
- Clusters B = items 1-5, C = 6-7, D = 8-14, E = 15-20 (cluster severity = sum of its items).
- Provisional DSM-5 diagnosis: an item rated 2 ("Moderately") or higher counts as endorsed;
  at least 1 B, 1 C, 2 D and 2 E items.
- Probable PTSD: a cut-off "between 31 and 33" (Blevins et al. 2015, PMID 26606250; NCPTSD), to be
  chosen per population. It is therefore a setting, `probable_ptsd_at`, default 33 (NCPTSD's
  proposed value), allowed 1-80 so a program can follow a population-specific study.
- LOINC: panel 101697-1 and total 101698-9 are only [S] (one public project, check digits valid);
  left out until confirmed at loinc.org. 71549-8 and 97006-2, seen in public code, fail the check
  digit and are not LOINC codes.
"""

from __future__ import annotations

from openiop.domain.screening.model import (
    AnswerOption,
    Band,
    Flag,
    Instrument,
    Item,
    ItemKind,
    SettingDef,
    Subscale,
)
from openiop.domain.screening.rules import CountAtLeast, Setting, Total, all_of

_OPTIONS = (
    AnswerOption(0, 0, "Not at all"),
    AnswerOption(1, 1, "A little bit"),
    AnswerOption(2, 2, "Moderately"),
    AnswerOption(3, 3, "Quite a bit"),
    AnswerOption(4, 4, "Extremely"),
)

_LABELS = (
    "Unwanted memories of the stressful experience",
    "Disturbing dreams",
    "Flashbacks: acting or feeling as if it were happening again",
    "Upset at reminders",
    "Strong physical reactions at reminders",
    "Avoiding memories, thoughts or feelings",
    "Avoiding external reminders",
    "Trouble remembering important parts",
    "Strong negative beliefs about self, others or the world",
    "Blaming self or others",
    "Strong negative feelings",
    "Loss of interest in activities",
    "Feeling distant or cut off from people",
    "Trouble experiencing positive feelings",
    "Irritable behaviour, angry outbursts",
    "Taking too many risks, self-harm",
    "Being superalert, watchful or on guard",
    "Jumpy or easily startled",
    "Difficulty concentrating",
    "Trouble falling or staying asleep",
)


def _keys(first: int, last: int) -> tuple[str, ...]:
    return tuple(str(n) for n in range(first, last + 1))


CLUSTER_B, CLUSTER_C, CLUSTER_D, CLUSTER_E = _keys(1, 5), _keys(6, 7), _keys(8, 14), _keys(15, 20)
_CUTOFF = Setting("probable_ptsd_at")

PCL5 = Instrument(
    id="pcl5",
    name="PTSD Checklist for DSM-5",
    edition="PCL-5 (past month, without criterion A)",
    version="1.0.0",
    source="Weathers et al. 2013, VA National Center for PTSD; Blevins et al. 2015",
    items=tuple(
        Item(str(n), label, ItemKind.POINTS, _OPTIONS) for n, label in enumerate(_LABELS, start=1)
    ),
    total_items=_keys(1, 20),
    subscales=(
        Subscale("cluster_b", "Intrusion (items 1-5)", CLUSTER_B),
        Subscale("cluster_c", "Avoidance (items 6-7)", CLUSTER_C),
        Subscale("cluster_d", "Negative cognitions and mood (items 8-14)", CLUSTER_D),
        Subscale("cluster_e", "Arousal and reactivity (items 15-20)", CLUSTER_E),
    ),
    bands=(
        Band("probable_ptsd", "At or above the probable-PTSD cut-off", Total(at_least=_CUTOFF)),
        Band("below_cutoff", "Below the probable-PTSD cut-off", Total(at_least=0)),
    ),
    flags=(
        Flag(
            "pcl5_probable_ptsd",
            "Total at or above the program's cut-off (default 33): probable PTSD",
            Total(at_least=_CUTOFF),
            "NCPTSD / Blevins 2015: 31-33 suggests probable PTSD; chosen per population",
        ),
        Flag(
            "pcl5_provisional_ptsd",
            "DSM-5 symptom pattern met (items >= 2: 1 B, 1 C, 2 D, 2 E): provisional diagnosis",
            all_of(
                CountAtLeast(CLUSTER_B, 2, 1),
                CountAtLeast(CLUSTER_C, 2, 1),
                CountAtLeast(CLUSTER_D, 2, 2),
                CountAtLeast(CLUSTER_E, 2, 2),
            ),
            "VA National Center for PTSD PCL-5 scoring: DSM-5 rule with items rated >= 2",
        ),
    ),
    settings=(
        SettingDef(
            "probable_ptsd_at",
            33,
            1,
            80,
            "Total at which PCL-5 suggests probable PTSD; the literature gives 31-33 by population",
        ),
    ),
)
