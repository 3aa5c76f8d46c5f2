"""The state treatment episode extract: records of a small world, the validation report and
exit status, the disclosures recorded, bad arguments, and a code for every OpenIOP answer."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import TextChoices

from openiop.care.models import Discharge, DischargeType
from openiop.core.models import AuditAction, AuditEvent
from openiop.domain.teds import codes as c
from openiop.intake import state_reporting_choices as sc
from openiop.intake.models import (
    Admission,
    Referral,
    ReferralSource,
    ReferralStage,
    StateReportingDetails,
)
from openiop.outcomes import teds
from openiop.patients.models import Enrollment, EnrollmentStatus, Patient
from openiop.privacy.models import Channel, Disclosure
from openiop.privacy.selectors_records import row

NOW = datetime(2026, 6, 15, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db

COMPLETE: dict[str, Any] = {
    "race": "white",
    "ethnicity": "not_hispanic",
    "prior_episodes": 1,
    "education_years": 12,
    "employment": "unemployed",
    "substance_1": "alcohol",
    "route_1": "oral",
    "frequency_1": "daily",
    "first_use_age_1": 16,
    "substance_2": "none",
    "substance_3": "none",
    "opioid_medication": "no",
    "living": "independent",
}


def admit(
    w: Any,
    patient: Patient,
    *,
    starts_on: date,
    referred_on: date | None = date(2026, 3, 1),
    details: dict[str, Any] | None = None,
) -> Admission:
    program = patient.program
    assert program is not None
    referral = None
    if referred_on is not None:
        referral = Referral.objects.create(
            organization=patient.organization,
            program=program,
            patient=patient,
            source=ReferralSource.PHYSICIAN,
            stage=ReferralStage.ADMITTED,
            stage_changed_at=NOW,
            first_name=patient.first_name,
            last_name=patient.last_name,
        )
        Referral.objects.filter(pk=referral.pk).update(
            created_at=datetime.combine(referred_on, time(15, 0), tzinfo=UTC)  # any US day
        )
    track = w.track_a1 if program == w.program_a1 else program.tracks.first()
    if track is None:
        from openiop.core.testing import TrackFactory

        track = TrackFactory.create(program=program)
    enrollment = Enrollment.objects.create(
        patient=patient, track=track, starts_on=starts_on, required_weekly_hours=9
    )
    admission = Admission.objects.create(
        patient=patient,
        program=program,
        referral=referral,
        primary_counselor=w.counselor_a1,
        starts_on=starts_on,
        admitted_at=NOW,
    )
    admission.enrollments.add(enrollment)
    if details is not None:
        StateReportingDetails.objects.create(
            admission=admission, updated_by=w.intake_a1, updated_at=NOW, **details
        )
    return admission


def discharge(w: Any, admission: Admission, on: date, **extra: Any) -> Discharge:
    enrollment = admission.enrollments.get()
    enrollment.status = EnrollmentStatus.DISCHARGED
    enrollment.ends_on = on
    enrollment.save()
    return Discharge.objects.create(
        enrollment=enrollment,
        patient=admission.patient,
        kind=extra.pop("kind", DischargeType.COMPLETED),
        discharged_on=on,
        summary="Completed the program with a plan.",
        crisis_plan="Call 988.",
        recorded_by=w.counselor_a1,
        recorded_at=NOW,
        **extra,
    )


def run(tmp_path: Path, *args: str, user: str = "director_a") -> tuple[int, str, str, Path]:
    out, err = io.StringIO(), io.StringIO()
    path = tmp_path / "teds.csv"
    argv = ["report", "teds", "--user", user, "-o", str(path), *args]
    code = 0
    try:
        call_command(*argv, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue(), path


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def small(world: Any) -> Any:
    w = world
    Patient.objects.filter(pk=w.patient_a1.pk).update(sex_at_birth="female")
    Patient.objects.filter(pk=w.patient_b1.pk).update(sex_at_birth="male")
    w.patient_a1.refresh_from_db()
    w.patient_b1.refresh_from_db()
    w.adm_a1 = admit(w, w.patient_a1, starts_on=date(2026, 3, 10), details=COMPLETE)
    discharge(w, w.adm_a1, date(2026, 5, 1), employment="part_time", frequency_1="none")
    # Another organization's admission in the same period never appears.
    w.adm_b1 = admit(w, w.patient_b1, starts_on=date(2026, 3, 12), details=COMPLETE)
    return w


@time_machine.travel(NOW, tick=False)
def test_small_world_gives_expected_rows(small: Any, tmp_path: Path) -> None:
    code, out, err, path = run(
        tmp_path, "--from", "2026-03-01", "--to", "2026-05-31", "--provider-id", "P-77"
    )
    assert (code, err) == (0, "")
    got = rows(path)
    assert [(r["RECORD_TYPE"], r["CLIENT_ID"]) for r in got] == [("A", "0000001"), ("D", "0000001")]
    a, d = got
    assert list(a) == list(c.COLUMNS)
    assert (a["STFIPS"], a["PROVIDER_ID"], a["ADMIT_DATE"], a["SERVICES"]) == (
        "25",  # Massachusetts' FIPS code, not its postal code
        "P-77",
        "03102026",
        "06",
    )
    assert (a["SEX"], a["RACE"], a["PSOURCE"], a["DAYWAIT"], a["EDUC"]) == (
        "02",
        "05",
        "03",
        "009",
        "12",
    )
    assert (a["SUB1"], a["ROUTE1"], a["FREQ1"], a["FRSTUSE1"], a["SUB2"]) == (
        "02",
        "01",
        "05",
        "16",
        "01",
    )
    assert a["DISCHARGE_DATE"] == "" and a["REASON"] == ""
    assert (d["DISCHARGE_DATE"], d["REASON"], d["SERVICES_D"], d["EMPLOY_D"], d["FREQ1_D"]) == (
        "05012026",
        "01",
        "06",
        "02",
        "01",
    )
    assert "Quintero" not in path.read_text() and "Alma" not in path.read_text()
    assert out.strip() == f"{path}: 1 admissions and 1 discharges, 2026-03-01 to 2026-05-31"


@time_machine.travel(NOW, tick=False)
def test_missing_required_field_is_named_and_exit_is_2(small: Any, tmp_path: Path) -> None:
    w = small
    Patient.objects.filter(pk=w.patient_a2.pk).update(sex_at_birth="male")
    w.patient_a2.refresh_from_db()
    admit(w, w.patient_a2, starts_on=date(2026, 4, 2), details={**COMPLETE, "race": ""})
    code, _, err, path = run(
        tmp_path, "--from", "2026-03-01", "--to", "2026-05-31", "--provider-id", "P-77"
    )
    assert code == 2
    assert err.splitlines() == [
        "1 records are invalid:",
        "  admission of client 0000002: race: missing",
    ]
    assert "Okafor" not in err
    # The file is still written, with every record.
    assert [r["CLIENT_ID"] for r in rows(path)] == ["0000001", "0000002", "0000001"]


@time_machine.travel(NOW, tick=False)
def test_admission_without_details_names_each_missing_field(world: Any, tmp_path: Path) -> None:
    w = world
    admit(w, w.patient_a1, starts_on=date(2026, 3, 10), referred_on=None)
    code, _, err, _ = run(
        tmp_path, "--from", "2026-03-01", "--to", "2026-03-31", "--provider-id", "P"
    )
    assert code == 2
    fields = [line.split(": ")[1] for line in err.splitlines()[1:]]
    assert fields == [
        "sex",
        "race",
        "ethnicity",
        "previous treatment episodes",
        "referral source",
        "education (years of school)",
        "employment status",
        "primary substance",
        "secondary substance",
        "tertiary substance",
        "medication-assisted opioid therapy planned",
        "days waiting to enter treatment",
    ]


@time_machine.travel(NOW, tick=False)
def test_disclosures_recorded_one_per_patient(small: Any, tmp_path: Path) -> None:
    code, *_ = run(tmp_path, "--from", "2026-03-01", "--to", "2026-05-31", "--provider-id", "P")
    assert code == 0
    disclosures = list(Disclosure.objects.all())
    assert len(disclosures) == 1
    d = disclosures[0]
    assert (d.patient_id, d.channel, d.consent_id, d.legal_basis) == (
        small.patient_a1.pk,
        Channel.STATE_REPORT,
        None,
        "Without consent: evaluation by a government agency (42 CFR 2.53)",
    )
    assert d.made_by == small.director_a
    # What the file carries, in the consent's words, and said plainly in the accounting.
    assert d.data == ["billing", "demographics", "diagnosis", "discharge", "social_needs"]
    assert d.description == (
        "Treatment episode report to the state, 01 Mar 2026 to 31 May 2026: admission and "
        "discharge dates and reason, date of birth, sex, race and origin, substances used, "
        "co-occurring mental health condition, arrests, employment, living arrangement, "
        "income, health insurance and expected payment"
    )
    line = row(d)  # as the patient's accounting of disclosures shows it
    assert (line.basis, line.purpose, line.channel) == (
        "Without consent: evaluation by a government agency (42 CFR 2.53)",
        "Audit and evaluation by a government agency",
        "Report to the state",
    )
    export = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert "2 records, 1 patients, 0 problems" in export.detail
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSE).count() == 1


@time_machine.travel(NOW, tick=False)
def test_role_without_the_action_is_refused(small: Any, tmp_path: Path) -> None:
    code, _, err, path = run(
        tmp_path, "--from", "2026-03-01", "--to", "2026-05-31", "--provider-id", "P",
        user="counselor_a1",
    )  # fmt: skip
    assert code == 2
    assert "administrator or clinical director" in err
    assert not path.exists()
    assert Disclosure.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-05-31"], "--from must be a date as YYYY-MM-DD"),
        (["--from", "2026-03-01", "--to", "yesterday"], "--to must be a date as YYYY-MM-DD"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "--to is before --from"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(
    world: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err, path = run(tmp_path, *args, "--provider-id", "P")
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not path.exists()


def test_unknown_user_and_missing_provider(world: Any, tmp_path: Path) -> None:
    code, _, err, _ = run(tmp_path, "--from", "2026-03-01", "--to", "2026-03-31", user="nobody")
    assert (code, "no active staff user 'nobody'" in err) == (2, True)
    code, _, err, _ = run(tmp_path, "--from", "2026-03-01", "--to", "2026-03-31")
    assert (code, "--provider-id" in err) == (2, True)


@time_machine.travel(NOW, tick=False)
def test_constant_number_of_queries(small: Any, django_assert_num_queries: Any) -> None:
    w = small
    with django_assert_num_queries(4):
        one = teds.build(
            w.org_a.pk, date(2026, 3, 1), date(2026, 5, 31), state_code="MA", provider_id="P"
        )
    Patient.objects.filter(pk=w.patient_a2.pk).update(sex_at_birth="male")
    w.patient_a2.refresh_from_db()
    more = admit(w, w.patient_a2, starts_on=date(2026, 4, 2), details=COMPLETE)
    discharge(w, more, date(2026, 5, 20), kind=DischargeType.AGAINST_ADVICE, other_ending="died")
    with django_assert_num_queries(4):
        two = teds.build(
            w.org_a.pk, date(2026, 3, 1), date(2026, 5, 31), state_code="MA", provider_id="P"
        )
    assert (len(one.records), len(two.records)) == (2, 4)
    assert two.records[-1].values["REASON"] == "06"  # died overrides the type


CHOICE_MAPPINGS: list[tuple[type[TextChoices], dict[str, str]]] = [
    (ReferralSource, {**c.REFERRAL, "court_employer": ""}),
    (sc.ReferralDetail, dict(c.REFERRAL_DETAIL)),
    (sc.Employment, dict(c.EMPLOYMENT)),
    (sc.NotInLaborForce, dict(c.NOT_IN_LABOR_FORCE)),
    (sc.Living, dict(c.LIVING)),
    (sc.Marital, dict(c.MARITAL)),
    (sc.Race, dict(c.RACE)),
    (sc.Ethnicity, dict(c.ETHNICITY)),
    (sc.YesNo, dict(c.YES_NO)),
    (sc.Substance, dict(c.SUBSTANCE)),
    (sc.Route, dict(c.ROUTE)),
    (sc.UseFrequency, dict(c.FREQUENCY)),
    (sc.Income, dict(c.INCOME)),
    (sc.Insurance, dict(c.INSURANCE)),
    (sc.Payment, dict(c.PAYMENT)),
    (sc.SelfHelp, dict(c.SELF_HELP)),
    (DischargeType, dict(c.DISCHARGE_TYPE)),
    (sc.OtherEnding, dict(c.OTHER_ENDING)),
]


@pytest.mark.parametrize(
    ("choices", "value"),
    [(ch, v) for ch, _ in CHOICE_MAPPINGS for v in ch.values],
)
def test_every_openiop_choice_has_a_code(choices: type[TextChoices], value: str) -> None:
    mapping = dict(CHOICE_MAPPINGS)[choices]
    assert value in mapping
    if value == "court_employer":  # needs the detail: court 07 or employer 05
        return
    field = {
        ReferralSource: "PSOURCE",
        sc.ReferralDetail: "PSOURCE",
        DischargeType: "REASON",
        sc.OtherEnding: "REASON",
    }.get(choices)
    if field is not None:
        allowed = c.FIELD_BY_NAME[field].codes
        assert allowed is not None and mapping[value] in allowed


def test_sex_at_birth_choices() -> None:
    values = [v for v, _ in Patient._meta.get_field("sex_at_birth").choices]  # type: ignore[union-attr]
    assert {v: c.SEX.get(v, "") for v in values} == {
        "female": "02",
        "male": "01",
        "intersex": "",  # reported as a problem: the record names the field
        "unknown": "",
    }


@time_machine.travel(NOW, tick=False)
def test_mental_health_only_admission_is_not_reported(small: Any) -> None:
    from openiop.core.testing import TrackFactory
    from openiop.organization.models import TrackKind

    w = small
    mh = TrackFactory.create(program=w.program_a2, kind=TrackKind.MENTAL_HEALTH)
    enrollment = Enrollment.objects.create(
        patient=w.patient_a2, track=mh, starts_on=date(2026, 4, 1), required_weekly_hours=9
    )
    a = Admission.objects.create(
        patient=w.patient_a2,
        program=w.program_a2,
        primary_counselor=w.counselor_a2,
        starts_on=date(2026, 4, 1),
        admitted_at=NOW,
    )
    a.enrollments.add(enrollment)
    extract = teds.build(
        w.org_a.pk, date(2026, 3, 1), date(2026, 5, 31), state_code="MA", provider_id="P"
    )
    assert [(r.record_type, r.client_id) for r in extract.records] == [
        ("A", "0000001"),
        ("D", "0000001"),
    ]


def _west(w: Any) -> None:
    """Site A2 (patient 0000002) is in California, on Pacific time."""
    w.site_a2.state = "CA"
    w.site_a2.timezone = "America/Los_Angeles"
    w.site_a2.save()
    Patient.objects.filter(pk=w.patient_a2.pk).update(sex_at_birth="male")
    w.patient_a2.refresh_from_db()


@time_machine.travel(NOW, tick=False)
def test_only_the_sites_of_the_state_are_reported(small: Any, tmp_path: Path) -> None:
    w = small
    _west(w)
    admit(w, w.patient_a2, starts_on=date(2026, 4, 2), details=COMPLETE)
    code, _, err, path = run(
        tmp_path,
        "--from",
        "2026-03-01",
        "--to",
        "2026-05-31",
        "--provider-id",
        "P",
        "--state",
        "MA",
    )
    assert (code, err) == (0, "")
    assert [(r["CLIENT_ID"], r["STFIPS"]) for r in rows(path)] == [
        ("0000001", "25"),
        ("0000001", "25"),
    ]
    code, _, err, path = run(
        tmp_path,
        "--from",
        "2026-03-01",
        "--to",
        "2026-05-31",
        "--provider-id",
        "P",
        "--state",
        "ca",
    )
    assert (code, err) == (0, "")
    assert [(r["CLIENT_ID"], r["STFIPS"]) for r in rows(path)] == [("0000002", "06")]
    assert sorted(Disclosure.objects.values_list("patient__mrn", flat=True)) == [
        "0000001",
        "0000002",
    ]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("TX", "report teds: The organization has no site in TX."),
        ("ZZ", "report teds: 'ZZ' is not a US state or territory postal code (such as CA)."),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_state_without_a_site_is_refused(
    small: Any, tmp_path: Path, state: str, message: str
) -> None:
    code, out, err, _ = run(
        tmp_path,
        "--from",
        "2026-03-01",
        "--to",
        "2026-05-31",
        "--provider-id",
        "P",
        "--state",
        state,
    )
    assert (code, out, err.strip()) == (2, "", message)
    assert list(tmp_path.iterdir()) == []
    assert Disclosure.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 0


@time_machine.travel(NOW, tick=False)
def test_days_waiting_counts_from_the_sites_local_day(small: Any) -> None:
    w = small
    _west(w)
    a = admit(w, w.patient_a2, starts_on=date(2026, 3, 10), details=COMPLETE)
    # 20:00 on 1 March in Los Angeles is already 2 March in UTC.
    evening = datetime(2026, 3, 1, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert a.referral_id is not None
    Referral.objects.filter(pk=a.referral_id).update(created_at=evening)
    extract = teds.build(
        w.org_a.pk, date(2026, 3, 1), date(2026, 3, 31), state_code="CA", provider_id="P"
    )
    assert [(r.client_id, r.values["DAYWAIT"]) for r in extract.records] == [("0000002", "009")]


@time_machine.travel(NOW, tick=False)
def test_file_is_private_and_appears_only_with_its_disclosures(
    small: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, *_, path = run(
        tmp_path, "--from", "2026-03-01", "--to", "2026-05-31", "--provider-id", "P"
    )
    assert code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["teds.csv"]
    path.unlink()
    before = Disclosure.objects.count()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("openiop.privacy.gate.record_without_consent", fail)
    with pytest.raises(RuntimeError):
        call_command(
            "report", "teds", "--user", "director_a", "-o", str(path), "--from", "2026-03-01",
            "--to", "2026-05-31", "--provider-id", "P", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary copy
    assert Disclosure.objects.count() == before
