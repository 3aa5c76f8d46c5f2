"""The FHIR app's task on the one task queue: a bulk $export.

`run_export` is enqueued by `services.export_request` after the request commits. In three
steps, so that the audit chain's head row (locked by every audited write until its commit) is
held only for the short last one:

1. a short transaction marks the job running;
2. outside any transaction, the gate is asked about every patient of the export (one
   recipient per patient, `openiop.fhir.recipients`; one question per data class) and one
   ndjson text per resource type is built in memory with the allowed patients' records only;
3. one short final transaction locks the job, checks it is still running (not cancelled)
   and that the gate still answers the same, then writes the files, one Disclosure per
   patient and data class (channel "export") with its audit event, one DENIED summary event
   for the patients withheld, and marks the job done. The files are served only once the job
   is done, so they never become available unless this transaction commits.

It is idempotent: a job that is no longer queued or running (done, cancelled) is left as it
is, and a retry replaces the files of an earlier failed attempt. If the gate's answer changed
between steps 2 and 3 (a consent revoked meanwhile), the attempt fails and is retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.tasks import retrying_task
from openiop.fhir import recipients
from openiop.fhir.models import ExportFile, ExportJob, ExportStatus, FhirClient
from openiop.fhir.resources import TYPES
from openiop.patients.models import Patient
from openiop.privacy import gate

NOTICE_URL = "https://openiop.org/fhir/StructureDefinition/part2-notice"


class ConsentsChanged(RuntimeError):
    """A patient's consents changed while the export was built: build it again."""


def _give_up(kwargs: dict[str, Any], *, error: BaseException, attempt: int) -> None:
    ExportJob.objects.filter(
        pk=int(kwargs["job_id"]), status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(
        status=ExportStatus.FAILED,
        finished_at=timezone.now(),
        error=f"The export failed after {attempt} attempts.",
    )


def _patient_ids(job: ExportJob) -> list[int]:
    patients = Patient.objects.filter(organization_id=job.client.organization_id)
    if job.group_id is not None:
        patients = patients.filter(
            Q(program_id=job.group_id) | Q(enrollments__track__program_id=job.group_id)
        )
    return sorted(set(patients.values_list("pk", flat=True)))


def _start(job_id: int) -> tuple[ExportJob | None, str]:
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update().select_related("client").filter(pk=job_id).first()
        )
        if job is None or job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            return None, f"export {job_id}: skipped"
        if not job.client.active:
            job.status = ExportStatus.FAILED
            job.error = "The client was revoked."
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return None, f"export {job_id}: client revoked"
        job.status = ExportStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
        return job, ""


@dataclass
class Built:
    files: list[tuple[str, int, str]]  # resource type, count, ndjson
    disclosed: dict[tuple[int, str], int]  # (patient, data class) -> resources
    decided: dict[str, recipients.Decisions]  # by data class
    withheld: set[int]
    ids: list[int]


def _decide(client: FhirClient, ids: list[int], job: ExportJob, at: datetime) -> dict[str, Any]:
    decided: dict[str, recipients.Decisions] = {}
    for type_name in job.types:
        data = TYPES[type_name].data
        if data is not None and data not in decided:
            decided[data] = recipients.decide(client, ids, [data], at=at)
    return decided


def _build(job: ExportJob, at: datetime) -> Built:
    client = job.client
    ids = _patient_ids(job)
    decided = _decide(client, ids, job, at)
    withheld = {pid for d in decided.values() for pid in set(d.decisions) - set(d.allowed())}
    files: list[tuple[str, int, str]] = []
    disclosed: dict[tuple[int, str], int] = {}
    for type_name in job.types:
        rtype = TYPES[type_name]
        assert rtype.patient_path is not None and rtype.data is not None
        allowed = decided[rtype.data].allowed()
        rows = rtype.queryset(client.organization_id).filter(
            **{f"{rtype.patient_path}__in": list(allowed)}
        )
        if rtype.client_q is not None:
            rows = rows.filter(rtype.client_q(client.recipient_key))
        rows = rows.order_by("pk")
        lines = []
        for row in rows.iterator(chunk_size=500) if not _prefetches(rows) else rows:
            resource = rtype.to_fhir(row)
            resource["meta"]["extension"] = [{"url": NOTICE_URL, "valueString": gate.NOTICE}]
            lines.append(json.dumps(resource, separators=(",", ":")))
            pid = _patient_of(rtype.patient_path, row)
            disclosed[(pid, rtype.data)] = disclosed.get((pid, rtype.data), 0) + 1
        files.append((type_name, len(lines), "\n".join(lines) + ("\n" if lines else "")))
    return Built(files, disclosed, decided, withheld, ids)


def _finish(job_id: int, built: Built) -> str:
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update().select_related("client").filter(pk=job_id).first()
        )
        if job is None or job.status != ExportStatus.RUNNING:
            return f"export {job_id}: cancelled while running"
        client = job.client
        if not client.active:
            job.status = ExportStatus.FAILED
            job.error = "The client was revoked."
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return f"export {job_id}: client revoked"
        # The gate's answer at the moment of disclosure, for the patients built.
        at = timezone.now()
        again = _decide(client, built.ids, job, at)
        for data, before in built.decided.items():
            if set(again[data].allowed()) != set(before.allowed()):
                raise ConsentsChanged(f"export {job_id}: consents changed while building")
        ExportFile.objects.filter(job=job).delete()
        ExportFile.objects.bulk_create(
            ExportFile(job=job, resource_type=t, count=n, ndjson=text) for t, n, text in built.files
        )
        patients = Patient.objects.in_bulk(
            sorted({pid for pid, _ in built.disclosed} | built.withheld)
        )
        for (pid, data), n in sorted(built.disclosed.items()):
            gate.record(
                patients[pid],
                again[data].decisions[pid],
                recipient=again[data].recipients[pid],
                purpose=client.purpose,
                data=[data],
                channel="export",
                description=f"FHIR bulk export {job.pk} ({n} resources)",
                client_name=client.name,
                at=at,
            )
        if built.withheld:
            # One summary refusal per export (not one per patient): how many were left out.
            audit.record(
                actor=None,
                action=AuditAction.DENIED,
                obj=job,
                detail=f"disclosure refused by export to {client.name[:80]} for "
                f"{client.purpose}: {len(built.withheld)} patients withheld from bulk export "
                f"{job.pk} (no consent covers them for one or more of the data classes asked)",
                part2=True,
                organization_id=client.organization_id,
            )
        job.status = ExportStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        return f"export {job_id}: {len({pid for pid, _ in built.disclosed})} patients"


@retrying_task(max_attempts=3, backoff=timedelta(seconds=30), on_give_up=_give_up)
def run_export(*, job_id: int, attempt: int = 1) -> str:
    job, message = _start(job_id)
    if job is None:
        return message
    built = _build(job, timezone.now())
    return _finish(job_id, built)


def _prefetches(qs: Any) -> bool:
    return bool(getattr(qs, "_prefetch_related_lookups", ()))


def _patient_of(path: str, row: Any) -> int:
    value: Any = row
    for part in path.split("__"):
        value = getattr(value, part)
    return int(value)
