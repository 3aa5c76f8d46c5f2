"""ICD-10-CM in care: the `openiop icd10 CODE` contract (four-key JSON; exit 0 only for a valid,
billable code, 2 otherwise), every code the demo and the factories use is billable, and the
migration's backfill of the code-set version."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from openiop.care import demo
from openiop.care.models import PlanStatus, Problem, TreatmentPlan
from openiop.care.plans.services import plan_create
from openiop.care.tests.factories import DIAGNOSIS_CODE, enrol, signed_plan, today
from openiop.core.testing import World
from openiop.domain.diagnosis import icd10

REPO = Path(__file__).resolve().parents[3]
KEYS = {"code", "valid", "billable", "description"}


def run(code: str) -> tuple[int, dict[str, object], str]:
    out, err = StringIO(), StringIO()
    status = 0
    try:
        call_command("icd10", code, stdout=out, stderr=err)
    except SystemExit as exc:
        status = int(exc.code or 0)
    return status, json.loads(out.getvalue()), err.getvalue()


@pytest.mark.parametrize("raw", ["F10.20", "f1020", " F10.20 "])
def test_a_billable_code_exits_0_with_its_description(raw: str) -> None:
    status, body, err = run(raw)
    assert (status, err) == (0, "")
    assert body == {
        "code": "F10.20",
        "valid": True,
        "billable": True,
        "description": "Alcohol dependence, uncomplicated",
    }


@pytest.mark.parametrize(
    ("raw", "valid", "says"),
    [
        ("F99.9", False, "not a code of ICD-10-CM FY2026"),
        ("F31.79", False, "not a code of ICD-10-CM FY2026"),
        ("F43.8", True, "F43.81, F43.89"),
        ("F10.2", True, "F10.20, F10.21"),
        ("alcohol", False, "not an ICD-10-CM code"),
    ],
)
def test_a_code_that_does_not_exist_or_is_not_billable_exits_2(
    raw: str, valid: bool, says: str
) -> None:
    status, body, err = run(raw)
    assert status == 2 and says in err
    assert set(body) == KEYS and body["valid"] is valid and body["billable"] is False
    assert (body["description"] is None) is (not valid)


def test_the_console_entry_point_exit_statuses() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openiop.config.settings_test"}

    def cli(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "openiop.cli", "icd10", code],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=300,
            check=False,
        )

    ok = cli("F10.20")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["description"] == "Alcohol dependence, uncomplicated"
    refused = cli("F43.8")
    assert refused.returncode == 2 and json.loads(refused.stdout)["billable"] is False


def test_every_code_of_the_demo_and_the_factories_is_valid_and_billable() -> None:
    codes = {code for rows in demo.DIAGNOSES.values() for _, code in rows}
    codes |= {DIAGNOSIS_CODE, "F41.1", "F42.3"}  # the factories' and the tests' codes
    refused = {code: icd10.check(code).error for code in codes if not icd10.check(code).ok}
    assert refused == {}
    assert all(icd10.normalise(code) == code for code in codes)


@pytest.mark.django_db
def test_the_migration_backfills_the_version_and_flags_codes_that_are_not_billable(
    world: World,
) -> None:
    plan = plan_create(actor=world.counselor_a1, enrollment=enrol(world), review_on=today())
    good = Problem.objects.create(plan=plan, description="a", icd10_code="f10.20")
    heading = Problem.objects.create(plan=plan, description="b", icd10_code="F43.8")
    missing = Problem.objects.create(plan=plan, description="c", icd10_code="F99.9")
    migration = importlib.import_module("openiop.care.migrations.0003_problem_code_set_version")
    migration.backfill(apps, None)
    good.refresh_from_db()
    assert (good.icd10_code, good.icd10_label, good.code_set_version, good.code_in_table) == (
        "F10.20",
        "Alcohol dependence, uncomplicated",
        "ICD-10-CM FY2026",
        True,
    )
    for problem in (heading, missing):
        problem.refresh_from_db()
        assert problem.code_set_version == "" and not problem.code_in_table


@pytest.mark.django_db
@pytest.mark.parametrize("status", [PlanStatus.SIGNED, PlanStatus.SUPERSEDED])
def test_the_migration_leaves_the_code_and_description_of_a_signed_plan_as_signed(
    world: World, status: str
) -> None:
    """A signed (or superseded) plan is a signed clinical record: the backfill sets only the new
    fields; a draft's problem is normalised."""
    plan = signed_plan(world.counselor_a1, enrol(world))
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=status)
    as_signed = {"icd10_code": "f10.20", "icd10_label": "Alcohol use disorder (as signed)"}
    Problem.objects.filter(plan=plan).update(**as_signed)
    not_billable = Problem.objects.create(plan=plan, description="b", icd10_code="F43.8")
    other = enrol(world, world.patient_a2)
    draft = plan_create(actor=world.counselor_a1, enrollment=other, review_on=today())
    draft_problem = Problem.objects.create(plan=draft, description="a", icd10_code="f10.20")
    migration = importlib.import_module("openiop.care.migrations.0003_problem_code_set_version")
    migration.backfill(apps, None)
    signed = Problem.objects.get(plan=plan, description="Alcohol use disorder")
    assert (signed.icd10_code, signed.icd10_label) == ("f10.20", "Alcohol use disorder (as signed)")
    assert (signed.code_set_version, signed.code_in_table) == ("ICD-10-CM FY2026", True)
    not_billable.refresh_from_db()
    assert (not_billable.icd10_code, not_billable.code_set_version) == ("F43.8", "")
    assert not not_billable.code_in_table
    draft_problem.refresh_from_db()
    assert (draft_problem.icd10_code, draft_problem.icd10_label) == (
        "F10.20",
        "Alcohol dependence, uncomplicated",
    )
