"""Admission and discharge records of the TEDS extract, built from plain facts, and their
validation. Pure Python; the fields, codes and sources are in ``codes``.

A record is one CSV row: ``values`` maps each column of ``codes.COLUMNS`` to its code (or
"" when not known or not applicable). ``validate()`` names, in plain words, each required
field that is missing and each value that is not an allowed code, so the program can fix
the record before the state rejects it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from openiop.domain.teds import codes as c

ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,15}$")


@dataclass(frozen=True)
class Substance:
    """One substance as OpenIOP records it (its stored values; "" when not recorded)."""

    substance: str = ""
    route: str = ""
    frequency: str = ""
    first_use_age: int | None = None


@dataclass(frozen=True)
class AdmissionFacts:
    """What OpenIOP knows about one admission, in its own values ("" or None: not recorded)."""

    client_id: str
    provider_id: str
    state_code: str
    admitted_on: date
    date_of_birth: date | None
    sex: str = ""
    referral_source: str = ""
    referral_detail: str = ""
    first_contact_on: date | None = None  # referral received or first request for treatment
    race: str = ""
    ethnicity: str = ""
    prior_episodes: int | None = None
    education_years: int | None = None
    employment: str = ""
    not_in_labor_force: str = ""
    substances: tuple[Substance, Substance, Substance] = (Substance(), Substance(), Substance())
    opioid_medication: str = ""
    marital: str = ""
    pregnant: str = ""
    veteran: str = ""
    living: str = ""
    income: str = ""
    insurance: str = ""
    payment: str = ""
    arrests_30d: int | None = None
    self_help_30d: str = ""
    co_occurring: str = ""


@dataclass(frozen=True)
class DischargeFacts:
    """A discharge: its admission's facts and what was recorded at discharge."""

    admission: AdmissionFacts
    discharged_on: date
    discharge_type: str
    other_ending: str = ""
    employment: str = ""
    not_in_labor_force: str = ""
    living: str = ""
    frequencies: tuple[str, str, str] = ("", "", "")
    arrests_30d: int | None = None
    self_help_30d: str = ""


@dataclass(frozen=True)
class Problem:
    """Why a record would be rejected, in plain words."""

    record_type: str  # "A" or "D"
    client_id: str
    field: str  # the column
    label: str  # the field in plain words
    message: str

    def __str__(self) -> str:
        kind = "admission" if self.record_type == "A" else "discharge"
        return f"{kind} of client {self.client_id}: {self.label}: {self.message}"


@dataclass(frozen=True)
class Record:
    record_type: str  # "A" admission, "D" discharge
    client_id: str
    values: Mapping[str, str]
    # Values OpenIOP holds but cannot code (an answer with no code): column -> the value.
    unmapped: Mapping[str, str] = field(default_factory=dict)

    def row(self) -> list[str]:
        return [self.values.get(name, "") for name in c.COLUMNS]


def _code(mapping: Mapping[str, str], value: str, column: str, unmapped: dict[str, str]) -> str:
    if not value:
        return ""
    code = mapping.get(value)
    if code is None:
        unmapped[column] = value
        return ""
    return code


def _number(value: int | None, top: int, width: int = 2) -> str:
    if value is None:
        return ""
    return str(min(max(value, 0), top)).zfill(width)


def _date(value: date | None) -> str:
    return f"{value:%m%d%Y}" if value else ""


def referral_code(source: str, detail: str = "") -> str:
    """The referral source code for OpenIOP's referral source and its optional detail; ""
    when it cannot be told (court or employer without saying which)."""
    if source in c.REFERRAL_REFINED and detail in c.REFERRAL_DETAIL:
        return c.REFERRAL_DETAIL[detail]
    return c.REFERRAL.get(source, "")


def days_waiting(first_contact_on: date | None, admitted_on: date) -> int | None:
    """Days from the first contact or request for treatment to admission [PUF, DAYWAIT];
    None when the first contact is not known."""
    if first_contact_on is None:
        return None
    return max((admitted_on - first_contact_on).days, 0)


def discharge_reason(discharge_type: str, other_ending: str = "") -> str:
    """The reason for discharge: ``other_ending`` (jail or prison, death, another reason)
    overrides the discharge type."""
    if other_ending:
        return c.OTHER_ENDING.get(other_ending, "")
    return c.DISCHARGE_TYPE.get(discharge_type, "")


def _admission_values(f: AdmissionFacts, unmapped: dict[str, str]) -> dict[str, str]:
    v: dict[str, str] = {
        "STFIPS": c.state_fips(f.state_code) or "",
        "PROVIDER_ID": f.provider_id,
        "CLIENT_ID": f.client_id,
        "CODEPENDENT": "2",
        "TRANSACTION": "A",
        "ADMIT_DATE": _date(f.admitted_on),
        "SERVICES": c.INTENSIVE_OUTPATIENT,
        "DOB": _date(f.date_of_birth),
        # "unknown" is how OpenIOP says sex at birth was not recorded: missing, not uncodable.
        "SEX": _code(c.SEX, "" if f.sex == "unknown" else f.sex, "SEX", unmapped),
        "RACE": _code(c.RACE, f.race, "RACE", unmapped),
        "ETHNIC": _code(c.ETHNICITY, f.ethnicity, "ETHNIC", unmapped),
        "NOPRIOR": _number(f.prior_episodes, 5),
        "PSOURCE": referral_code(f.referral_source, f.referral_detail),
        "EDUC": _number(f.education_years, 25),
        "EMPLOY": _code(c.EMPLOYMENT, f.employment, "EMPLOY", unmapped),
        "METHUSE": _code(c.YES_NO, f.opioid_medication, "METHUSE", unmapped),
        "DAYWAIT": _number(days_waiting(f.first_contact_on, f.admitted_on), 996, 3),
        "MARSTAT": _code(c.MARITAL, f.marital, "MARSTAT", unmapped),
        "DETNLF": (
            _code(c.NOT_IN_LABOR_FORCE, f.not_in_labor_force, "DETNLF", unmapped)
            if f.employment == "not_in_labor_force"
            else ""
        ),
        "PREG": _code(c.YES_NO, f.pregnant, "PREG", unmapped) if f.sex == "female" else "",
        "VET": _code(c.YES_NO, f.veteran, "VET", unmapped),
        "LIVARAG": _code(c.LIVING, f.living, "LIVARAG", unmapped),
        "PRIMINC": _code(c.INCOME, f.income, "PRIMINC", unmapped),
        "HLTHINS": _code(c.INSURANCE, f.insurance, "HLTHINS", unmapped),
        "PRIMPAY": _code(c.PAYMENT, f.payment, "PRIMPAY", unmapped),
        "ARRESTS": _number(f.arrests_30d, 96),
        "FREQ_ATND_SELF_HELP": _code(c.SELF_HELP, f.self_help_30d, "FREQ_ATND_SELF_HELP", unmapped),
        "PSYPROB": _code(c.YES_NO, f.co_occurring, "PSYPROB", unmapped),
    }
    if f.state_code and not v["STFIPS"]:
        unmapped["STFIPS"] = f.state_code
    if f.referral_source and not v["PSOURCE"] and f.referral_source not in c.REFERRAL_REFINED:
        unmapped["PSOURCE"] = f.referral_source
    for i, s in enumerate(f.substances, start=1):
        sub = _code(c.SUBSTANCE, s.substance, f"SUB{i}", unmapped)
        v[f"SUB{i}"] = sub
        used = sub not in ("", c.NO_SUBSTANCE)
        v[f"ROUTE{i}"] = _code(c.ROUTE, s.route, f"ROUTE{i}", unmapped) if used else ""
        v[f"FREQ{i}"] = _code(c.FREQUENCY, s.frequency, f"FREQ{i}", unmapped) if used else ""
        v[f"FRSTUSE{i}"] = _number(s.first_use_age, 95) if used else ""
    return v


def admission_record(f: AdmissionFacts) -> Record:
    unmapped: dict[str, str] = {}
    values = {"RECORD_TYPE": "A", **_admission_values(f, unmapped)}
    return Record("A", f.client_id, values, unmapped)


def discharge_record(d: DischargeFacts) -> Record:
    unmapped: dict[str, str] = {}
    values = {"RECORD_TYPE": "D", **_admission_values(d.admission, unmapped)}
    reason = discharge_reason(d.discharge_type, d.other_ending)
    if not reason and (d.other_ending or d.discharge_type):
        unmapped["REASON"] = d.other_ending or d.discharge_type
    values.update(
        {
            "DISCHARGE_DATE": _date(d.discharged_on),
            "SERVICES_D": c.INTENSIVE_OUTPATIENT,
            "REASON": reason,
            "EMPLOY_D": _code(c.EMPLOYMENT, d.employment, "EMPLOY_D", unmapped),
            "DETNLF_D": (
                _code(c.NOT_IN_LABOR_FORCE, d.not_in_labor_force, "DETNLF_D", unmapped)
                if d.employment == "not_in_labor_force"
                else ""
            ),
            "LIVARAG_D": _code(c.LIVING, d.living, "LIVARAG_D", unmapped),
            "ARRESTS_D": _number(d.arrests_30d, 96),
            "FREQ_ATND_SELF_HELP_D": _code(
                c.SELF_HELP, d.self_help_30d, "FREQ_ATND_SELF_HELP_D", unmapped
            ),
        }
    )
    for i, freq in enumerate(d.frequencies, start=1):
        used = values[f"SUB{i}"] not in ("", c.NO_SUBSTANCE)
        values[f"FREQ{i}_D"] = _code(c.FREQUENCY, freq, f"FREQ{i}_D", unmapped) if used else ""
    return Record("D", d.admission.client_id, values, unmapped)


# The admission's minimum data set is checked on the admission record; a discharge record
# carries the admission's values but is checked for its keys and the discharge data set.
_DISCHARGE_CHECKED = frozenset(
    {"RECORD_TYPE", "STFIPS", "PROVIDER_ID", "CLIENT_ID", "CODEPENDENT", "ADMIT_DATE"}
)


def _required(f: c.Field, record: Record) -> bool:
    if record.record_type == "D":
        return f.required and (f.discharge_only or f.name in _DISCHARGE_CHECKED)
    if f.discharge_only:
        return False
    return f.required


def _substance_detail_required(name: str, values: Mapping[str, str]) -> bool:
    """Route, frequency and age at first use are required for each substance reported."""
    for prefix in ("ROUTE", "FREQ", "FRSTUSE"):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            sub = values.get(f"SUB{name[len(prefix) :]}", "")
            return sub not in ("", c.NO_SUBSTANCE)
    return False


def _valid(f: c.Field, value: str) -> bool:
    if f.codes is not None:
        return value in f.codes
    if f.kind == "date":
        if not re.fullmatch(r"\d{8}", value):
            return False
        try:
            date(int(value[4:]), int(value[:2]), int(value[2:4]))
        except ValueError:
            return False
        return True
    if f.kind == "id":
        return bool(ID_PATTERN.match(value))
    if f.kind == "number":
        return value.isdigit()
    return True


def validate(record: Record) -> list[Problem]:
    """Every missing required field and invalid value of one record, in column order."""
    problems: list[Problem] = []
    discharge = record.record_type == "D"

    def add(f: c.Field, message: str) -> None:
        problems.append(Problem(record.record_type, record.client_id, f.name, f.label, message))

    for f in c.FIELDS:
        if f.discharge_only and not discharge:
            continue
        value = record.values.get(f.name, "")
        checked = not discharge or f.discharge_only or f.name in _DISCHARGE_CHECKED
        if f.name in record.unmapped and checked:
            add(f, f"the recorded answer has no code ({record.unmapped[f.name]})")
            continue
        if not value:
            needed = _required(f, record) or (
                not discharge and _substance_detail_required(f.name, record.values)
            )
            if needed:
                add(f, "missing")
            continue
        if not _valid(f, value):
            add(f, f"not a valid value ({value})")
        elif (
            f.name == "SUB1"
            and value == c.NO_SUBSTANCE
            and record.values.get("CODEPENDENT") != c.CODEPENDENT
        ):
            # [PUF] SUB1: "None" is used only for codependent or collateral clients; a
            # client in treatment has a primary substance.
            add(f, "none is allowed only for a codependent or collateral record")
    return problems
