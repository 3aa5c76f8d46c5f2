"""The locator's vocabularies and the N-SUMHSS service codes they are imported from.

Search attributes with a fixed vocabulary (care types, conditions, populations, payments) are
stored on `Facility` as bit masks: one integer column each, filtered with a bitwise AND, the same
on SQLite and PostgreSQL. Bit positions are part of the stored data: never renumber a member,
only append new ones.

Service codes of external facilities follow SAMHSA's National Substance Use and Mental Health
Services Survey (N-SUMHSS), the survey behind FindTreatment.gov (formerly N-SSATS / N-MHSS).
Sources (see docs/locator-import.md for the full citation):
  [A] summitllc/DataJam2023 `data-jam-2023/app/ServiceCode.js`: FindTreatment.gov service codes
      by category (languages, payment options, special groups, treatment approaches);
  [B] an N-SSATS / N-SUMHSS directory-legend parser (`CORE_LABELS`, `MASTER_CODES`) transcribing
      the printed directory's key to codes (type of care, service settings, payments).
Codes in both [A] and [B] with the same meaning are marked [S2]; codes with a label in only one
source [S1]; codes listed in [B]'s code list without a label, whose meaning we infer from the
code and the survey's "Age Groups Accepted" heading, are marked [R] (verify against the current
directory legend before relying on them). Note: in N-SUMHSS "SF" is *cash or self-payment* and
"SS" is *sliding fee scale* [S2]; "ADOL" is not a code (adolescents are "CHLD" in age groups).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Vocabulary(Enum):
    """A fixed vocabulary stored as a bit mask. Value = (bit, key, label)."""

    @property
    def bit(self) -> int:
        return int(self.value[0])

    @property
    def key(self) -> str:
        return str(self.value[1])

    @property
    def label(self) -> str:
        return str(self.value[2])

    @property
    def mask(self) -> int:
        return 1 << self.bit

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.key, m.label) for m in cls]

    @classmethod
    def by_key(cls, key: str) -> Vocabulary:
        for member in cls:
            if member.key == key:
                return member
        raise KeyError(key)

    @classmethod
    def keys_in(cls, mask: int) -> list[str]:
        return [m.key for m in cls if mask & m.mask]

    @classmethod
    def labels_in(cls, mask: int) -> list[str]:
        return [m.label for m in cls if mask & m.mask]

    @classmethod
    def mask_of(cls, keys: Iterable[str]) -> int:
        mask = 0
        for key in keys:
            mask |= cls.by_key(key).mask
        return mask


class CareType(Vocabulary):
    INTENSIVE_OUTPATIENT = (0, "intensive_outpatient", "Intensive outpatient (IOP)")
    OUTPATIENT = (1, "outpatient", "Outpatient")
    PARTIAL_HOSPITALIZATION = (2, "partial_hospitalization", "Partial hospitalization")
    RESIDENTIAL = (3, "residential", "Residential")
    DETOX = (4, "detox", "Detox / withdrawal management")


class Condition(Vocabulary):
    """What a facility treats; the keys are the track kinds of `organization.TrackKind`."""

    SUBSTANCE_USE = (0, "substance_use", "Substance use")
    ALCOHOL = (1, "alcohol", "Alcohol")
    MENTAL_HEALTH = (2, "mental_health", "Mental health")
    EATING_DISORDERS = (3, "eating_disorders", "Eating disorders")
    CO_OCCURRING = (4, "co_occurring", "Co-occurring mental health and substance use")


class Population(Vocabulary):
    ADOLESCENTS = (0, "adolescents", "Adolescents")
    YOUNG_ADULTS = (1, "young_adults", "Young adults")
    ADULTS = (2, "adults", "Adults")
    SENIORS = (3, "seniors", "Seniors")
    VETERANS = (4, "veterans", "Veterans")
    LGBTQ = (5, "lgbtq", "LGBTQ people")


class Payment(Vocabulary):
    MEDICAID = (0, "medicaid", "Medicaid")
    MEDICARE = (1, "medicare", "Medicare")
    PRIVATE_INSURANCE = (2, "private_insurance", "Private insurance")
    SELF_PAY = (3, "self_pay", "Self-pay (cash)")
    SLIDING_FEE = (4, "sliding_fee", "Sliding fee scale")


# Languages are open-ended, so they are stored as text ("|english|spanish|") rather than a mask;
# search offers this list. English is not coded in N-SUMHSS (services in other languages are).
LANGUAGES: list[tuple[str, str]] = [
    ("english", "English"),
    ("spanish", "Spanish"),
    ("portuguese", "Portuguese"),
    ("haitian_creole", "Haitian Creole"),
    ("chinese", "Chinese"),
    ("vietnamese", "Vietnamese"),
    ("arabic", "Arabic"),
    ("french", "French"),
    ("russian", "Russian"),
    ("korean", "Korean"),
    ("polish", "Polish"),
    ("tagalog", "Tagalog"),
    ("sign_language", "American Sign Language"),
]
LANGUAGE_KEYS = frozenset(key for key, _ in LANGUAGES)
LANGUAGE_LABELS = dict(LANGUAGES)


def languages_text(keys: Iterable[str]) -> str:
    """The stored form: sorted keys between bars, so `contains("|spanish|")` matches exactly."""
    chosen = sorted(set(keys))
    return "|" + "|".join(chosen) + "|" if chosen else ""


def languages_list(text: str) -> list[str]:
    return [key for key in text.strip("|").split("|") if key]


@dataclass(frozen=True)
class CodeMeaning:
    """What one N-SUMHSS service code sets on a facility."""

    label: str  # the survey's own category and label, for the docs and error messages
    source: str  # [S2], [S1] or [R], see the module docstring
    care_type: CareType | None = None
    condition: Condition | None = None
    population: Population | None = None
    payment: Payment | None = None
    language: str | None = None
    telehealth: bool = False


# The mapping table. Every code here changes what a facility is found by.
SERVICE_CODES: dict[str, CodeMeaning] = {
    # Type of care / service settings [B]; "SA" also in [A]'s FindTreatment listings
    "SA": CodeMeaning(
        "Type of care: substance use treatment", "[S1]", condition=Condition.SUBSTANCE_USE
    ),
    "MH": CodeMeaning(
        "Type of care: mental health treatment", "[R]", condition=Condition.MENTAL_HEALTH
    ),
    "SUMH": CodeMeaning(
        "Type of care: co-occurring mental health and substance use treatment",
        "[S1]",
        condition=Condition.CO_OCCURRING,
    ),
    "DT": CodeMeaning("Type of care: detoxification", "[S1]", care_type=CareType.DETOX),
    "OD": CodeMeaning(
        "Service setting: outpatient detoxification", "[S1]", care_type=CareType.DETOX
    ),
    "RD": CodeMeaning(
        "Service setting: residential detoxification", "[S1]", care_type=CareType.DETOX
    ),
    "HID": CodeMeaning(
        "Service setting: hospital inpatient detoxification", "[R]", care_type=CareType.DETOX
    ),
    "OIT": CodeMeaning(
        "Service setting: intensive outpatient treatment",
        "[S1]",
        care_type=CareType.INTENSIVE_OUTPATIENT,
    ),
    "OP": CodeMeaning("Service setting: outpatient", "[S1]", care_type=CareType.OUTPATIENT),
    "ORT": CodeMeaning(
        "Service setting: regular outpatient treatment", "[S1]", care_type=CareType.OUTPATIENT
    ),
    "PH": CodeMeaning(
        "Service setting: partial hospitalization/day treatment",
        "[S1]",
        care_type=CareType.PARTIAL_HOSPITALIZATION,
    ),
    "RES": CodeMeaning("Service setting: residential", "[S1]", care_type=CareType.RESIDENTIAL),
    "RS": CodeMeaning(
        "Service setting: short-term residential", "[S1]", care_type=CareType.RESIDENTIAL
    ),
    "RL": CodeMeaning(
        "Service setting: long-term residential", "[S1]", care_type=CareType.RESIDENTIAL
    ),
    # Payment/insurance/funding accepted and payment assistance [A] and [B]
    "MD": CodeMeaning("Payment: Medicaid", "[S2]", payment=Payment.MEDICAID),
    "MC": CodeMeaning("Payment: Medicare", "[S2]", payment=Payment.MEDICARE),
    "PI": CodeMeaning(
        "Payment: private health insurance", "[S2]", payment=Payment.PRIVATE_INSURANCE
    ),
    "SF": CodeMeaning("Payment: cash or self-payment", "[S2]", payment=Payment.SELF_PAY),
    "SS": CodeMeaning("Payment assistance: sliding fee scale", "[S2]", payment=Payment.SLIDING_FEE),
    # Age groups accepted [B] (codes listed without labels: meanings inferred, verify)
    "CHLD": CodeMeaning(
        "Age groups: children/adolescents", "[R]", population=Population.ADOLESCENTS
    ),
    "YAD": CodeMeaning("Age groups: young adults", "[R]", population=Population.YOUNG_ADULTS),
    "ADLT": CodeMeaning("Age groups: adults", "[R]", population=Population.ADULTS),
    "SNR": CodeMeaning("Age groups: seniors", "[R]", population=Population.SENIORS),
    # Special programs/groups [A]
    "VET": CodeMeaning("Special groups: veterans", "[S1]", population=Population.VETERANS),
    "GL": CodeMeaning("Special groups: LGBTQ clients", "[S1]", population=Population.LGBTQ),
    "PED": CodeMeaning(
        "Special groups: persons with eating disorders",
        "[S1]",
        condition=Condition.EATING_DISORDERS,
    ),
    "CO": CodeMeaning(
        "Special groups: clients with co-occurring mental and substance use disorders",
        "[S1]",
        condition=Condition.CO_OCCURRING,
    ),
    # Telehealth [A] and [B]
    "TELE": CodeMeaning("Telemedicine/telehealth", "[S2]", telehealth=True),
    # Language services [A]; SP and AH also in [B]
    "SP": CodeMeaning("Language: Spanish", "[S2]", language="spanish"),
    "AH": CodeMeaning(
        "Language: sign language / deaf and hard of hearing", "[S2]", language="sign_language"
    ),
    "F4": CodeMeaning("Language: Arabic", "[S1]", language="arabic"),
    "F17": CodeMeaning("Language: Chinese", "[S1]", language="chinese"),
    "F19": CodeMeaning("Language: Creole", "[S1]", language="haitian_creole"),
    "F28": CodeMeaning("Language: French", "[S1]", language="french"),
    "F47": CodeMeaning("Language: Korean", "[S1]", language="korean"),
    "F66": CodeMeaning("Language: Polish", "[S1]", language="polish"),
    "F67": CodeMeaning("Language: Portuguese", "[S1]", language="portuguese"),
    "F70": CodeMeaning("Language: Russian", "[S1]", language="russian"),
    "F81": CodeMeaning("Language: Tagalog", "[S1]", language="tagalog"),
    "F92": CodeMeaning("Language: Vietnamese", "[S1]", language="vietnamese"),
}

# Real N-SUMHSS codes the locator does not search by: accepted and ignored, so a full
# FindTreatment.gov export imports without every row being rejected. Any other code is refused.
IGNORED_CODES: frozenset[str] = frozenset(
    {
        # type of care, settings, hospitals [B]
        "TX", "HH", "HI", "ODT", "OMB", "GH", "PSYH",
        # medication services [B]
        "MU", "BU", "NU", "OTP", "MM", "DM",
        # other payment and funding [A]
        "CLF", "CMHG", "CSBG", "FG", "ITU", "MI", "OSF", "PCF", "SCJJ", "SEF", "SI",
        "SMHA", "SWFS", "VAF", "PA",
        # facility operation [B]
        "PVTP", "PVTN", "LCCG", "STG", "TBG", "DDF", "IH", "VAMC",
        # special groups [A]
        "TAY", "SE", "ADM", "MF", "CJ", "HV", "DV", "TRMA", "TBI", "ALZ", "PEFP", "PTSD",
        "SED", "SMI",
        # treatment approaches [A]
        "AT", "CBT", "CRT", "CFT", "DBT", "ECT", "EMDR", "GT", "IDD", "IPT", "KIT", "TMS", "AIM",
        # languages we do not offer as a search filter [A]
        "NX", "F25", "F30", "F31", "F35", "F36", "F37", "F42", "F43", "N24", "N40",
    }
)  # fmt: skip


@dataclass
class DecodedServices:
    care_types: int = 0
    conditions: int = 0
    populations: int = 0
    payments: int = 0
    languages: frozenset[str] = frozenset()
    telehealth: bool = False


def split_codes(text: str) -> list[str]:
    """Codes separated by spaces, commas or semicolons, upper-cased, in order, once each."""
    seen: dict[str, None] = {}
    for raw in text.replace(",", " ").replace(";", " ").split():
        seen.setdefault(raw.strip().upper(), None)
    return list(seen)


def decode(codes: Iterable[str]) -> tuple[DecodedServices, list[str]]:
    """What the codes say about a facility, and the codes that are not N-SUMHSS codes we know."""
    result = DecodedServices()
    languages: set[str] = set()
    unknown: list[str] = []
    for code in codes:
        meaning = SERVICE_CODES.get(code)
        if meaning is None:
            if code not in IGNORED_CODES:
                unknown.append(code)
            continue
        if meaning.care_type is not None:
            result.care_types |= meaning.care_type.mask
        if meaning.condition is not None:
            result.conditions |= meaning.condition.mask
        if meaning.population is not None:
            result.populations |= meaning.population.mask
        if meaning.payment is not None:
            result.payments |= meaning.payment.mask
        if meaning.language is not None:
            languages.add(meaning.language)
        result.telehealth = result.telehealth or meaning.telehealth
    result.languages = frozenset(languages)
    return result, unknown
