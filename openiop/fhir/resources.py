"""OpenIOP records as FHIR R4 resources (US Core 7.0.0 shapes), one mapper per resource type.

Each `ResourceType` knows its queryset (scoped to one organization), the path to the patient
whose record it is (None for Practitioner, Organization, Location), the 42 CFR Part 2 data
class the gate is asked about, its search parameters, and how to write one row as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import Coverage
from openiop.care.models.plan import Goal, PlanStatus, Problem, TreatmentPlan
from openiop.core.policy import Action, roles_for
from openiop.delivery.models import AttendanceRecord
from openiop.domain.screening.registry import get_instrument
from openiop.intake.models import ScreeningResponse
from openiop.organization.models import Organization, Site
from openiop.patients.models import Patient
from openiop.privacy.models import Consent

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SECURITY = [
    {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
    {
        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
        "code": "R",
        "display": "restricted",
    },
    {"system": ACT_CODE, "code": "ETH", "display": "substance abuse information sensitivity"},
]
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PART2_URI = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"
OPENIOP = "https://openiop.org/fhir"
ATTENDED = ("present", "late", "left_early", "telehealth")

# Total-score LOINC codes named in the brief; any other instrument uses the code its domain
# definition carries (`loinc_total`, check digit verified) or a text-only code.
TOTAL_LOINC: dict[str, tuple[str, str]] = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
    "audit-c": ("75626-2", "Total score [AUDIT-C]"),
    "dast10": ("82667-7", "Total score [DAST-10]"),
    "phq2": ("55758-7", "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]"),
}


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def ref(kind: str, pk: Any, display: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{kind}/{pk}"}
    if display:
        out["display"] = display
    return out


def _meta(profile: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"security": [dict(s) for s in SECURITY]}
    if profile:
        meta["profile"] = [profile]
    return meta


def _narrative(text: str) -> dict[str, str]:
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></div>',
    }


# --- mappers --------------------------------------------------------------------------------


def patient(p: Patient) -> dict[str, Any]:
    gender = {"female": "female", "male": "male", "intersex": "other"}.get(
        p.sex_at_birth, "unknown"
    )
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p.pk),
        "meta": _meta(US_CORE + "us-core-patient"),
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": f"{OPENIOP}/organization/{p.organization_id}/mrn",
                "value": p.mrn,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": p.last_name, "given": [p.first_name]}],
        "gender": gender,
        "birthDate": p.date_of_birth.isoformat(),
        "managingOrganization": ref("Organization", p.organization_id),
        "communication": [{"language": {"text": p.preferred_language}}],
    }
    if p.preferred_name:
        res["name"].append({"use": "usual", "given": [p.preferred_name]})
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    if telecom:
        res["telecom"] = telecom
    if p.address or p.city:
        address: dict[str, Any] = {"use": "home"}
        if p.address:
            address["line"] = [p.address]
        for key, value in (("city", p.city), ("state", p.state), ("postalCode", p.zip_code)):
            if value:
                address[key] = value
        res["address"] = [address]
    return res


def practitioner(u: User) -> dict[str, Any]:
    """A clinician by the name they are known by (first and last name); never the login
    name. No name recorded: no `name` element (docs/fhir.md)."""
    res: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(u.pk),
        "meta": _meta(US_CORE + "us-core-practitioner"),
        "identifier": [{"system": f"{OPENIOP}/staff", "value": str(u.pk)}],
        "active": u.is_active,
    }
    name: dict[str, Any] = {}
    if u.last_name.strip():
        name["family"] = u.last_name.strip()
    if u.first_name.strip():
        name["given"] = [u.first_name.strip()]
    if name:
        name["text"] = " ".join(p for p in (u.first_name.strip(), u.last_name.strip()) if p)
        res["name"] = [name]
    return res


def _practitioner_qs(org: int) -> QuerySet[User]:
    """Active staff whose role writes clinical notes: the clinicians, not every login."""
    return User.objects.filter(
        organization_id=org, is_active=True, role__in=sorted(roles_for(Action.NOTE_WRITE))
    )


def organization(o: Organization) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": str(o.pk),
        "meta": _meta(US_CORE + "us-core-organization"),
        "identifier": [{"system": f"{OPENIOP}/organization", "value": str(o.pk)}],
        "active": True,
        "name": o.name,
    }


def location(s: Site) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(s.pk),
        "meta": _meta(US_CORE + "us-core-location"),
        "status": "active",
        "name": s.name,
        "address": {
            "line": [s.address],
            "city": s.city,
            "state": s.state,
            "postalCode": s.zip_code,
        },
        "managingOrganization": ref("Organization", s.organization_id),
    }
    if s.phone:
        res["telecom"] = [{"system": "phone", "value": s.phone}]
    return res


def encounter(a: AttendanceRecord) -> dict[str, Any]:
    session = a.session
    virtual = a.status == "telehealth"
    period: dict[str, Any] = {"start": _iso(a.check_in_at or session.starts_at)}
    if a.check_out_at or session.ends_at:
        period["end"] = _iso(a.check_out_at or session.ends_at)
    res: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(a.pk),
        "meta": _meta(US_CORE + "us-core-encounter"),
        "identifier": [{"system": f"{OPENIOP}/attendance", "value": str(a.pk)}],
        "status": "finished",
        "class": {
            "system": ACT_CODE,
            "code": "VR" if virtual else "AMB",
            "display": "virtual" if virtual else "ambulatory",
        },
        "type": [
            {
                "coding": [
                    {
                        "system": f"{OPENIOP}/CodeSystem/encounter-type",
                        "code": "iop-group",
                        "display": "Intensive outpatient group session",
                    }
                ],
                "text": "Intensive outpatient group session",
            }
        ],
        "subject": ref("Patient", a.patient_id),
        "participant": [{"individual": ref("Practitioner", session.counselor_id)}],
        "period": period,
        "serviceProvider": ref("Organization", session.organization_id),
    }
    if session.site_id:
        res["location"] = [{"location": ref("Location", session.site_id)}]
    return res


def condition(c: Problem) -> dict[str, Any]:
    plan = c.plan
    code: dict[str, Any] = {"system": ICD10CM, "code": c.icd10_code}
    if c.icd10_label:
        code["display"] = c.icd10_label
    if c.code_set_version:
        code["version"] = c.code_set_version
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": str(c.pk),
        "meta": _meta(US_CORE + "us-core-condition-problems-health-concerns"),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                        "display": "Problem List Item",
                    }
                ]
            }
        ],
        "code": {"coding": [code], "text": c.description},
        "subject": ref("Patient", plan.patient_id),
    }
    if plan.signed_at:
        res["recordedDate"] = _iso(plan.signed_at)
    return res


def _total_code(instrument_id: str) -> tuple[dict[str, Any], str]:
    try:
        inst = get_instrument(instrument_id)
        name = inst.name
        domain_code = inst.loinc_total
    except Exception:  # an instrument retired from the registry: keep the stored id
        name, domain_code = instrument_id, None
    if instrument_id in TOTAL_LOINC:
        code, display = TOTAL_LOINC[instrument_id]
        return {
            "coding": [{"system": LOINC, "code": code, "display": display}],
            "text": f"{name} total score",
        }, name
    if domain_code:
        return {
            "coding": [{"system": LOINC, "code": domain_code}],
            "text": f"{name} total score",
        }, name
    return {"text": f"{name} total score"}, name


def observation(s: ScreeningResponse) -> dict[str, Any]:
    code, _name = _total_code(s.instrument)
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(s.pk),
        "meta": _meta(US_CORE + "us-core-observation-screening-assessment"),
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": code,
        "subject": ref("Patient", s.patient_id),
        "effectiveDateTime": _iso(s.administered_at),
        "valueInteger": s.total,
        "derivedFrom": [ref("QuestionnaireResponse", s.pk)],
    }
    if s.administered_by_id:
        res["performer"] = [ref("Practitioner", s.administered_by_id)]
    if s.band:
        res["interpretation"] = [{"text": s.band}]
    return res


def questionnaire_response(s: ScreeningResponse) -> dict[str, Any]:
    stored = s.response if isinstance(s.response, dict) else {}
    items = []
    for entry in stored.get("item", []) or []:
        if not isinstance(entry, dict) or "linkId" not in entry:
            continue
        item: dict[str, Any] = {"linkId": str(entry["linkId"])}
        if entry.get("text"):
            item["text"] = str(entry["text"])
        answers = []
        for ans in entry.get("answer", []) or []:
            if isinstance(ans, dict):
                answers.append(
                    {k: v for k, v in ans.items() if k in ("valueInteger", "valueBoolean")}
                )
        if answers:
            item["answer"] = answers
        items.append(item)
    res: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(s.pk),
        "meta": _meta(US_CORE + "us-core-questionnaireresponse"),
        "questionnaire": str(
            stored.get("questionnaire") or f"urn:openiop:questionnaire:{s.instrument}"
        ),
        "status": "completed"
        if stored.get("status", "completed") == "completed"
        else "in-progress",
        "subject": ref("Patient", s.patient_id),
        "authored": _iso(s.administered_at),
    }
    if s.administered_by_id:
        res["author"] = ref("Practitioner", s.administered_by_id)
    if items:
        res["item"] = items
    return res


def careplan(p: TreatmentPlan) -> dict[str, Any]:
    goals = list(p.goals.all())
    problems = list(p.problems.all())
    summary = f"Treatment plan version {p.version}: " + "; ".join(g.description for g in goals)
    res: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(p.pk),
        "meta": _meta(US_CORE + "us-core-careplan"),
        "text": _narrative(summary),
        "status": "active",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                        "code": "assess-plan",
                    }
                ]
            }
        ],
        "subject": ref("Patient", p.patient_id),
        "created": _iso(p.created_at),
        "period": {"start": _iso(p.signed_at)},
    }
    if problems:
        res["addresses"] = [ref("Condition", c.pk) for c in problems]
    if goals:
        res["goal"] = [ref("Goal", g.pk) for g in goals]
    return res


def goal(g: Goal) -> dict[str, Any]:
    plan = g.plan
    res: dict[str, Any] = {
        "resourceType": "Goal",
        "id": str(g.pk),
        "meta": _meta(US_CORE + "us-core-goal"),
        "lifecycleStatus": "active",
        "description": {"text": g.description},
        "subject": ref("Patient", plan.patient_id),
        "startDate": _iso(plan.signed_at.date()) if plan.signed_at else None,
    }
    targets = sorted(o.target_on for o in g.objectives.all())
    if targets:
        res["target"] = [{"dueDate": targets[-1].isoformat()}]
    if g.problem_id:
        res["addresses"] = [ref("Condition", g.problem_id)]
    return {k: v for k, v in res.items() if v is not None}


_PURPOSE_CODES = {"treatment": "TREAT", "payment": "HPAYMT", "operations": "HOPERAT"}


def consent_status(c: Consent, today: date | None = None) -> str:
    """The FHIR Consent.status: "inactive" once revoked, replaced by a newer version or
    expired (its expiry date before today, the program's local date), else "active"."""
    if not c.is_current:  # revoked or superseded
        return "inactive"
    if c.expires_on is not None and c.expires_on < (today or timezone.localdate()):
        return "inactive"
    return "active"


def consent(c: Consent) -> dict[str, Any]:
    period: dict[str, Any] = {"start": _iso(c.recorded_at)}
    if c.revoked_at:
        period["end"] = _iso(c.revoked_at)
    elif c.expires_on:
        period["end"] = c.expires_on.isoformat()
    purposes = ["treatment", "payment", "operations"] if c.kind == "tpo" else [c.purpose]
    provision: dict[str, Any] = {
        "type": "permit",
        "period": period,
        "actor": [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": {"display": c.recipient_name or c.get_recipient_kind_display()},
            }
        ],
        "class": [{"system": f"{OPENIOP}/CodeSystem/part2-data", "code": d} for d in c.data],
    }
    coded = [
        {"system": ACT_CODE, "code": _PURPOSE_CODES[p]} for p in purposes if p in _PURPOSE_CODES
    ]
    if coded:
        provision["purpose"] = coded
    return {
        "resourceType": "Consent",
        "id": str(c.pk),
        "meta": _meta(None),
        "status": consent_status(c),
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {"system": LOINC, "code": "59284-0", "display": "Consent Document"},
                    {"system": ACT_CODE, "code": "IDSCL"},
                ]
            }
        ],
        "patient": ref("Patient", c.patient_id),
        "dateTime": _iso(c.recorded_at),
        "organization": [ref("Organization", c.organization_id)],
        "policy": [{"uri": PART2_URI}],
        "provision": provision,
    }


_RELATIONSHIP = {"self": "self", "spouse": "spouse", "child": "child", "other": "other"}


def coverage(c: Coverage) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": str(c.pk),
        "meta": _meta(US_CORE + "us-core-coverage"),
        "status": "active",
        "beneficiary": ref("Patient", c.patient_id),
        "relationship": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    "code": _RELATIONSHIP.get(c.relationship, "other"),
                }
            ]
        },
        "order": c.rank,
    }
    if c.self_pay or c.payer is None:
        res["type"] = {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/coverage-selfpay", "code": "pay"}
            ]
        }
        res["payor"] = [ref("Patient", c.patient_id)]
    else:
        res["payor"] = [{"display": c.payer.name}]
        if c.member_id:
            res["subscriberId"] = c.member_id
            res["identifier"] = [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                "code": "MB",
                            }
                        ]
                    },
                    "system": f"{OPENIOP}/payer/{c.payer.payer_id}/member",
                    "value": c.member_id,
                }
            ]
    return res


# --- the registry ---------------------------------------------------------------------------


class BadParam(ValueError):
    """A search parameter value that cannot be understood (400 OperationOutcome)."""


def _int(value: str) -> int:
    # ASCII digits only: "²".isdigit() is true and int(" 1_0 ") works, neither is an id.
    if not re.fullmatch(r"-?[0-9]{1,40}", value):
        raise BadParam(f"not an id: {value[:40]!r}")
    number = int(value)
    return number if 1 <= number <= 2**63 - 1 else 0


def _reference_id(value: str, kind: str) -> int:
    if value.startswith(f"{kind}/"):
        value = value[len(kind) + 1 :]
    return _int(value)


def _date_q(field_name: str, values: list[str]) -> Q:
    q = Q()
    prefixes = {"eq": "date", "ge": "gte", "gt": "gt", "le": "lte", "lt": "lt"}
    for raw in values:
        prefix = raw[:2] if raw[:2] in prefixes else "eq"
        text = raw[2:] if raw[:2] in prefixes else raw
        try:
            day = date.fromisoformat(text[:10])
        except ValueError as exc:
            raise BadParam(f"not a date: {raw[:40]!r}") from exc
        if prefix == "eq":
            q &= Q(**{f"{field_name}__date": day})
        else:
            q &= Q(**{f"{field_name}__date__{prefixes[prefix]}": day})
    return q


def _token_q(field_name: str, values: list[str], allowed: dict[str, Any]) -> Q:
    """A token parameter against a fixed set of codes (`system|code` or `code`)."""
    q = Q()
    for raw in values:
        matched: set[Any] = set()
        for part in raw.split(","):
            code = part.split("|", 1)[-1]
            if code in allowed:
                matched |= (
                    set(allowed[code])
                    if isinstance(allowed[code], list | tuple)
                    else {allowed[code]}
                )
        q &= Q(**{f"{field_name}__in": sorted(matched, key=str)}) if matched else Q(pk__in=[])
    return q


Param = Callable[[list[str]], Q]


@dataclass(frozen=True)
class ResourceType:
    name: str
    profile: str
    queryset: Callable[[int], QuerySet[Any]]
    to_fhir: Callable[[Any], dict[str, Any]]
    patient_path: str | None
    data: str | None
    params: dict[str, Param] = field(default_factory=dict)
    # For a system client, which of the records it may see at all (given the recipient key
    # `fhir-client:<id>`), on top of the gate's per-patient decision; None: all.
    client_q: Callable[[str], Q] | None = None


def _patient_param(path: str) -> Param:
    return lambda values: Q(**{f"{path}__in": [_reference_id(v, "Patient") for v in values]})


def _id_param(values: list[str]) -> Q:
    q = Q()
    for v in values:
        q &= Q(pk__in=[_int(x) for x in v.split(",")])
    return q


def _identifier_param(values: list[str]) -> Q:
    q = Q()
    for v in values:
        q &= Q(mrn=v.split("|", 1)[-1])
    return q


def _code_param(values: list[str]) -> Q:
    by_code: dict[str, list[str]] = {}
    for known, (code, _d) in TOTAL_LOINC.items():
        by_code.setdefault(code, []).append(known)
    from openiop.domain.screening.registry import INSTRUMENTS

    for inst_id, inst in INSTRUMENTS.items():
        if inst.loinc_total and inst_id not in TOTAL_LOINC:
            by_code.setdefault(inst.loinc_total, []).append(inst_id)
    return _token_q("instrument", values, by_code)


def _consents_for_client(key: str) -> Q:
    """What a system client may learn of a patient's consents: the TPO consents (which name no
    one) and the consents naming that client (bound to its key). Never another recipient's
    consent (a probation office, an employer) nor, unless it names the client, that a
    counseling-notes consent exists; staff sessions see all (use inside the program)."""
    return Q(kind="tpo") | Q(recipient_key=key)


def _patient_qs(org: int) -> QuerySet[Patient]:
    return Patient.objects.filter(organization_id=org)


def _screening_qs(org: int) -> QuerySet[ScreeningResponse]:
    return ScreeningResponse.objects.filter(patient__organization_id=org)


CURRENT_PLAN = Q(plan__status=PlanStatus.SIGNED)

TYPES: dict[str, ResourceType] = {
    t.name: t
    for t in [
        ResourceType(
            "Patient",
            US_CORE + "us-core-patient",
            _patient_qs,
            patient,
            "pk",
            "demographics",
            {"identifier": _identifier_param},
        ),
        ResourceType(
            "Practitioner",
            US_CORE + "us-core-practitioner",
            _practitioner_qs,
            practitioner,
            None,
            None,
        ),
        ResourceType(
            "Organization",
            US_CORE + "us-core-organization",
            lambda org: Organization.objects.filter(pk=org),
            organization,
            None,
            None,
        ),
        ResourceType(
            "Location",
            US_CORE + "us-core-location",
            lambda org: Site.objects.filter(organization_id=org),
            location,
            None,
            None,
        ),
        ResourceType(
            "Encounter",
            US_CORE + "us-core-encounter",
            lambda org: AttendanceRecord.objects.filter(
                patient__organization_id=org, status__in=ATTENDED
            ).select_related("session"),
            encounter,
            "patient_id",
            "attendance",
            {
                "patient": _patient_param("patient_id"),
                "date": lambda v: _date_q("session__starts_at", v),
            },
        ),
        ResourceType(
            "Condition",
            US_CORE + "us-core-condition-problems-health-concerns",
            lambda org: Problem.objects.filter(
                CURRENT_PLAN, plan__patient__organization_id=org
            ).select_related("plan"),
            condition,
            "plan__patient_id",
            "diagnosis",
            {
                "patient": _patient_param("plan__patient_id"),
                "category": lambda v: (
                    Q() if all(x.split("|")[-1] == "problem-list-item" for x in v) else Q(pk__in=[])
                ),
            },
        ),
        ResourceType(
            "Observation",
            US_CORE + "us-core-observation-screening-assessment",
            lambda org: _screening_qs(org).filter(total__isnull=False),
            observation,
            "patient_id",
            "screenings",
            {
                "patient": _patient_param("patient_id"),
                "category": lambda v: (
                    Q() if all(x.split("|")[-1] in ("survey",) for x in v) else Q(pk__in=[])
                ),
                "code": _code_param,
                "date": lambda v: _date_q("administered_at", v),
            },
        ),
        ResourceType(
            "QuestionnaireResponse",
            US_CORE + "us-core-questionnaireresponse",
            _screening_qs,
            questionnaire_response,
            "patient_id",
            "screenings",
            {"patient": _patient_param("patient_id")},
        ),
        ResourceType(
            "CarePlan",
            US_CORE + "us-core-careplan",
            lambda org: TreatmentPlan.objects.filter(
                status=PlanStatus.SIGNED, patient__organization_id=org
            ).prefetch_related("goals", "problems"),
            careplan,
            "patient_id",
            "treatment_plan",
            {
                "patient": _patient_param("patient_id"),
                "category": lambda v: (
                    Q() if all(x.split("|")[-1] == "assess-plan" for x in v) else Q(pk__in=[])
                ),
            },
        ),
        ResourceType(
            "Goal",
            US_CORE + "us-core-goal",
            lambda org: (
                Goal.objects.filter(CURRENT_PLAN, plan__patient__organization_id=org)
                .select_related("plan")
                .prefetch_related("objectives")
            ),
            goal,
            "plan__patient_id",
            "treatment_plan",
            {"patient": _patient_param("plan__patient_id")},
        ),
        ResourceType(
            "Consent",
            "",
            lambda org: Consent.objects.filter(organization_id=org, patient__organization_id=org),
            consent,
            "patient_id",
            "demographics",
            {"patient": _patient_param("patient_id")},
            _consents_for_client,
        ),
        ResourceType(
            "Coverage",
            US_CORE + "us-core-coverage",
            lambda org: Coverage.objects.filter(patient__organization_id=org).select_related(
                "payer"
            ),
            coverage,
            "patient_id",
            "billing",
            {"patient": _patient_param("patient_id")},
        ),
    ]
}


def patient_id_of(rtype: ResourceType, obj: Model) -> int | None:
    if rtype.patient_path is None:
        return None
    value: Any = obj
    for part in rtype.patient_path.split("__"):
        value = getattr(value, part)
    return int(value)
