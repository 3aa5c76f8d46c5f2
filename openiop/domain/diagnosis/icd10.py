"""ICD-10-CM diagnosis codes for IOP treatment-plan problems: format check plus a small curated
table of the codes IOPs use.

Source of the table: the
CDC/NCHS ICD-10-CM tabular, April 2026 release, as bundled in simple-icd-10-cm 1.5.0), with
the DSM-5-TR mapping for substance use disorders [S]. The eating-disorder expansion (F50.01x,
F50.02x, F50.2x, F50.81x, F50.82-F50.84) took effect on 1 October 2024 (FY2025) [S: AHA Coding
Clinic advisor and coding-reference pages, read with the search tool]; since then F50.01,
F50.02, F50.2, F50.8 and F50.81 are header codes that cannot be billed (CDC/NCHS ICD-10-CM tabular).
The labels are our own short wording.

Rules:
- a code must look like an ICD-10-CM code: a letter, two characters (digit, digit or letter),
  then optionally a dot and one to four characters (``F10.20``, ``F32.A``, ``F50.810``);
  ``f1020`` is normalised to ``F10.20``;
- a header (category) code in the table is refused: a plan problem needs a billable leaf code;
- a well-formed code that is not in the table is accepted with a warning: the table is small
  on purpose and changes every 1 October, so a clinician may know a newer or rarer code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TABLE_VERSION = "ICD-10-CM FY2026 (April 2026 release), curated subset"

_FORMAT = re.compile(r"^([A-Z][0-9][0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?$")

_SUBSTANCES = {
    "F10": "Alcohol",
    "F11": "Opioid",
    "F12": "Cannabis",
    "F13": "Sedative, hypnotic or anxiolytic",
    "F14": "Cocaine",
    "F15": "Other stimulant",
    "F19": "Other or multiple psychoactive substance",
}
_SUD_SUFFIXES = {
    "10": "use disorder, mild",
    "11": "use disorder, mild, in remission",
    "20": "use disorder, moderate or severe",
    "21": "use disorder, moderate or severe, in remission",
    "90": "use, unspecified",
}


def _substance_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for cat, name in _SUBSTANCES.items():
        for suffix, label in _SUD_SUFFIXES.items():
            codes[f"{cat}.{suffix}"] = f"{name} {label}"
    codes["F19.91"] = "Other or multiple psychoactive substance use, unspecified, in remission"
    withdrawal = {
        "F10.130": "Alcohol use disorder, mild, with withdrawal, uncomplicated",
        "F10.131": "Alcohol use disorder, mild, with withdrawal delirium",
        "F10.132": "Alcohol use disorder, mild, with withdrawal with perceptual disturbance",
        "F10.139": "Alcohol use disorder, mild, with withdrawal, unspecified",
        "F10.230": "Alcohol use disorder, moderate or severe, with withdrawal, uncomplicated",
        "F10.231": "Alcohol use disorder, moderate or severe, with withdrawal delirium",
        "F10.232": "Alcohol use disorder, moderate or severe, with withdrawal with perceptual "
        "disturbance",
        "F10.239": "Alcohol use disorder, moderate or severe, with withdrawal, unspecified",
        "F11.13": "Opioid use disorder, mild, with withdrawal",
        "F11.23": "Opioid use disorder, moderate or severe, with withdrawal",
        "F11.93": "Opioid withdrawal without use disorder",
        "F11.14": "Opioid use disorder, mild, with opioid-induced depressive disorder",
        "F11.24": "Opioid use disorder, moderate or severe, with opioid-induced depressive "
        "disorder",
    }
    codes.update(withdrawal)
    return codes


def _mental_health_codes() -> dict[str, str]:
    codes = {
        "F32.0": "Depression, single episode, mild",
        "F32.1": "Depression, single episode, moderate",
        "F32.2": "Depression, single episode, severe without psychotic features",
        "F32.3": "Depression, single episode, severe with psychotic features",
        "F32.4": "Depression, single episode, in partial remission",
        "F32.5": "Depression, single episode, in full remission",
        "F32.9": "Depression, single episode, unspecified",
        "F32.A": "Depression, unspecified",
        "F32.81": "Premenstrual dysphoric disorder",
        "F32.89": "Other specified depressive episodes",
        "F33.0": "Depression, recurrent, mild",
        "F33.1": "Depression, recurrent, moderate",
        "F33.2": "Depression, recurrent, severe without psychotic features",
        "F33.3": "Depression, recurrent, severe with psychotic features",
        "F33.40": "Depression, recurrent, in remission, unspecified",
        "F33.41": "Depression, recurrent, in partial remission",
        "F33.42": "Depression, recurrent, in full remission",
        "F33.8": "Other recurrent depressive disorders",
        "F33.9": "Depression, recurrent, unspecified",
        "F41.0": "Panic disorder",
        "F41.1": "Generalized anxiety disorder",
        "F41.9": "Anxiety disorder, unspecified",
        "F43.10": "Post-traumatic stress disorder, unspecified",
        "F43.11": "Post-traumatic stress disorder, acute",
        "F43.12": "Post-traumatic stress disorder, chronic",
        "F43.20": "Adjustment disorder, unspecified",
        "F43.21": "Adjustment disorder with depressed mood",
        "F43.22": "Adjustment disorder with anxiety",
        "F43.23": "Adjustment disorder with mixed anxiety and depressed mood",
        "F43.24": "Adjustment disorder with disturbance of conduct",
        "F43.25": "Adjustment disorder with mixed disturbance of emotions and conduct",
        "F43.29": "Adjustment disorder with other symptoms",
        "F31.0": "Bipolar disorder, current episode hypomanic",
        "F31.10": "Bipolar disorder, manic without psychotic features, unspecified",
        "F31.11": "Bipolar disorder, manic without psychotic features, mild",
        "F31.12": "Bipolar disorder, manic without psychotic features, moderate",
        "F31.13": "Bipolar disorder, manic without psychotic features, severe",
        "F31.2": "Bipolar disorder, manic, severe with psychotic features",
        "F31.30": "Bipolar disorder, depressed, mild or moderate, unspecified",
        "F31.31": "Bipolar disorder, depressed, mild",
        "F31.32": "Bipolar disorder, depressed, moderate",
        "F31.4": "Bipolar disorder, depressed, severe without psychotic features",
        "F31.5": "Bipolar disorder, depressed, severe with psychotic features",
        "F31.81": "Bipolar II disorder",
        "F31.89": "Other bipolar disorder",
        "F31.9": "Bipolar disorder, unspecified",
    }
    for n, label in enumerate(
        (
            "unspecified",
            "mild",
            "moderate",
            "severe without psychotic features",
            "severe with psychotic features",
        )
    ):
        codes[f"F31.6{n}"] = f"Bipolar disorder, current episode mixed, {label}"
    for n in range(9):
        codes[f"F31.7{n}"] = f"Bipolar disorder, in remission (subtype F31.7{n})"
    return codes


_ED_SEVERITY = {"0": "mild", "1": "moderate", "2": "severe", "3": "extreme", "4": "in remission"}


def _eating_codes() -> dict[str, str]:
    codes = {"F50.00": "Anorexia nervosa, unspecified"}
    for digit, label in {**_ED_SEVERITY, "9": "unspecified"}.items():
        codes[f"F50.01{digit}"] = f"Anorexia nervosa, restricting type, {label}"
        codes[f"F50.02{digit}"] = f"Anorexia nervosa, binge eating/purging type, {label}"
        codes[f"F50.81{digit}"] = f"Binge eating disorder, {label}"
    bulimia = ("unspecified", "mild", "moderate", "severe", "extreme", "in remission")
    for n, label in enumerate(bulimia):
        codes[f"F50.2{n}"] = f"Bulimia nervosa, {label}"
    codes.update(
        {
            "F50.82": "Avoidant/restrictive food intake disorder",
            "F50.83": "Pica in adults",
            "F50.84": "Rumination disorder in adults",
            "F50.89": "Other specified eating disorder",
            "F50.9": "Eating disorder, unspecified",
        }
    )
    return codes


CODES: dict[str, str] = {**_substance_codes(), **_mental_health_codes(), **_eating_codes()}
"""Billable codes of the curated table, with our short labels."""

HEADERS: frozenset[str] = frozenset(
    {
        *_SUBSTANCES,
        *(f"{c}.{d}" for c in _SUBSTANCES for d in "129"),
        "F10.13",
        "F10.23",
        "F32",
        "F32.8",
        "F33",
        "F33.4",
        "F41",
        "F43",
        "F43.1",
        "F43.2",
        "F31",
        "F31.1",
        "F31.3",
        "F31.6",
        "F31.7",
        "F31.8",
        "F50",
        "F50.0",
        "F50.01",
        "F50.02",
        "F50.2",
        "F50.8",
        "F50.81",
    }
)
"""Category (header) codes: valid ICD-10-CM but not billable; refused for a plan problem."""


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking one code: normalised code, label, and a warning or an error."""

    code: str
    label: str = ""
    known: bool = False
    warning: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def normalise(raw: str) -> str:
    """``" f10.20 "`` and ``"F1020"`` both give ``"F10.20"``; malformed input is returned upper-cased."""
    text = raw.strip().upper().replace(" ", "")
    match = _FORMAT.match(text)
    if match is None:
        return text
    category, rest = match.groups()
    return f"{category}.{rest}" if rest else category


def check(raw: str) -> CodeCheck:
    """Validate a diagnosis code for a treatment-plan problem (module docstring)."""
    code = normalise(raw)
    if not code:
        return CodeCheck(code, error="Enter an ICD-10-CM code such as F10.20.")
    if _FORMAT.match(code) is None:
        return CodeCheck(
            code,
            error="This is not an ICD-10-CM code: a letter, two characters, then optionally a "
            "dot and 1-4 characters (for example F10.20 or F32.A).",
        )
    if code in HEADERS:
        return CodeCheck(
            code,
            error=f"{code} is a category heading, not a billable code: choose a more specific "
            "code (for example F10.20 rather than F10.2).",
        )
    if code in CODES:
        return CodeCheck(code, label=CODES[code], known=True)
    return CodeCheck(
        code,
        warning=f"{code} is well formed but not in the curated IOP table ({TABLE_VERSION}); "
        "check it against the current CMS ICD-10-CM release.",
    )
