"""The FHIR R4 endpoints: CapabilityStatement, read and search, bulk $export.

Every request is authenticated here (the default-deny middleware passes `/fhir/` through):
an OAuth bearer token of an active system client, or a verified staff session whose role
allows `fhir.read`. What a system client receives is a disclosure: the patients are filtered
through the one gate and each patient returned is recorded. Staff reading is use, audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action, Refused
from openiop.domain.consent import Decision, Recipient
from openiop.fhir import recipients, resources, scopes
from openiop.fhir.models import (
    EXPORT_FILES_KEPT,
    ExportFile,
    ExportJob,
    ExportStatus,
    FhirClient,
)
from openiop.fhir.resources import TYPES, BadParam, ResourceType
from openiop.organization.models import Program
from openiop.patients.models import Patient
from openiop.privacy import gate

FHIR_JSON = "application/fhir+json"
NOTICE_URL = "https://openiop.org/fhir/StructureDefinition/part2-notice"
DEFAULT_COUNT = 50
MAX_COUNT = 100
PAGE_SALT = "openiop.fhir.page"
MAX_ID = 2**63 - 1
ID_RE = re.compile(r"[0-9]{1,19}")
# Search parameters whose values are PHI (a patient's record number): accepted only in the
# body of `POST [type]/_search`, never in a URL (server logs, proxies, browser history).
PHI_PARAMS = frozenset({"identifier"})
FORM = "application/x-www-form-urlencoded"


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None, **more: str
) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    for key, value in {**(headers or {}), **more}.items():
        response[key.replace("_", "-")] = value
    return response


def outcome(status: int, code: str, text: str, **headers: str) -> HttpResponse:
    severity = "error" if status < 500 else "fatal"
    return _json(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}],
        },
        status,
        headers,
    )


def unauthorized(text: str = "A valid bearer token is required.") -> HttpResponse:
    return outcome(401, "login", text, WWW_Authenticate='Bearer realm="openiop-fhir"')


@dataclass(frozen=True)
class Caller:
    organization_id: int
    client: FhirClient | None = None
    user: User | None = None
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"c{self.client.pk}" if self.client else f"u{self.user.pk if self.user else 0}"


def authenticate(request: HttpRequest) -> Caller | HttpResponse:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        valid, oauth = get_oauthlib_core().verify_request(request, scopes=[])
        token = getattr(oauth, "access_token", None) if valid else None
        client = getattr(token.application, "fhir_client", None) if token else None
        if token is None or client is None or not client.active:
            return unauthorized("The bearer token is not valid, has expired or was revoked.")
        return Caller(client.organization_id, client=client, scopes=tuple(token.scope.split()))
    user = request.user
    if isinstance(user, User) and policy.is_verified_staff(user):
        try:
            policy.require(user, Action.FHIR_READ, request=request)
        except Refused as exc:
            return outcome(403, "forbidden", str(exc.args[0] if exc.args else exc))
        return Caller(int(user.organization_id or 0), user=user)
    return unauthorized()


def _scope_check(caller: Caller, rtype: str, interaction: str) -> HttpResponse | None:
    if caller.client is None or scopes.grants(list(caller.scopes), rtype, interaction):
        return None
    return outcome(
        403,
        "forbidden",
        f"The token's scopes do not allow this (system/{rtype}.{interaction} is needed).",
        WWW_Authenticate='Bearer error="insufficient_scope"',
    )


# --- CapabilityStatement --------------------------------------------------------------------


def metadata(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return outcome(405, "not-supported", "Only GET.")
    base = request.build_absolute_uri("/fhir/")
    rest_resources = []
    for rtype in TYPES.values():
        params = [{"name": "_id", "type": "token"}]
        for name in rtype.params:
            kind = {"patient": "reference", "date": "date"}.get(name, "token")
            params.append({"name": name, "type": kind})
        for param in params:
            if param["name"] in PHI_PARAMS:
                param["documentation"] = (
                    "Carries PHI: only in the form body of POST [base]/" + rtype.name + "/_search"
                    " (a GET with it in the URL is refused, 400)."
                )
        entry: dict[str, Any] = {
            "type": rtype.name,
            "interaction": [
                {"code": "read"},
                {
                    "code": "search-type",
                    "documentation": f"GET [base]/{rtype.name}?... or POST [base]/{rtype.name}"
                    f"/_search with an {FORM} body (same parameters).",
                },
            ],
            "searchParam": params,
        }
        if rtype.profile:
            entry["supportedProfile"] = [rtype.profile]
        rest_resources.append(entry)
    rest_resources.append(
        {
            "type": "Group",
            "operation": [
                {
                    "name": "export",
                    "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
                }
            ],
        }
    )
    body = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server"],
        "software": {"name": "OpenIOP"},
        "implementation": {"description": "OpenIOP FHIR API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [
                                {
                                    "url": "token",
                                    "valueUri": request.build_absolute_uri("/fhir/auth/token"),
                                }
                            ],
                        }
                    ],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "OAuth 2.0 client credentials (SMART Backend Services "
                    "style scopes system/<Type>.rs); every patient record is disclosed "
                    "under the patient's 42 CFR Part 2 consent.",
                },
                "resource": rest_resources,
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
                    }
                ],
            }
        ],
    }
    return _json(body)


# --- read and search ------------------------------------------------------------------------


def _with_notice(resource: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """The 42 CFR 2.32 notice travels in `meta.extension` (Bundle is not a DomainResource, so
    it has no `extension` of its own; `meta` is an Element, which may carry one)."""
    if caller.client is not None:
        meta = dict(resource.get("meta", {}))
        meta["extension"] = [{"url": NOTICE_URL, "valueString": gate.NOTICE}]
        resource = {**resource, "meta": meta}
    return resource


def _headers(caller: Caller) -> dict[str, str]:
    return {"X_Part2_Notice": gate.NOTICE_SHORT} if caller.client is not None else {}


def _parse_id(value: str) -> int:
    """An id from a URL: ASCII digits only ("²".isdigit() is true, int("²") fails), 0 if not."""
    if not ID_RE.fullmatch(value):
        return 0
    number = int(value)
    return number if 1 <= number <= MAX_ID else 0


@dataclass
class Allowed:
    patients: dict[int, Patient]
    decisions: dict[int, Decision]
    withheld: list[int]
    recipients: dict[int, Recipient]


def _filter_patients(
    request: HttpRequest, caller: Caller, rtype: ResourceType, ids: set[int]
) -> Allowed:
    """Which of these patients' records may go to the caller: the gate for a client, the
    staff member's scope for a session."""
    if caller.user is not None:
        visible = set(
            access.patients_visible_to(caller.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        return Allowed({pid: Patient(pk=pid) for pid in visible}, {}, sorted(ids - visible), {})
    assert caller.client is not None and rtype.data is not None
    decided = recipients.decide(caller.client, ids, [rtype.data])
    ok = decided.allowed()
    return Allowed(
        {pid: Patient(pk=pid) for pid in ok},
        ok,
        sorted(set(ids) - set(ok)),
        decided.recipients,
    )


def _record_use(
    request: HttpRequest,
    caller: Caller,
    rtype: ResourceType,
    patient_ids: list[int],
    allowed: Allowed,
    description: str,
) -> None:
    """One Disclosure per patient for a client; one audited VIEW per patient for staff."""
    if not patient_ids:
        return
    patients = Patient.objects.in_bulk(patient_ids)
    for pid in patient_ids:
        patient = patients[pid]
        if caller.client is not None:
            assert rtype.data is not None
            gate.record(
                patient,
                allowed.decisions[pid],
                recipient=allowed.recipients[pid],
                purpose=caller.client.purpose,
                data=[rtype.data],
                channel="fhir",
                description=description,
                client_name=caller.client.name,
                request=request,
            )
        else:
            audit.record(
                actor=caller.user,
                action=AuditAction.VIEW,
                patient=patient,
                object_type=f"fhir.{rtype.name.lower()}",
                request=request,
                detail=description,
            )


def _refuse_one(
    request: HttpRequest, caller: Caller, rtype: ResourceType, patient_id: int, what: str
) -> None:
    patient = Patient.objects.get(pk=patient_id)
    if caller.client is not None:
        assert rtype.data is not None
        decided = recipients.decide(caller.client, [patient_id], [rtype.data])
        gate.refusal(
            patient,
            decided.decisions[patient_id],
            recipient=decided.recipients[patient_id],
            purpose=caller.client.purpose,
            channel="fhir",
            client_name=caller.client.name,
            request=request,
        )
    else:
        assert caller.user is not None
        access.not_found(
            caller.user,
            f"fhir.{rtype.name.lower()}",
            what,
            request=request,
            detail=f"FHIR {what}: patient outside the user's scope",
        )


def _rtype_or_404(request: HttpRequest, caller: Caller, name: str) -> ResourceType | HttpResponse:
    rtype = TYPES.get(name)
    if rtype is None:
        if caller.user is not None:
            access.not_found(caller.user, "fhir.resource", name[:40], request=request)
        return outcome(404, "not-supported", "Unknown or unsupported resource type.")
    return rtype


@csrf_exempt
def read(request: HttpRequest, rtype_name: str, pk: str) -> HttpResponse:
    caller = authenticate(request)
    if isinstance(caller, HttpResponse):
        return caller
    found = _rtype_or_404(request, caller, rtype_name)
    if isinstance(found, HttpResponse):
        return found
    rtype = found
    if request.method != "GET":
        return outcome(405, "not-supported", "Read only.")
    refused = _scope_check(caller, rtype.name, "r")
    if refused:
        return refused
    number = _parse_id(pk)
    not_found = outcome(404, "not-found", f"{rtype.name}/{pk[:40]} is not known.")
    obj = _queryset(rtype, caller).filter(pk=number).first() if number else None
    if obj is None:
        if caller.user is not None:
            access.not_found(caller.user, f"fhir.{rtype.name.lower()}", pk[:40], request=request)
        return not_found
    pid = resources.patient_id_of(rtype, obj)
    with transaction.atomic():
        if pid is not None:
            allowed = _filter_patients(request, caller, rtype, {pid})
            if pid not in allowed.patients:
                _refuse_one(request, caller, rtype, pid, f"{rtype.name}/{number}")
                return not_found
            _record_use(request, caller, rtype, [pid], allowed, f"FHIR read {rtype.name}")
        elif caller.user is not None:
            audit.record(
                actor=caller.user,
                action=AuditAction.VIEW,
                object_type=f"fhir.{rtype.name.lower()}",
                object_id=str(number),
                request=request,
            )
        body = _with_notice(rtype.to_fhir(obj), caller)
    return _json(body, headers=_headers(caller))


COMMON_PARAMS = {"_id", "_count", "_page", "_format"}


def _queryset(rtype: ResourceType, caller: Caller) -> Any:
    """The type's records of the caller's organization; for a system client, less what only
    the program may see (`ResourceType.client_q`: other recipients' consents)."""
    qs = rtype.queryset(caller.organization_id)
    if caller.client is not None and rtype.client_q is not None:
        qs = qs.filter(rtype.client_q(caller.client.recipient_key))
    return qs


def _phi_in_url(request: HttpRequest) -> HttpResponse | None:
    named = sorted(PHI_PARAMS & set(request.GET))
    if not named:
        return None
    return outcome(
        400,
        "invalid",
        f"The parameter {named[0]} carries PHI and is not accepted in a URL: send it in the "
        f"form body of POST [base]/[type]/_search (Content-Type: {FORM}).",
    )


@csrf_exempt
def search(request: HttpRequest, rtype_name: str) -> HttpResponse:
    """`GET [base]/[type]?...` (no PHI parameters in the URL)."""
    caller = authenticate(request)
    if isinstance(caller, HttpResponse):
        return caller
    found = _rtype_or_404(request, caller, rtype_name)
    if isinstance(found, HttpResponse):
        return found
    if request.method != "GET":
        return outcome(405, "not-supported", "Search with GET, or POST to [type]/_search.")
    refused = _scope_check(caller, found.name, "s") or _phi_in_url(request)
    if refused:
        return refused
    return _search(request, caller, found, request.GET)


def _no_view(request: HttpRequest) -> HttpResponse:
    """The view the CSRF check is asked about (not exempt, unlike the FHIR views)."""
    return HttpResponse(status=204)


@csrf_exempt
def search_post(request: HttpRequest, rtype_name: str) -> HttpResponse:
    """`POST [base]/[type]/_search` with the parameters in a form body (FHIR R4 3.1.0.8.1)."""
    caller = authenticate(request)
    if isinstance(caller, HttpResponse):
        return caller
    found = _rtype_or_404(request, caller, rtype_name)
    if isinstance(found, HttpResponse):
        return found
    if request.method != "POST":
        return outcome(405, "not-supported", "POST a form body to [type]/_search.")
    if caller.client is None:
        # A staff session is a cookie: a cross-site form must not run searches with it.
        csrf = CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {})
        if csrf is not None:
            return outcome(403, "forbidden", "CSRF verification failed.")
    refused = _scope_check(caller, found.name, "s") or _phi_in_url(request)
    if refused:
        return refused
    if request.content_type != FORM:
        return outcome(415, "not-supported", f"Send the parameters as {FORM}.")
    params = request.GET.copy()
    for key in request.POST:
        params.setlist(key, params.getlist(key) + request.POST.getlist(key))
    return _search(request, caller, found, params)


def _search(
    request: HttpRequest, caller: Caller, rtype: ResourceType, params: QueryDict
) -> HttpResponse:
    unknown = sorted(set(params) - COMMON_PARAMS - set(rtype.params))
    if unknown:
        return outcome(400, "not-supported", f"Unsupported search parameter: {unknown[0][:40]}")
    fmt = params.get("_format")
    if fmt and fmt not in ("json", "application/json", FHIR_JSON):
        return outcome(400, "not-supported", "Only JSON is supported.")
    try:
        count = int(params.get("_count", DEFAULT_COUNT))
    except ValueError:
        return outcome(400, "invalid", "_count must be a number.")
    count = max(0, min(count, MAX_COUNT))
    offset = 0
    if "_page" in params:
        try:
            token = signing.loads(str(params.get("_page", "")), salt=PAGE_SALT, max_age=3600)
            if token.get("k") != caller.key:
                raise signing.BadSignature("another caller's token")
            offset = int(token["o"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return outcome(400, "invalid", "The page token is not valid or has expired.")
    q = Q()
    try:
        if "_id" in params:
            q &= resources._id_param(params.getlist("_id"))
        for name, build in rtype.params.items():
            if name in params:
                q &= build(params.getlist(name))
    except BadParam as exc:
        return outcome(400, "invalid", str(exc))
    qs = _queryset(rtype, caller).filter(q).order_by("pk")
    with transaction.atomic():
        allowed: Allowed | None = None
        if rtype.patient_path is not None:
            ids = set(qs.values_list(rtype.patient_path, flat=True).distinct())
            allowed = _filter_patients(request, caller, rtype, ids)
            qs = qs.filter(**{f"{rtype.patient_path}__in": list(allowed.patients)})
        total = qs.count()
        rows = list(qs[offset : offset + count]) if count else []
        entries = [
            {
                "fullUrl": request.build_absolute_uri(f"/fhir/{rtype.name}/{row.pk}"),
                "resource": rtype.to_fhir(row),
                "search": {"mode": "match"},
            }
            for row in rows
        ]
        description = f"FHIR search {rtype.name} ({len(rows)} resources)"
        if allowed is not None:
            page_patients = sorted(
                {pid for row in rows if (pid := resources.patient_id_of(rtype, row)) is not None}
            )
            _record_use(request, caller, rtype, page_patients, allowed, description)
            if allowed.withheld:
                _withheld(request, caller, rtype, allowed.withheld, params)
        elif caller.user is not None:
            audit.record(
                actor=caller.user,
                action=AuditAction.QUERY,
                object_type=f"fhir.{rtype.name.lower()}",
                request=request,
                detail=description,
            )
    base = request.build_absolute_uri(f"/fhir/{rtype.name}")
    # Links never carry PHI parameters: with one, they point at [type]/_search, to be POSTed
    # again with the same form body (docs/fhir.md).
    phi = bool(PHI_PARAMS & set(params))
    plain = [
        (k, v) for k in params for v in params.getlist(k) if k != "_page" and k not in PHI_PARAMS
    ]
    here = f"{base}/_search" if phi else base
    self_params = [(k, v) for k in params for v in params.getlist(k) if k not in PHI_PARAMS]
    links = [{"relation": "self", "url": f"{here}?{urlencode(self_params)}"}]
    if count and offset + count < total:
        token = signing.dumps({"o": offset + count, "k": caller.key}, salt=PAGE_SALT)
        links.append({"relation": "next", "url": f"{here}?{urlencode([*plain, ('_page', token)])}"})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "meta": {
            "lastUpdated": timezone.now().isoformat(),
            "security": [dict(s) for s in resources.SECURITY],
        },
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": entries,
    }
    if not entries:
        del bundle["entry"]
    return _json(_with_notice(bundle, caller), headers=_headers(caller))


def _withheld(
    request: HttpRequest, caller: Caller, rtype: ResourceType, ids: list[int], params: QueryDict
) -> None:
    """One audited refusal per search: the single patient asked for, or a summary."""
    if len(ids) == 1 and "patient" in params:
        _refuse_one(request, caller, rtype, ids[0], f"{rtype.name} search")
        return
    who = f"client {caller.client.name[:60]}" if caller.client is not None else "staff session"
    audit.record(
        actor=caller.user,
        action=AuditAction.DENIED,
        object_type=f"fhir.{rtype.name.lower()}",
        request=request,
        detail=f"FHIR search {rtype.name} by {who}: {len(ids)} patients withheld "
        "(no consent covers them, or outside the user's scope)",
        part2=True,
        organization_id=caller.organization_id,
    )


# --- bulk export ----------------------------------------------------------------------------

EXPORT_TYPES = [name for name, t in TYPES.items() if t.patient_path is not None]


def _export_caller(request: HttpRequest) -> Caller | HttpResponse:
    caller = authenticate(request)
    if isinstance(caller, HttpResponse):
        return caller
    if caller.client is None:
        message = "Bulk export is for system clients."
        policy.refuse(caller.user, message, request=request, object_type="fhir.export")
        return outcome(403, "forbidden", message)
    return caller


@csrf_exempt
def export_patients(request: HttpRequest) -> HttpResponse:
    return _kickoff(request, "patient", None)


@csrf_exempt
def export_group(request: HttpRequest, pk: str) -> HttpResponse:
    return _kickoff(request, "group", pk)


def _kickoff(request: HttpRequest, kind: str, group_id: str | None) -> HttpResponse:
    caller = _export_caller(request)
    if isinstance(caller, HttpResponse):
        return caller
    assert caller.client is not None
    if request.method != "GET":
        return outcome(405, "not-supported", "Start an export with GET.")
    if "respond-async" not in request.headers.get("Prefer", ""):
        return outcome(400, "invalid", "Bulk export needs the header Prefer: respond-async.")
    unknown = sorted(set(request.GET) - {"_type", "_outputFormat"})
    if unknown:
        return outcome(400, "not-supported", f"Unsupported parameter: {unknown[0][:40]}")
    fmt = request.GET.get("_outputFormat")
    if fmt and fmt not in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        return outcome(400, "not-supported", "Only ndjson output.")
    types = EXPORT_TYPES
    if "_type" in request.GET:
        types = [t for v in request.GET.getlist("_type") for t in v.split(",") if t]
        bad = [t for t in types if t not in EXPORT_TYPES]
        if bad:
            return outcome(400, "not-supported", f"Unsupported _type: {bad[0][:40]}")
    for t in types:
        refused = _scope_check(caller, t, "s")
        if refused:
            return refused
    program = None
    if group_id is not None:
        number = _parse_id(group_id)
        program = (
            Program.objects.filter(pk=number, site__organization_id=caller.organization_id).first()
            if number
            else None
        )
        if program is None:
            return outcome(404, "not-found", "Unknown group.")
    job = _services().export_request(
        client=caller.client,
        kind=kind,
        group=program,
        types=list(dict.fromkeys(types)),
        url=request.build_absolute_uri(),
    )
    return outcome(
        202,
        "informational",
        "Export accepted.",
        Content_Location=request.build_absolute_uri(f"/fhir/bulkstatus/{job.pk}"),
    )


def _services() -> Any:
    from openiop.fhir import services

    return services


def _expired(job: ExportJob, now: datetime | None = None) -> bool:
    """Files are served for `EXPORT_FILES_KEPT` (24 hours) after the export finished."""
    finished = job.finished_at
    return finished is None or (now or timezone.now()) > finished + EXPORT_FILES_KEPT


def _gone(job: ExportJob) -> HttpResponse:
    ExportFile.objects.filter(job=job).delete()  # the records leave the database too
    return outcome(410, "not-found", "The export's files have expired (24 hours after it ended).")


def _cancel(job: ExportJob) -> HttpResponse:
    """DELETE: a queued or running export is cancelled; a done one is deleted (its files
    become unavailable at once and are removed). Both are answered 202, as the Bulk Data IG
    asks."""
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.DONE):
            return outcome(404, "not-found", "The export is not in progress or done.")
        was_done = locked.status == ExportStatus.DONE
        locked.status = ExportStatus.CANCELLED
        if not was_done:
            locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        ExportFile.objects.filter(job=locked).delete()
        audit.record(
            actor=None,
            action=AuditAction.EXPORT,
            obj=locked,
            detail=f"bulk export {'deleted' if was_done else 'cancelled'} by client "
            f"{locked.client.name[:60]}",
            organization_id=locked.client.organization_id,
        )
    return outcome(202, "informational", "Export deleted." if was_done else "Export cancelled.")


def _job_for(caller: Caller, pk: int) -> ExportJob | None:
    return ExportJob.objects.filter(pk=pk, client=caller.client).first() if pk else None


@csrf_exempt
def export_status(request: HttpRequest, pk: str) -> HttpResponse:
    caller = _export_caller(request)
    if isinstance(caller, HttpResponse):
        return caller
    job = _job_for(caller, _parse_id(pk))
    if job is None:
        return outcome(404, "not-found", "Unknown export.")
    if request.method == "DELETE":
        return _cancel(job)
    if request.method != "GET":
        return outcome(405, "not-supported", "GET or DELETE.")
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = "running" if job.status == ExportStatus.RUNNING else "queued"
        response["Retry-After"] = "5"
        return response
    if job.status == ExportStatus.CANCELLED:
        return outcome(404, "not-found", "The export was cancelled or deleted.")
    if job.status != ExportStatus.DONE:
        return outcome(500, "exception", job.error or f"The export was {job.status}.")
    if _expired(job):
        return _gone(job)
    files = ExportFile.objects.filter(job=job).values("pk", "resource_type", "count")
    manifest = {
        "transactionTime": (job.started_at or job.requested_at).isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": f["resource_type"],
                "url": request.build_absolute_uri(f"/fhir/bulkfiles/{f['pk']}"),
                "count": f["count"],
            }
            for f in files
        ],
        "error": [],
        "extension": {NOTICE_URL: gate.NOTICE},
    }
    response = HttpResponse(json.dumps(manifest), content_type="application/json")
    response["X-Part2-Notice"] = gate.NOTICE_SHORT
    return response


@csrf_exempt
def export_file(request: HttpRequest, pk: str) -> HttpResponse:
    caller = _export_caller(request)
    if isinstance(caller, HttpResponse):
        return caller
    if request.method != "GET":
        return outcome(405, "not-supported", "Only GET.")
    number = _parse_id(pk)
    row = (
        ExportFile.objects.filter(
            pk=number, job__client=caller.client, job__status=ExportStatus.DONE
        )
        .select_related("job")
        .first()
        if number
        else None
    )
    if row is None:
        return outcome(404, "not-found", "Unknown file.")
    if _expired(row.job):
        return _gone(row.job)
    response = HttpResponse(row.ndjson, content_type="application/fhir+ndjson")
    response["X-Part2-Notice"] = gate.NOTICE_SHORT
    return response
