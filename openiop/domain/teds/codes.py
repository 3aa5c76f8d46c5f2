"""The TEDS fields OpenIOP reports, in order, with their allowed codes, and the mapping of
OpenIOP's own answers to those codes. Pure Python.

Sources (read through the search tool; the combined substance use and mental health TEDS
State Instruction Manual now in force is not public: SAMHSA sends it to states on request,
BHSIS_Outreach@hendall.com):

- [MANUAL] Treatment Episode Data Set (TEDS) State Instruction Manual with State TEDS
  Submission System (STSS) Guide, version 3.2, May 2014, OMB No. 0930-0335, SAMHSA Center
  for Behavioral Health Statistics and Quality: the System, Minimum, Supplemental and
  Discharge data sets (SDS, MDS, SuDS, DIS), the key fields (state, provider identifier,
  client identifier, codependent/collateral, transaction type), identifiers of 1-15
  characters. https://abcdocz.com/doc/296146/treatment-episode-data-set--teds--state-instruction-manual
  and its data dictionary, OMB ICR 201210-0930-001 attachment A1,
  http://blog.omb.report/icr/201210-0930-001/doc/35188401
- [PUF] Treatment Episode Data Set Admissions (TEDS-A) 2023 Public Use File Codebook,
  SAMHSA 2025, https://www.samhsa.gov/data/data-we-collect/teds-treatment-episode-data-set/datafiles :
  the MDS (19 items) and SuDS (15 items) definitions and categories; its Appendix B lists
  the *original* codes states submit where the public file regroups them ([PUF-B]).
- [PUF-D] TEDS-D public use file: reason for discharge 1-7 (treatment completed, dropped
  out, terminated by facility, transferred, incarcerated, death, other).

Every code below says which of these it comes from. Codes are written with two digits
("06"), the form the codebook's guidelines use ("coded as 01", "'07 Criminal justice
referral'"). A state's own manual and crosswalk decide the final codes and positions: check
them before the first submission; a state whose codes differ needs a crosswalk here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MANUAL = "TEDS State Instruction Manual v3.2 (2014)"
PUF = "TEDS-A 2023 public use file codebook"
PUF_B = "TEDS-A 2023 public use file codebook, appendix B (codes as states submit them)"
PUF_D = "TEDS-D public use file"
PROGRAM = "program choice"

# Where an answer is not applicable (no secondary substance, so no route for it) the cell is
# left empty; the state's manual has its own codes for "not applicable" and "unknown" that a
# state crosswalk may require.
NOT_APPLICABLE = ""


def _two(n: int) -> str:
    return f"{n:02d}"


def _numbered(labels: list[str], start: int = 1) -> dict[str, str]:
    return {_two(i): label for i, label in enumerate(labels, start=start)}


SERVICE_CODES = _numbered(
    [
        "Detoxification, 24-hour service, hospital inpatient",
        "Detoxification, 24-hour service, free-standing residential",
        "Rehabilitation/residential, hospital (other than detoxification)",
        "Rehabilitation/residential, short term (30 days or fewer)",
        "Rehabilitation/residential, long term (more than 30 days)",
        "Ambulatory, intensive outpatient",
        "Ambulatory, non-intensive outpatient",
        "Ambulatory, detoxification",
    ]
)
# An intensive outpatient program: "at a minimum, treatment lasting two or more hours per day
# for three or more days per week" [PUF, SERVICES]. Also at discharge.
INTENSIVE_OUTPATIENT = "06"

REFERRAL_CODES = _numbered(
    [
        "Individual (includes self-referral)",
        "Alcohol/drug use care provider",
        "Other health care provider",
        "School (educational)",
        "Employer/employee assistance program",
        "Other community referral",
        "Court/criminal justice referral/DUI/DWI",
    ]
)
SEX_CODES = {"01": "Male", "02": "Female"}
RACE_CODES = _numbered(
    [
        "Alaska Native (Aleut, Eskimo)",
        "American Indian (other than Alaska Native)",
        "Asian or Pacific Islander",
        "Black or African American",
        "White",
        "Asian",
        "Other single race",
        "Two or more races",
        "Native Hawaiian or Other Pacific Islander",
    ]
)
ETHNICITY_CODES = _numbered(
    [
        "Puerto Rican",
        "Mexican",
        "Cuban",
        "Other specific Hispanic",
        "Not of Hispanic origin",
        "Hispanic, specific origin not specified",
    ]
)
MARITAL_CODES = _numbered(["Never married", "Now married", "Separated", "Divorced", "Widowed"])
EDUCATION_CODES = {_two(n): f"{n} years of school completed" for n in range(26)}
EMPLOYMENT_CODES = _numbered(["Full-time", "Part-time", "Unemployed", "Not in labor force"])
NOT_IN_LABOR_FORCE_CODES = _numbered(
    ["Homemaker", "Student", "Retired", "Disabled", "Resident of institution", "Other"]
)
LIVING_CODES = _numbered(["Homeless", "Dependent living", "Independent living"])
YES_NO_CODES = {"01": "Yes", "02": "No"}
PRIOR_CODES = {**{_two(n): f"{n} prior treatment episodes" for n in range(5)}}
PRIOR_CODES["05"] = "5 or more prior treatment episodes"
SUBSTANCE_CODES = _numbered(
    [
        "None",
        "Alcohol",
        "Cocaine/crack",
        "Marijuana/hashish",
        "Heroin",
        "Non-prescription methadone",
        "Other opiates and synthetics",
        "PCP",
        "Hallucinogens",
        "Methamphetamine/speed",
        "Other amphetamines",
        "Other stimulants",
        "Benzodiazepines",
        "Other tranquilizers",
        "Barbiturates",
        "Other sedatives or hypnotics",
        "Inhalants",
        "Over-the-counter medications",
        "Other drugs",
    ]
)
NO_SUBSTANCE = "01"
ROUTE_CODES = _numbered(["Oral", "Smoking", "Inhalation", "Injection", "Other"])
FREQUENCY_CODES = _numbered(
    [
        "No use in the past month",
        "1-3 days in the past month",
        "1-2 days in the past week",
        "3-6 days in the past week",
        "Daily",
    ]
)
AGE_CODES = {_two(n): f"age {n}" for n in range(96)}
INCOME_CODES = {
    "01": "Wages/salary",
    "02": "Public assistance",
    "03": "Retirement/pension",
    "04": "Disability",
    "20": "Other",
    "21": "None",
}
INSURANCE_CODES = {
    "01": "Private insurance (other than BC/BS or HMO)",
    "02": "Blue Cross/Blue Shield",
    "03": "Medicare",
    "04": "Medicaid",
    # Not verified: whether HMO is 05 or 06 could not be confirmed against the codebook
    # (docs/teds.md); check the state's manual.
    "06": "Health maintenance organization (HMO)",
    "20": "Other (e.g. TRICARE, CHAMPUS)",
    "21": "None",
}
PAYMENT_CODES = _numbered(
    [
        "Self-pay",
        "Blue Cross/Blue Shield",
        "Medicare",
        "Medicaid",
        "Other government payments",
        "Worker's compensation",
        "Other health insurance companies",
        "No charge (free, charity, special research, or teaching)",
        "Other",
    ]
)
ARREST_CODES = {_two(n): f"{n} arrests" for n in range(97)}
SELF_HELP_CODES = _numbered(
    [
        "No attendance",
        "Less than once a week",
        "About once a week",
        "2 to 3 times a week",
        "At least 4 times a week",
        "Some attendance, frequency unknown",
    ]
)
REASON_CODES = _numbered(
    [
        "Treatment completed",
        "Dropped out of treatment",
        "Terminated by facility",
        "Transferred to another treatment program or facility",
        "Incarcerated",
        "Death",
        "Other",
    ]
)
# STFIPS: the state's two-digit numeric FIPS code (TEDS calls the column STFIPS), not its
# postal code. Source: US Census Bureau, ANSI/FIPS state codes (FIPS PUB 5-2, now INCITS 38),
# https://www.census.gov/library/reference/code-lists/ansi.html : the 50 states and DC
# (01-56), American Samoa 60, Guam 66, Northern Mariana Islands 69, Puerto Rico 72, U.S.
# Virgin Islands 78. Keys are the postal codes.
STATE_FIPS: Mapping[str, str] = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09",
    "DE": "10", "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17",
    "IN": "18", "IA": "19", "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24",
    "MA": "25", "MI": "26", "MN": "27", "MS": "28", "MO": "29", "MT": "30", "NE": "31",
    "NV": "32", "NH": "33", "NJ": "34", "NM": "35", "NY": "36", "NC": "37", "ND": "38",
    "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44", "SC": "45", "SD": "46",
    "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53", "WV": "54",
    "WI": "55", "WY": "56",
    "AS": "60", "GU": "66", "MP": "69", "PR": "72", "VI": "78",
}  # fmt: skip
STATE_CODES = {code: postal for postal, code in STATE_FIPS.items()}


def state_fips(state: str) -> str | None:
    """The FIPS state code for a postal code ("CA" -> "06") or a FIPS code already ("06");
    None when it names no state or territory."""
    value = state.strip().upper()
    if value in STATE_CODES:
        return value
    return STATE_FIPS.get(value)


RECORD_TYPE_CODES = {"A": "Admission", "D": "Discharge"}
TRANSACTION_CODES = {"A": "Initial admission", "T": "Transfer or change in service"}
CODEPENDENT_CODES = {"1": "Codependent/collateral", "2": "Client"}
CODEPENDENT = "1"


# ---------------------------------------------------------------------------------------
# OpenIOP's answers (the values of its choice lists) to codes. Keys are OpenIOP's stored
# values; a test checks that every choice of the Django models has a code here.
# ---------------------------------------------------------------------------------------

# intake.ReferralSource -> PSOURCE [PUF]. "court_employer" needs the referral detail (court
# 07 or employer 05); "other" without detail is reported as other community referral (06), a
# program choice.
REFERRAL: Mapping[str, str] = {
    "physician": "03",
    "residential": "02",
    "hospital": "03",
    "detox": "02",
    "self": "01",
    "family": "01",
    "other": "06",
}
REFERRAL_DETAIL: Mapping[str, str] = {
    "court": "07",
    "employer": "05",
    "school": "04",
    "community": "06",
}
# Sources whose detail, when given, decides the code.
REFERRAL_REFINED = frozenset({"court_employer", "other"})

SEX: Mapping[str, str] = {"male": "01", "female": "02"}  # patients.Patient.sex_at_birth
RACE: Mapping[str, str] = {
    "alaska_native": "01",
    "american_indian": "02",
    "black": "04",
    "white": "05",
    "asian": "06",
    "other": "07",
    "multiple": "08",
    "pacific_islander": "09",
}  # [PUF]; the combined code 03 is not used once Asian and Pacific Islander are separate
ETHNICITY: Mapping[str, str] = {
    "puerto_rican": "01",
    "mexican": "02",
    "cuban": "03",
    "other_hispanic": "04",
    "not_hispanic": "05",
    "hispanic_unspecified": "06",
}  # [PUF-B]
MARITAL: Mapping[str, str] = {
    "never_married": "01",
    "married": "02",
    "separated": "03",
    "divorced": "04",
    "widowed": "05",
}  # [PUF-B]
EMPLOYMENT: Mapping[str, str] = {
    "full_time": "01",
    "part_time": "02",
    "unemployed": "03",
    "not_in_labor_force": "04",
}  # [PUF]
NOT_IN_LABOR_FORCE: Mapping[str, str] = {
    "homemaker": "01",
    "student": "02",
    "retired": "03",
    "disabled": "04",
    "institution": "05",
    "other": "06",
}  # [PUF-B]
LIVING: Mapping[str, str] = {"homeless": "01", "dependent": "02", "independent": "03"}  # [PUF]
YES_NO: Mapping[str, str] = {"yes": "01", "no": "02"}  # [PUF]
SUBSTANCE: Mapping[str, str] = {
    "none": "01",
    "alcohol": "02",
    "cocaine": "03",
    "marijuana": "04",
    "heroin": "05",
    "methadone": "06",
    "other_opioids": "07",
    "pcp": "08",
    "hallucinogens": "09",
    "methamphetamine": "10",
    "other_amphetamines": "11",
    "other_stimulants": "12",
    "benzodiazepines": "13",
    "other_tranquilizers": "14",
    "barbiturates": "15",
    "other_sedatives": "16",
    "inhalants": "17",
    "over_the_counter": "18",
    "other": "19",
}  # [PUF]
ROUTE: Mapping[str, str] = {
    "oral": "01",
    "smoking": "02",
    "inhalation": "03",
    "injection": "04",
    "other": "05",
}  # [PUF]
FREQUENCY: Mapping[str, str] = {
    "none": "01",
    "monthly": "02",
    "weekly": "03",
    "most_days": "04",
    "daily": "05",
}  # [PUF-B]
INCOME: Mapping[str, str] = {
    "wages": "01",
    "public_assistance": "02",
    "retirement": "03",
    "disability": "04",
    "other": "20",
    "none": "21",
}  # [PUF-B]
INSURANCE: Mapping[str, str] = {
    "private": "01",
    "blue_cross": "02",
    "medicare": "03",
    "medicaid": "04",
    "hmo": "06",
    "other": "20",
    "none": "21",
}  # [PUF-B]
PAYMENT: Mapping[str, str] = {
    "self_pay": "01",
    "blue_cross": "02",
    "medicare": "03",
    "medicaid": "04",
    "other_government": "05",
    "workers_comp": "06",
    "other_insurance": "07",
    "no_charge": "08",
    "other": "09",
}  # [PUF-B]
SELF_HELP: Mapping[str, str] = {
    "none": "01",
    "less_than_weekly": "02",
    "weekly": "03",
    "twice_weekly": "04",
    "most_days": "05",
    "some": "06",
}  # [PUF-B]
# care.DischargeType -> REASON [PUF-D]. A step down to outpatient care and a transfer up both
# continue treatment elsewhere: "transferred" (04), a program choice.
DISCHARGE_TYPE: Mapping[str, str] = {
    "completed": "01",
    "against_advice": "02",
    "administrative": "03",
    "stepped_down": "04",
    "transferred_up": "04",
}
# care.Discharge.other_ending overrides the type [PUF-D].
OTHER_ENDING: Mapping[str, str] = {"incarcerated": "05", "died": "06", "other": "07"}


@dataclass(frozen=True)
class Field:
    """One column of the extract."""

    name: str  # the column name (the public use file's variable name where it has one)
    label: str  # plain words, used in the validation report
    dataset: str  # SDS, MDS, SuDS or DIS
    # Required in a record of its kind (MDS and the key fields). Route, frequency and age at
    # first use are required for each substance reported (``records.validate``).
    required: bool
    codes: Mapping[str, str] | None  # allowed codes with labels; None: a date or an id
    source: str
    kind: str = "code"  # code, date (MMDDYYYY), id (1-15 characters), number
    discharge_only: bool = False


def _substance_fields(n: int, which: str) -> tuple[Field, ...]:
    """The four minimum data set items of the primary, secondary or tertiary substance:
    the substance [PUF] (required, "none" allowed after the first), its usual route [PUF],
    frequency [PUF appendix B] and age at first use [PUF appendix B]."""
    of = f"of the {which} substance"
    return (
        Field(f"SUB{n}", f"{which} substance", "MDS", True, SUBSTANCE_CODES, PUF),
        Field(f"ROUTE{n}", f"route of use {of}", "MDS", False, ROUTE_CODES, PUF),
        Field(f"FREQ{n}", f"frequency of use {of}", "MDS", False, FREQUENCY_CODES, PUF_B),
        Field(f"FRSTUSE{n}", f"age at first use {of}", "MDS", False, AGE_CODES, PUF_B),
    )


FIELDS: tuple[Field, ...] = (
    # System data set and keys [MANUAL]
    Field("RECORD_TYPE", "record type", "SDS", True, RECORD_TYPE_CODES, MANUAL),
    Field("STFIPS", "state code", "SDS", True, STATE_CODES, MANUAL),
    Field("PROVIDER_ID", "provider identifier", "MDS", True, None, MANUAL, kind="id"),
    Field("CLIENT_ID", "client identifier", "MDS", True, None, MANUAL, kind="id"),
    Field("CODEPENDENT", "client or codependent", "MDS", True, CODEPENDENT_CODES, MANUAL),
    Field("TRANSACTION", "transaction type", "MDS", True, TRANSACTION_CODES, MANUAL),
    Field("ADMIT_DATE", "date of admission", "MDS", True, None, MANUAL, kind="date"),
    Field("SERVICES", "type of service at admission", "MDS", True, SERVICE_CODES, PUF),
    # Minimum data set [PUF]
    Field("DOB", "date of birth", "MDS", True, None, PUF, kind="date"),
    Field("SEX", "sex", "MDS", True, SEX_CODES, PUF),
    Field("RACE", "race", "MDS", True, RACE_CODES, PUF),
    Field("ETHNIC", "ethnicity", "MDS", True, ETHNICITY_CODES, PUF_B),
    Field("NOPRIOR", "previous treatment episodes", "MDS", True, PRIOR_CODES, PUF),
    Field("PSOURCE", "referral source", "MDS", True, REFERRAL_CODES, PUF),
    Field("EDUC", "education (years of school)", "MDS", True, EDUCATION_CODES, PUF_B),
    Field("EMPLOY", "employment status", "MDS", True, EMPLOYMENT_CODES, PUF),
    *_substance_fields(1, "primary"),
    *_substance_fields(2, "secondary"),
    *_substance_fields(3, "tertiary"),
    Field("METHUSE", "medication-assisted opioid therapy planned", "MDS", True, YES_NO_CODES, PUF),
    Field("DAYWAIT", "days waiting to enter treatment", "MDS", True, None, PUF_B, kind="number"),
    # Supplemental data set [PUF], optional
    Field("MARSTAT", "marital status", "SuDS", False, MARITAL_CODES, PUF_B),
    Field("DETNLF", "detail of not in labor force", "SuDS", False, NOT_IN_LABOR_FORCE_CODES, PUF_B),
    Field("PREG", "pregnant at admission", "SuDS", False, YES_NO_CODES, PUF),
    Field("VET", "veteran", "SuDS", False, YES_NO_CODES, PUF),
    Field("LIVARAG", "living arrangement", "SuDS", False, LIVING_CODES, PUF),
    Field("PRIMINC", "source of income", "SuDS", False, INCOME_CODES, PUF_B),
    Field("HLTHINS", "health insurance", "SuDS", False, INSURANCE_CODES, PUF_B),
    Field("PRIMPAY", "expected source of payment", "SuDS", False, PAYMENT_CODES, PUF_B),
    Field("ARRESTS", "arrests in the past 30 days", "SuDS", False, ARREST_CODES, PUF_B),
    Field(
        "FREQ_ATND_SELF_HELP", "self-help group attendance", "SuDS", False, SELF_HELP_CODES, PUF_B
    ),
    Field(
        "PSYPROB",
        "co-occurring mental and substance use disorders",
        "SuDS",
        False,
        YES_NO_CODES,
        PUF,
    ),
    # Discharge data set [MANUAL, PUF-D]
    Field(
        "DISCHARGE_DATE",
        "date of discharge",
        "DIS",
        True,
        None,
        MANUAL,
        kind="date",
        discharge_only=True,
    ),
    Field(
        "SERVICES_D",
        "type of service at discharge",
        "DIS",
        True,
        SERVICE_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field("REASON", "reason for discharge", "DIS", True, REASON_CODES, PUF_D, discharge_only=True),
    Field(
        "EMPLOY_D",
        "employment status at discharge",
        "DIS",
        False,
        EMPLOYMENT_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "DETNLF_D",
        "detail of not in labor force at discharge",
        "DIS",
        False,
        NOT_IN_LABOR_FORCE_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "LIVARAG_D",
        "living arrangement at discharge",
        "DIS",
        False,
        LIVING_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "FREQ1_D",
        "frequency of use of the primary substance at discharge",
        "DIS",
        False,
        FREQUENCY_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "FREQ2_D",
        "frequency of use of the secondary substance at discharge",
        "DIS",
        False,
        FREQUENCY_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "FREQ3_D",
        "frequency of use of the tertiary substance at discharge",
        "DIS",
        False,
        FREQUENCY_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "ARRESTS_D",
        "arrests in the 30 days before discharge",
        "DIS",
        False,
        ARREST_CODES,
        PUF_D,
        discharge_only=True,
    ),
    Field(
        "FREQ_ATND_SELF_HELP_D",
        "self-help group attendance before discharge",
        "DIS",
        False,
        SELF_HELP_CODES,
        PUF_D,
        discharge_only=True,
    ),
)
FIELD_BY_NAME: Mapping[str, Field] = {f.name: f for f in FIELDS}
COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
