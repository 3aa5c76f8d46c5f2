"""The TEDS fields, the code of each OpenIOP answer, records and their validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from openiop.domain.teds import (
    COLUMNS,
    FIELD_BY_NAME,
    AdmissionFacts,
    DischargeFacts,
    Substance,
    admission_record,
    days_waiting,
    discharge_reason,
    discharge_record,
    referral_code,
    validate,
)
from openiop.domain.teds import codes as c

COMPLETE = AdmissionFacts(
    client_id="MRN-0042",
    provider_id="P1234",
    state_code="OR",
    admitted_on=date(2026, 3, 10),
    date_of_birth=date(1990, 7, 4),
    sex="female",
    referral_source="physician",
    first_contact_on=date(2026, 3, 1),
    race="white",
    ethnicity="not_hispanic",
    prior_episodes=2,
    education_years=12,
    employment="part_time",
    substances=(
        Substance("alcohol", "oral", "daily", 15),
        Substance("marijuana", "smoking", "weekly", 17),
        Substance("none"),
    ),
    opioid_medication="no",
    marital="never_married",
    pregnant="no",
    veteran="no",
    living="independent",
    income="wages",
    insurance="medicaid",
    payment="medicaid",
    arrests_30d=0,
    self_help_30d="weekly",
    co_occurring="yes",
)


# Each OpenIOP value and its code, written out (the source of each is in ``codes``).
EXPECTED: list[tuple[dict[str, str], str, str]] = [
    *[
        (c.REFERRAL, k, v)
        for k, v in {
            "physician": "03",
            "residential": "02",
            "hospital": "03",
            "detox": "02",
            "self": "01",
            "family": "01",
            "other": "06",
        }.items()
    ],
    (c.SEX, "male", "01"),
    (c.SEX, "female", "02"),
    *[
        (c.RACE, k, v)
        for k, v in {
            "alaska_native": "01",
            "american_indian": "02",
            "black": "04",
            "white": "05",
            "asian": "06",
            "other": "07",
            "multiple": "08",
            "pacific_islander": "09",
        }.items()
    ],
    *[
        (c.ETHNICITY, k, v)
        for k, v in {
            "puerto_rican": "01",
            "mexican": "02",
            "cuban": "03",
            "other_hispanic": "04",
            "not_hispanic": "05",
            "hispanic_unspecified": "06",
        }.items()
    ],
    *[
        (c.MARITAL, k, v)
        for k, v in {
            "never_married": "01",
            "married": "02",
            "separated": "03",
            "divorced": "04",
            "widowed": "05",
        }.items()
    ],
    *[
        (c.EMPLOYMENT, k, v)
        for k, v in {
            "full_time": "01",
            "part_time": "02",
            "unemployed": "03",
            "not_in_labor_force": "04",
        }.items()
    ],
    *[
        (c.NOT_IN_LABOR_FORCE, k, v)
        for k, v in {
            "homemaker": "01",
            "student": "02",
            "retired": "03",
            "disabled": "04",
            "institution": "05",
            "other": "06",
        }.items()
    ],
    (c.LIVING, "homeless", "01"),
    (c.LIVING, "dependent", "02"),
    (c.LIVING, "independent", "03"),
    (c.YES_NO, "yes", "01"),
    (c.YES_NO, "no", "02"),
    *[
        (c.SUBSTANCE, k, f"{i:02d}")
        for i, k in enumerate(
            [
                "none",
                "alcohol",
                "cocaine",
                "marijuana",
                "heroin",
                "methadone",
                "other_opioids",
                "pcp",
                "hallucinogens",
                "methamphetamine",
                "other_amphetamines",
                "other_stimulants",
                "benzodiazepines",
                "other_tranquilizers",
                "barbiturates",
                "other_sedatives",
                "inhalants",
                "over_the_counter",
                "other",
            ],
            start=1,
        )
    ],
    *[
        (c.ROUTE, k, f"{i:02d}")
        for i, k in enumerate(["oral", "smoking", "inhalation", "injection", "other"], start=1)
    ],
    *[
        (c.FREQUENCY, k, f"{i:02d}")
        for i, k in enumerate(["none", "monthly", "weekly", "most_days", "daily"], start=1)
    ],
    *[
        (c.INCOME, k, v)
        for k, v in {
            "wages": "01",
            "public_assistance": "02",
            "retirement": "03",
            "disability": "04",
            "other": "20",
            "none": "21",
        }.items()
    ],
    *[
        (c.INSURANCE, k, v)
        for k, v in {
            "private": "01",
            "blue_cross": "02",
            "medicare": "03",
            "medicaid": "04",
            "hmo": "06",
            "other": "20",
            "none": "21",
        }.items()
    ],
    *[
        (c.PAYMENT, k, f"{i:02d}")
        for i, k in enumerate(
            [
                "self_pay",
                "blue_cross",
                "medicare",
                "medicaid",
                "other_government",
                "workers_comp",
                "other_insurance",
                "no_charge",
                "other",
            ],
            start=1,
        )
    ],
    *[
        (c.SELF_HELP, k, f"{i:02d}")
        for i, k in enumerate(
            ["none", "less_than_weekly", "weekly", "twice_weekly", "most_days", "some"], start=1
        )
    ],
    *[
        (c.DISCHARGE_TYPE, k, v)
        for k, v in {
            "completed": "01",
            "against_advice": "02",
            "administrative": "03",
            "stepped_down": "04",
            "transferred_up": "04",
        }.items()
    ],
    (c.OTHER_ENDING, "incarcerated", "05"),
    (c.OTHER_ENDING, "died", "06"),
    (c.OTHER_ENDING, "other", "07"),
    (c.REFERRAL_DETAIL, "court", "07"),
    (c.REFERRAL_DETAIL, "employer", "05"),
    (c.REFERRAL_DETAIL, "school", "04"),
    (c.REFERRAL_DETAIL, "community", "06"),
]


@pytest.mark.parametrize(("mapping", "value", "code"), EXPECTED)
def test_each_openiop_value_has_its_code(mapping: dict[str, str], value: str, code: str) -> None:
    assert mapping[value] == code


def test_every_mapping_is_written_out_above() -> None:
    listed = {(id(m), v) for m, v, _ in EXPECTED}
    for mapping in (
        c.REFERRAL,
        c.SEX,
        c.RACE,
        c.ETHNICITY,
        c.MARITAL,
        c.EMPLOYMENT,
        c.NOT_IN_LABOR_FORCE,
        c.LIVING,
        c.YES_NO,
        c.SUBSTANCE,
        c.ROUTE,
        c.FREQUENCY,
        c.INCOME,
        c.INSURANCE,
        c.PAYMENT,
        c.SELF_HELP,
        c.DISCHARGE_TYPE,
        c.OTHER_ENDING,
        c.REFERRAL_DETAIL,
    ):
        assert {(id(mapping), v) for v in mapping} <= listed


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        (c.REFERRAL, "PSOURCE"),
        (c.REFERRAL_DETAIL, "PSOURCE"),
        (c.SEX, "SEX"),
        (c.RACE, "RACE"),
        (c.ETHNICITY, "ETHNIC"),
        (c.MARITAL, "MARSTAT"),
        (c.EMPLOYMENT, "EMPLOY"),
        (c.NOT_IN_LABOR_FORCE, "DETNLF"),
        (c.LIVING, "LIVARAG"),
        (c.YES_NO, "VET"),
        (c.SUBSTANCE, "SUB1"),
        (c.ROUTE, "ROUTE1"),
        (c.FREQUENCY, "FREQ1"),
        (c.INCOME, "PRIMINC"),
        (c.INSURANCE, "HLTHINS"),
        (c.PAYMENT, "PRIMPAY"),
        (c.SELF_HELP, "FREQ_ATND_SELF_HELP"),
        (c.DISCHARGE_TYPE, "REASON"),
        (c.OTHER_ENDING, "REASON"),
    ],
)
def test_every_mapped_code_is_allowed_in_its_field(mapping: dict[str, str], field: str) -> None:
    allowed = FIELD_BY_NAME[field].codes
    assert allowed is not None
    assert set(mapping.values()) <= set(allowed)


def test_complete_admission_is_valid_with_its_codes() -> None:
    record = admission_record(COMPLETE)
    assert validate(record) == []
    v = record.values
    assert v["RECORD_TYPE"] == "A"
    assert v["SERVICES"] == "06"  # ambulatory, intensive outpatient
    assert v["ADMIT_DATE"] == "03102026"
    assert v["DOB"] == "07041990"
    assert v["SEX"] == "02"
    assert v["PSOURCE"] == "03"
    assert v["DAYWAIT"] == "009"
    assert (v["SUB1"], v["ROUTE1"], v["FREQ1"], v["FRSTUSE1"]) == ("02", "01", "05", "15")
    assert (v["SUB2"], v["ROUTE2"], v["FREQ2"], v["FRSTUSE2"]) == ("04", "02", "03", "17")
    assert (v["SUB3"], v["ROUTE3"], v["FREQ3"], v["FRSTUSE3"]) == ("01", "", "", "")
    assert v["EDUC"] == "12"
    assert v["PREG"] == "02"
    assert v["DETNLF"] == ""  # only for someone not in the labor force
    assert record.row()[: len(("A", "41"))] == ["A", "41"]
    assert len(record.row()) == len(COLUMNS)


def test_missing_required_field_is_named() -> None:
    record = admission_record(replace(COMPLETE, race="", education_years=None))
    problems = validate(record)
    assert [(p.field, p.message) for p in problems] == [
        ("RACE", "missing"),
        ("EDUC", "missing"),
    ]
    assert str(problems[0]) == "admission of client MRN-0042: race: missing"


def test_substance_details_required_when_a_substance_is_reported() -> None:
    facts = replace(
        COMPLETE,
        substances=(Substance("heroin", "injection", "", 19), Substance("none"), Substance("none")),
    )
    assert [p.field for p in validate(admission_record(facts))] == ["FREQ1"]


def test_unknown_answer_and_invalid_code_are_reported() -> None:
    record = admission_record(replace(COMPLETE, race="martian"))
    assert [(p.field, p.message) for p in validate(record)] == [
        ("RACE", "the recorded answer has no code (martian)")
    ]
    bad = replace(record, values={**record.values, "SERVICES": "99", "CLIENT_ID": "x" * 16})
    assert [(p.field, p.message) for p in validate(bad)][:2] == [
        ("CLIENT_ID", f"not a valid value ({'x' * 16})"),
        ("SERVICES", "not a valid value (99)"),
    ]


def test_court_or_employer_needs_the_detail() -> None:
    assert referral_code("court_employer") == ""
    assert referral_code("court_employer", "court") == "07"
    assert referral_code("court_employer", "employer") == "05"
    assert referral_code("other", "school") == "04"
    assert referral_code("self", "court") == "01"  # the detail refines only grouped sources
    record = admission_record(replace(COMPLETE, referral_source="court_employer"))
    assert [p.field for p in validate(record)] == ["PSOURCE"]


def test_intersex_has_no_code_and_unknown_sex_is_missing() -> None:
    record = admission_record(replace(COMPLETE, sex="intersex"))
    assert [(p.field, p.message) for p in validate(record)] == [
        ("SEX", "the recorded answer has no code (intersex)")
    ]
    record = admission_record(replace(COMPLETE, sex="unknown"))
    assert [(p.field, p.message) for p in validate(record)] == [("SEX", "missing")]
    # The discharge record does not repeat the admission's problems.
    d = DischargeFacts(
        admission=replace(COMPLETE, sex="intersex"),
        discharged_on=date(2026, 5, 1),
        discharge_type="completed",
    )
    assert validate(discharge_record(d)) == []


def test_days_waiting() -> None:
    assert days_waiting(date(2026, 3, 1), date(2026, 3, 10)) == 9
    assert days_waiting(date(2026, 3, 12), date(2026, 3, 10)) == 0
    assert days_waiting(None, date(2026, 3, 10)) is None
    record = admission_record(replace(COMPLETE, first_contact_on=None))
    assert [p.field for p in validate(record)] == ["DAYWAIT"]


def test_discharge_record_and_reason() -> None:
    d = DischargeFacts(
        admission=COMPLETE,
        discharged_on=date(2026, 5, 1),
        discharge_type="completed",
        employment="full_time",
        living="independent",
        frequencies=("none", "none", ""),
        arrests_30d=0,
        self_help_30d="twice_weekly",
    )
    record = discharge_record(d)
    assert validate(record) == []
    v = record.values
    assert (v["RECORD_TYPE"], v["DISCHARGE_DATE"], v["REASON"], v["SERVICES_D"]) == (
        "D",
        "05012026",
        "01",
        "06",
    )
    assert (v["FREQ1_D"], v["FREQ2_D"], v["FREQ3_D"]) == ("01", "01", "")
    assert discharge_reason("administrative", "died") == "06"
    assert discharge_reason("against_advice") == "02"


def test_discharge_checks_its_own_fields_not_the_admission_minimum() -> None:
    d = DischargeFacts(
        admission=replace(COMPLETE, race=""), discharged_on=date(2026, 5, 1), discharge_type=""
    )
    assert [p.field for p in validate(discharge_record(d))] == ["REASON"]


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("CA", "06"),
        ("ca", "06"),
        ("OR", "41"),
        ("DC", "11"),
        ("PR", "72"),
        ("GU", "66"),
        ("06", "06"),
    ],
)
def test_state_column_is_the_numeric_fips_code(state: str, code: str) -> None:
    assert c.state_fips(state) == code
    record = admission_record(replace(COMPLETE, state_code=state))
    assert record.values["STFIPS"] == code
    assert not [p for p in validate(record) if p.field == "STFIPS"]


@pytest.mark.parametrize("state", ["XX", "03", "6", "Oregon"])
def test_unknown_state_is_flagged(state: str) -> None:
    assert c.state_fips(state) is None
    record = admission_record(replace(COMPLETE, state_code=state))
    assert record.values["STFIPS"] == ""
    assert [str(p) for p in validate(record) if p.field == "STFIPS"] == [
        f"admission of client MRN-0042: state code: the recorded answer has no code ({state})"
    ]


def test_the_fips_table_has_the_50_states_dc_and_5_territories() -> None:
    assert len(c.STATE_FIPS) == 56
    assert all(len(v) == 2 and v.isdigit() for v in c.STATE_FIPS.values())
    assert len(set(c.STATE_FIPS.values())) == 56


def test_no_primary_substance_is_flagged_for_a_client_record() -> None:
    none_first = replace(COMPLETE, substances=(Substance("none"), Substance(), Substance()))
    record = admission_record(none_first)
    assert record.values["SUB1"] == c.NO_SUBSTANCE
    assert [str(p) for p in validate(record) if p.field == "SUB1"] == [
        "admission of client MRN-0042: primary substance: "
        "none is allowed only for a codependent or collateral record"
    ]
    codependent = replace(record, values={**record.values, "CODEPENDENT": c.CODEPENDENT})
    assert not [p for p in validate(codependent) if p.field == "SUB1"]
