"""Benchmark: the disclosure gate and the FHIR bulk export (OpenIOP goals at 2,000 patients:
the gate decides for every patient of a program in under 1 s, whatever the number of queries
stays constant; a bulk export of Patient, Encounter, Condition and Coverage for the program
finishes on the task queue in under 60 s).

Fixed seed. For each size, a new organization is built with bulk inserts by the billing
benchmark's world (`bench/billing/world.py`, not timed): patients in one program with an
enrolment, a treatment plan with a diagnosis, coverage by one of three payers, a treatment,
payment and operations consent for 95% of them, and a month of attended group sessions. One
FHIR client, a health plan linked to the most common payer, is registered. Then, each timed
and its queries counted (CaptureQueriesContext):

- gate: `gate.checker` for every patient of the organization, as the payer, for payment (the
  claims build and the FHIR search make the same call); the baseline in the same run is one
  plain query that reads the same consent rows;
- client gate: `fhir.recipients.decide` for the client (coverage looked up, then the gate);
- export: a `Group/[program]/$export` job run by the task worker (`run_tasks`), from queued to
  done: the ndjson built outside any transaction, then every disclosure and its audit event
  in one short transaction.

    .venv/bin/python bench/privacy/run.py                      # scratch SQLite, 200 and 2,000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_privacy \\
        .venv/bin/python bench/privacy/run.py --patients 200,2000

With DATABASE_URL the database's name must contain "bench" (create it first).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "billing"))

SEED = 20261207
GOAL_PATIENTS = 2000
GOAL_GATE_SECONDS, GOAL_EXPORT_SECONDS = 1.0, 60.0
TYPES = ["Patient", "Encounter", "Condition", "Coverage"]


@dataclass(frozen=True)
class Row:
    patients: int
    baseline_seconds: float
    gate_seconds: float
    gate_queries: int
    client_seconds: float
    client_queries: int
    allowed: int
    export_seconds: float
    export_queries: int
    exported: int
    disclosures: int


def _setup_django() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if "bench" not in url.rsplit("/", 1)[-1]:
            sys.exit("DATABASE_URL: this benchmark fills the database; use one named *bench*")
    else:
        scratch = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="openiop-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench-privacy.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz0123")
    os.environ.setdefault("OPENIOP_INSECURE_HTTP", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openiop.config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


def _measure(size: int) -> Row:
    import world
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from openiop.accounts.models import User
    from openiop.billing.models import Coverage
    from openiop.core import policy
    from openiop.core.policy import Action
    from openiop.core.testing_tasks import run_tasks
    from openiop.domain.consent import Recipient
    from openiop.fhir import recipients, services
    from openiop.fhir.models import ExportJob, ExportStatus, FhirClient
    from openiop.organization.models import Program
    from openiop.patients.models import Patient
    from openiop.privacy import gate
    from openiop.privacy.models import Consent, Disclosure

    started = time.perf_counter()
    billing = world.build(size, seed=SEED)
    org_id = int(billing.organization_id or 0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"# built {size:,} patients in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ids = list(Patient.objects.filter(organization_id=org_id).values_list("pk", flat=True))
    top = (
        Coverage.objects.filter(patient__organization_id=org_id)
        .values("payer_id", "payer__name")
        .annotate(n=Count("id"))
        .order_by("-n", "payer_id")
        .first()
    )
    assert top is not None
    admin = User.objects.filter(
        organization_id=org_id, role__in=policy.roles_for(Action.FHIR_CLIENT_MANAGE)
    ).first() or User.objects.create(
        username=f"bench-admin-{org_id}",
        organization_id=org_id,
        role=next(iter(policy.roles_for(Action.FHIR_CLIENT_MANAGE))),
    )
    registered = services.register_client(
        admin,
        name=str(top["payer__name"]),
        recipient_kind="health_plan",
        scopes="system/*.rs",
        payer_id=int(top["payer_id"]),
        signed_in=False,
    )
    client = FhirClient.objects.get(application__client_id=registered.client_id)

    t0 = time.perf_counter()
    baseline = len(list(Consent.objects.filter(patient_id__in=ids)))
    baseline_seconds = time.perf_counter() - t0
    assert baseline > 0
    payer = Recipient("health_plan", str(top["payer__name"]), f"payer:{top['payer_id']}")
    with CaptureQueriesContext(connection) as gate_q:
        t0 = time.perf_counter()
        gate.checker(ids, recipient=payer, purpose="payment", data={"billing", "diagnosis"})
        gate_seconds = time.perf_counter() - t0
    with CaptureQueriesContext(connection) as client_q:
        t0 = time.perf_counter()
        decided = recipients.decide(client, ids, ["demographics"])
        client_seconds = time.perf_counter() - t0
    allowed = len(decided.allowed())

    program = Program.objects.filter(site__organization_id=org_id).first()
    before = Disclosure.objects.filter(organization_id=org_id).count()
    with CaptureQueriesContext(connection) as export_q:
        t0 = time.perf_counter()
        job = services.export_request(
            client=client, kind="group", group=program, types=TYPES, url="bench"
        )
        run_tasks()
        export_seconds = time.perf_counter() - t0
    job = ExportJob.objects.get(pk=job.pk)
    if job.status != ExportStatus.DONE:
        print(f"# warning: export ended {job.status}: {job.error}", file=sys.stderr)
    exported = sum(f.count for f in job.files.all())
    return Row(
        size,
        baseline_seconds,
        gate_seconds,
        len(gate_q.captured_queries),
        client_seconds,
        len(client_q.captured_queries),
        allowed,
        export_seconds,
        len(export_q.captured_queries),
        exported,
        Disclosure.objects.filter(organization_id=org_id).count() - before,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="200,2000", help="sizes, comma-separated")
    sizes = [int(s) for s in parser.parse_args().patients.split(",") if s.strip()]
    backend = _setup_django()
    rows = [_measure(size) for size in sizes]
    load = os.getloadavg()[0]
    print(f"disclosure gate and FHIR bulk export, seed {SEED}, {backend}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} (wall time suffers under load)")
    print(
        f"{'patients':>8} {'rows s':>7} {'gate s':>7} {'x rows':>6} {'q gate':>6} "
        f"{'client s':>8} {'q client':>8} {'served':>6} {'export s':>8} {'x base':>6} "
        f"{'q export':>8} {'resources':>9} {'disclosures':>11}"
    )
    base = rows[0]
    for r in rows:
        print(
            f"{r.patients:>8,} {r.baseline_seconds:>7.3f} {r.gate_seconds:>7.3f} "
            f"{r.gate_seconds / max(r.baseline_seconds, 1e-6):>6.1f} {r.gate_queries:>6} "
            f"{r.client_seconds:>8.3f} {r.client_queries:>8} {r.allowed:>6,} "
            f"{r.export_seconds:>8.2f} {r.export_seconds / base.export_seconds:>6.1f} "
            f"{r.export_queries:>8,} {r.exported:>9,} {r.disclosures:>11,}"
        )
    for line in _verdict(rows):
        print(line)


def _verdict(rows: list[Row]) -> list[str]:
    out = []
    if len({r.gate_queries for r in rows}) == 1 and len({r.client_queries for r in rows}) == 1:
        out.append(
            f"CONSTANT: the gate asks {rows[0].gate_queries} queries and the client's gate "
            f"{rows[0].client_queries}, whatever the number of patients"
        )
    else:
        out.append("NOT CONSTANT: the gate's queries grow with the number of patients")
    goal = next((r for r in rows if r.patients == GOAL_PATIENTS), None)
    if goal is None:
        return [*out, f"NO VERDICT on time: run --patients {GOAL_PATIENTS}"]
    for what, seconds, limit in (
        ("gate for every patient", goal.gate_seconds, GOAL_GATE_SECONDS),
        ("bulk export on the queue", goal.export_seconds, GOAL_EXPORT_SECONDS),
    ):
        verdict = "MET" if seconds < limit else "SLOW"
        out.append(
            f"{verdict}: {what}: {GOAL_PATIENTS:,} patients in {seconds:.2f} s (goal < {limit:.0f} s)"
        )
    return out


if __name__ == "__main__":
    main()
