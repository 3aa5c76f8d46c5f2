"""The program's evidence table: which screening band or fact proposes which ASAM dimension rating.

The *bands* are published (each row cites its instrument's source); the *rating* each band
proposes is not: no published source maps a screening score to an ASAM dimension rating (The
ASAM Criteria, 3rd ed., 2013, rates dimensions by clinical assessment; its dimensional admission
criteria are copyrighted and were not read). So the ratings are **program policy**: defaults
below, each program may change any of them in Settings (``PlacementPolicy.evidence_ratings``).
The reasoning behind each default is in docs/placement.md ("Evidence table").

A row whose rating is ``None`` is context only: it is shown as evidence but proposes no rating
(a dimension with nothing else stays unrated, never read as 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from openiop.domain.placement.model import Dimension

ASAM_AWM_2020 = (
    "ASAM Clinical Practice Guideline on Alcohol Withdrawal Management (2020), "
    "J Addict Med 14(3S), doi:10.1097/ADM.0000000000000668"
)
WESSON_LING = "COWS bands, Wesson & Ling, J Psychoactive Drugs 2003;35(2):253-9"
WHO_AUDIT = "AUDIT risk zones, Babor et al., WHO/MSD/MSB/01.6a (2001)"
COLUMBIA = "C-SSRS screener triage (Columbia Lighthouse Project)"
KROENKE = "PHQ-9 severity bands (Kroenke, Spitzer & Williams 2001)"
SPITZER = "GAD-7 severity bands (Spitzer et al. 2006)"
SKINNER = "DAST-10 levels (Skinner 1982)"
CRAFFT = "CRAFFT 2.1, positive at 2 or more (crafft.org; Knight et al. 2002)"
PCL5 = "PCL-5 cut-off (VA National Center for PTSD)"
SCOFF = "SCOFF, possible case at 2 or more (Morgan, Reid & Lacey 1999)"
ASAM_D6 = "The ASAM Criteria 3rd ed. (2013), dimension 6 recovery environment"
ASAM_D5 = "The ASAM Criteria 3rd ed. (2013), dimension 5 relapse or continued use potential"


@dataclass(frozen=True)
class EvidenceRow:
    """One row: a table key, the dimension it informs, its default rating, what it means."""

    key: str
    dimension: Dimension
    default: int
    label: str
    source: str


D1 = Dimension.INTOXICATION_WITHDRAWAL
D3 = Dimension.EMOTIONAL_BEHAVIOURAL_COGNITIVE
D5 = Dimension.RELAPSE_CONTINUED_USE
D6 = Dimension.RECOVERY_ENVIRONMENT

EVIDENCE_ROWS: tuple[EvidenceRow, ...] = (
    # Dimension 1: intoxication and withdrawal. Bands: ASAM 2020 Table 1; COWS bands.
    EvidenceRow("ciwa-ar.mild", D1, 1, "CIWA-Ar mild withdrawal (under 10)", ASAM_AWM_2020),
    EvidenceRow("ciwa-ar.moderate", D1, 2, "CIWA-Ar moderate withdrawal (10-18)", ASAM_AWM_2020),
    EvidenceRow("ciwa-ar.severe", D1, 3, "CIWA-Ar severe withdrawal (19 or more)", ASAM_AWM_2020),
    EvidenceRow("cows.below_threshold", D1, 0, "COWS under 5 (no clear withdrawal)", WESSON_LING),
    EvidenceRow("cows.mild", D1, 1, "COWS mild withdrawal (5-12)", WESSON_LING),
    EvidenceRow("cows.moderate", D1, 2, "COWS moderate withdrawal (13-24)", WESSON_LING),
    EvidenceRow(
        "cows.moderately_severe", D1, 3, "COWS moderately severe withdrawal (25-36)", WESSON_LING
    ),
    EvidenceRow("cows.severe", D1, 4, "COWS severe withdrawal (over 36)", WESSON_LING),
    EvidenceRow(
        "history.withdrawal_seizure",
        D1,
        3,
        "History of withdrawal seizures",
        f"{ASAM_AWM_2020}, Rec II.5 and VII.8",
    ),
    EvidenceRow(
        "history.withdrawal_delirium",
        D1,
        3,
        "History of withdrawal delirium",
        f"{ASAM_AWM_2020}, Rec II.5 and VII.8",
    ),
    # Dimension 3: emotional, behavioural or cognitive conditions.
    EvidenceRow("phq9.none_minimal", D3, 0, "PHQ-9 none or minimal (0-4)", KROENKE),
    EvidenceRow("phq9.mild", D3, 1, "PHQ-9 mild (5-9)", KROENKE),
    EvidenceRow("phq9.moderate", D3, 2, "PHQ-9 moderate (10-14)", KROENKE),
    EvidenceRow("phq9.moderately_severe", D3, 2, "PHQ-9 moderately severe (15-19)", KROENKE),
    EvidenceRow("phq9.severe", D3, 2, "PHQ-9 severe (20-27)", KROENKE),
    EvidenceRow("gad7.minimal", D3, 0, "GAD-7 minimal (0-4)", SPITZER),
    EvidenceRow("gad7.mild", D3, 1, "GAD-7 mild (5-9)", SPITZER),
    EvidenceRow("gad7.moderate", D3, 2, "GAD-7 moderate (10-14)", SPITZER),
    EvidenceRow("gad7.severe", D3, 2, "GAD-7 severe (15-21)", SPITZER),
    EvidenceRow("pcl5.below_cutoff", D3, 0, "PCL-5 below the probable-PTSD cut-off", PCL5),
    EvidenceRow("pcl5.probable_ptsd", D3, 2, "PCL-5 probable PTSD", PCL5),
    EvidenceRow("scoff.negative", D3, 0, "SCOFF negative", SCOFF),
    EvidenceRow("scoff.possible_case", D3, 1, "SCOFF possible eating disorder", SCOFF),
    EvidenceRow("cssrs.negative", D3, 0, "C-SSRS negative (all no)", COLUMBIA),
    EvidenceRow("cssrs.low", D3, 1, "C-SSRS low risk", COLUMBIA),
    EvidenceRow("cssrs.moderate", D3, 2, "C-SSRS moderate risk", COLUMBIA),
    EvidenceRow("cssrs.high", D3, 3, "C-SSRS high risk", COLUMBIA),
    # Dimension 5: relapse, continued use or continued problem potential.
    EvidenceRow("audit.low_risk", D5, 0, "AUDIT zone I, low risk (0-7)", WHO_AUDIT),
    EvidenceRow("audit.hazardous", D5, 1, "AUDIT zone II, hazardous (8-15)", WHO_AUDIT),
    EvidenceRow("audit.harmful", D5, 1, "AUDIT zone III, harmful (16-19)", WHO_AUDIT),
    EvidenceRow(
        "audit.possible_dependence", D5, 2, "AUDIT zone IV, possible dependence (20+)", WHO_AUDIT
    ),
    EvidenceRow("audit-c.negative", D5, 0, "AUDIT-C negative", "AUDIT-C (Bush et al. 1998)"),
    EvidenceRow(
        "audit-c.positive_if_female",
        D5,
        1,
        "AUDIT-C 3 (positive for women)",
        "AUDIT-C (Bush et al. 1998)",
    ),
    EvidenceRow("audit-c.positive", D5, 1, "AUDIT-C positive (4+)", "AUDIT-C (Bush et al. 1998)"),
    EvidenceRow("dast10.none", D5, 0, "DAST-10 no problems (0)", SKINNER),
    EvidenceRow("dast10.low", D5, 1, "DAST-10 low (1-2)", SKINNER),
    EvidenceRow("dast10.moderate", D5, 1, "DAST-10 moderate (3-5)", SKINNER),
    EvidenceRow("dast10.substantial", D5, 2, "DAST-10 substantial (6-8)", SKINNER),
    EvidenceRow("dast10.severe", D5, 2, "DAST-10 severe (9-10)", SKINNER),
    EvidenceRow("crafft.negative", D5, 0, "CRAFFT negative (0-1)", CRAFFT),
    EvidenceRow("crafft.positive", D5, 2, "CRAFFT positive (2 or more)", CRAFFT),
    EvidenceRow(
        "history.prior_treatment", D5, 2, "Returning after one or more treatment episodes", ASAM_D5
    ),
    # Dimension 6: recovery environment.
    EvidenceRow("home.supportive", D6, 0, "Support at home", ASAM_D6),
    EvidenceRow("home.unsupportive", D6, 2, "No support at home", ASAM_D6),
    EvidenceRow("housing.stable", D6, 0, "Stable housing", ASAM_D6),
    EvidenceRow("housing.unstable", D6, 2, "No stable housing", ASAM_D6),
)

EVIDENCE_KEYS = frozenset(row.key for row in EVIDENCE_ROWS)


def default_evidence_ratings() -> dict[str, int]:
    """The default rating of every row (a fresh dict: callers may merge overrides into it)."""
    return {row.key: row.default for row in EVIDENCE_ROWS}


def row(key: str) -> EvidenceRow:
    return next(r for r in EVIDENCE_ROWS if r.key == key)
