"""Query plans that do not depend on fresh statistics, ANALYZE after bulk loads, and the
statement time limit of web requests (a clear 503, and the next request works)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from openiop.accounts.models import Role
from openiop.core import access, db, demo, slowdb
from openiop.core.testing import (
    OrganizationFactory,
    ProgramFactory,
    SiteFactory,
    TrackFactory,
    login,
    make_staff,
)
from openiop.locator import services as locator_services
from openiop.locator.models import Facility
from openiop.patients.models import Enrollment, Patient

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="statistics, plans and time limits of PostgreSQL"
)
BIG_TABLES = {Patient._meta.db_table, Enrollment._meta.db_table}


# ANALYZE ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_analyze_gives_the_planner_statistics_of_the_rows_just_loaded() -> None:
    site = SiteFactory.create()
    Patient.objects.bulk_create(
        Patient(
            organization=site.organization,
            site=site,
            mrn=f"{n:07d}",
            first_name=f"P{n}",
            last_name=f"L{n}",
            date_of_birth=date(1990, 1, 1),
        )
        for n in range(200)
    )
    db.analyze(Patient)
    db.analyze()  # the whole database
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", [Patient._meta.db_table]
            )
            assert cursor.fetchone()[0] == 200
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [Patient._meta.db_table]
            )
            assert cursor.fetchone()[0] > 0


@pytest.mark.django_db
def test_analyze_names_a_model_with_its_many_to_many_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openiop.organization.models import StaffProfile

    run: list[str] = []

    class Cursor:
        def __enter__(self) -> Cursor:
            return self

        def __exit__(self, *args: object) -> None:
            return None

        def execute(self, sql: str) -> None:
            run.append(sql)

    monkeypatch.setattr(connection, "cursor", Cursor)
    db.analyze(StaffProfile)
    quote = connection.ops.quote_name
    throughs = [f.remote_field.through for f in StaffProfile._meta.local_many_to_many]
    m2m = {
        f"ANALYZE {quote(t._meta.db_table)}"
        for t in throughs
        if t is not None and t._meta.auto_created
    }
    assert run[0] == f"ANALYZE {quote(StaffProfile._meta.db_table)}"
    assert set(run[1:]) == m2m and len(m2m) >= 2


@pytest.mark.django_db
def test_demo_data_ends_with_analyze(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setenv("OPENIOP_DEMO", "1")
    monkeypatch.setattr(db, "analyze", lambda *models, **kw: calls.append(models))
    call_command("demo-data", "--patients", "10", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # On PostgreSQL also between the load's stages (after the patients and after each app's
    # part, and after the appointments), so that each stage's joins are planned from the rows
    # the earlier ones wrote.
    stages = len(demo._extensions()) + 2 if connection.vendor == "postgresql" else 0
    assert calls == [()] * (stages + 1)


@pytest.mark.django_db
def test_a_facility_import_analyzes_the_directory_after_commit(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(db, "analyze", lambda *models, **kw: calls.append(models))
    organization = OrganizationFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        locator_services.facility_import_csv(
            actor=None, organization=organization, data=_facility_csv(), file_name="f.csv"
        )
    assert calls == [(Facility,)]


def _facility_csv() -> bytes:
    import random

    from openiop.locator.demo import external_facilities_csv

    rows = external_facilities_csv(random.Random(3), date(2026, 12, 1)).decode().splitlines()
    return ("\n".join(rows[:4]) + "\n").encode()


# Plans without statistics -------------------------------------------------------------------


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found


def _seq_scans_of_big_tables(plan: dict[str, Any]) -> list[str]:
    return [
        n["Relation Name"]
        for n in _nodes(plan)
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in BIG_TABLES
    ]


def _problems(plan: dict[str, Any]) -> list[str]:
    """Per-row subqueries, and nested loops that scan a whole patient-sized table again for
    every outer row: the two shapes that grow with the square of the data."""
    problems = []
    for node in _nodes(plan):
        if node.get("Parent Relationship") == "SubPlan":
            problems.append(f"per-row subquery {node.get('Subplan Name')}")
        if node["Node Type"] == "Nested Loop":
            inner = [c for c in node.get("Plans", []) if c.get("Parent Relationship") == "Inner"]
            for child in inner:
                for table in _seq_scans_of_big_tables(child):
                    problems.append(f"nested loop re-scanning {table}")
    return problems


def _plan(queryset: Any) -> dict[str, Any]:
    return json.loads(queryset.explain(format="json"))[0]["Plan"]  # type: ignore[no-any-return]


@postgres_only
@pytest.mark.django_db
def test_the_scope_of_a_counselor_is_planned_well_on_tables_never_analyzed() -> None:
    org = OrganizationFactory.create()
    mine, other = SiteFactory.create(organization=org), SiteFactory.create(organization=org)
    program = ProgramFactory.create(site=mine)
    track = TrackFactory.create(program=program)
    counselor = make_staff("counselor_plan", Role.COUNSELOR, org, sites=[mine], programs=[program])
    patients = Patient.objects.bulk_create(
        Patient(
            organization=org,
            site=mine if n % 2 else other,
            program=program if n % 4 == 1 else None,
            mrn=f"{n:07d}",
            first_name=f"P{n}",
            last_name=f"L{n}",
            date_of_birth=date(1990, 1, 1),
        )
        for n in range(2000)
    )
    # A third of the other site's patients are enrolled in the counselor's program's track.
    Enrollment.objects.bulk_create(
        Enrollment(
            patient=p,
            track=track,
            starts_on=date(2026, 11, 2),
            required_weekly_hours=Decimal("9"),
        )
        for p in patients
        if p.site_id == other.pk and p.pk % 3 == 0
    )
    with connection.cursor() as cursor:  # nothing analyzed: no statistics at all
        cursor.execute(
            "SELECT count(*) FROM pg_statistic WHERE starelid IN (%s::regclass, %s::regclass)",
            sorted(BIG_TABLES),
        )
        assert cursor.fetchone()[0] == 0

    visible = access.patients_visible_to(counselor)
    expected = {p.pk for p in patients if p.site_id == mine.pk} | set(
        Enrollment.objects.values_list("patient_id", flat=True)
    )
    assert set(visible.values_list("pk", flat=True)) == expected
    # The scope alone, and used inside another query as the weekly hours page does.
    enrolments = Enrollment.objects.filter(
        patient__organization_id=org.pk, patient__in=visible.values("pk"), status="active"
    )
    for queryset in (visible, enrolments):
        plan = _plan(queryset)
        assert _problems(plan) == [], json.dumps(plan, indent=1)


# The statement time limit -------------------------------------------------------------------


def _settings_in_a_new_process(extra_env: dict[str, str]) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openiop.config.settings_test",
        "DATABASE_URL": "postgres://app@db.invalid:5432/openiop",
        **extra_env,
    }
    env.pop("OPENIOP_PROCESS", None) if "OPENIOP_PROCESS" not in extra_env else None
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_web_processes_get_the_statement_time_limit_and_commands_do_not() -> None:
    web = _settings_in_a_new_process({"OPENIOP_PROCESS": "web"})
    assert web["options"] == "-c statement_timeout=25000"
    web = _settings_in_a_new_process(
        {"OPENIOP_PROCESS": "web", "DATABASE_STATEMENT_TIMEOUT_MS": "9000"}
    )
    assert web["options"] == "-c statement_timeout=9000"
    command = _settings_in_a_new_process({})
    assert "options" not in command
    command = _settings_in_a_new_process({"DATABASE_COMMAND_STATEMENT_TIMEOUT_MS": "600000"})
    assert command["options"] == "-c statement_timeout=600000"


@pytest.fixture
def short_statement_limit(transactional_db: None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 200")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")


@postgres_only
@pytest.mark.urls("openiop.core.tests.slow_urls")
def test_a_statement_over_the_limit_answers_503_and_the_next_request_works(
    short_statement_limit: None, client: Client
) -> None:
    org = OrganizationFactory.create()
    login(client, make_staff("counselor_slow", Role.COUNSELOR, org))

    response = client.get("/slow/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(slowdb.RETRY_AFTER_SECONDS)
    assert "The database took too long to answer" in body
    assert "narrow the search" in body
    assert 'role="alert"' in body and 'href="/"' in body

    # htmx: the same page, whose alert app.js shows next to the element used.
    response = client.get("/slow/", HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert "The database took too long to answer" in response.content.decode()

    response = client.get("/api/v1/slow/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == slowdb.TITLE

    response = client.get("/quick/")  # same client, same worker, same connection
    assert response.status_code == 200
    assert response.content == b"quick 1"


def test_other_database_errors_are_not_taken_for_a_time_limit() -> None:
    from django.db import OperationalError

    assert not db.is_statement_timeout(OperationalError("database is locked"))

    class Canceled(Exception):
        sqlstate = "57014"

    error = OperationalError("canceling statement due to statement timeout")
    error.__cause__ = Canceled()
    assert db.is_statement_timeout(error)
