"""Checks of the US Core must-support elements the API claims (docs/fhir.md), one per
profile, on top of the structural validation by fhir.resources."""

from __future__ import annotations

from typing import Any

PART2 = {"42CFRPart2", "R", "ETH"}


def _has(res: dict[str, Any], *keys: str) -> None:
    for key in keys:
        assert res.get(key) not in (None, [], {}, ""), f"{res['resourceType']} lacks {key}"


def labels(res: dict[str, Any]) -> None:
    codes = {s["code"] for s in res["meta"]["security"]}
    assert codes == PART2


def patient(r: dict[str, Any]) -> None:
    _has(r, "identifier", "name", "gender", "birthDate")
    assert r["identifier"][0]["system"] and r["identifier"][0]["value"]
    assert r["name"][0]["family"] and r["name"][0]["given"]


def observation(r: dict[str, Any]) -> None:
    _has(r, "status", "category", "code", "subject", "effectiveDateTime")
    assert "valueInteger" in r
    assert r["category"][0]["coding"][0]["code"] == "survey"


def encounter(r: dict[str, Any]) -> None:
    _has(r, "status", "class", "type", "subject", "period")


def condition(r: dict[str, Any]) -> None:
    _has(r, "clinicalStatus", "verificationStatus", "category", "code", "subject")


def questionnaire_response(r: dict[str, Any]) -> None:
    _has(r, "questionnaire", "status", "subject", "authored")


def careplan(r: dict[str, Any]) -> None:
    _has(r, "text", "status", "intent", "category", "subject")
    assert r["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')


def goal(r: dict[str, Any]) -> None:
    _has(r, "lifecycleStatus", "description", "subject")
    assert "target" in r or "startDate" in r


def coverage(r: dict[str, Any]) -> None:
    _has(r, "status", "beneficiary", "relationship", "payor")


def consent(r: dict[str, Any]) -> None:
    _has(r, "status", "scope", "category", "patient", "policy", "provision")


def practitioner(r: dict[str, Any]) -> None:
    _has(r, "identifier", "name")


def organization(r: dict[str, Any]) -> None:
    _has(r, "active", "name")


def location(r: dict[str, Any]) -> None:
    _has(r, "name", "address")


BY_TYPE = {
    "Patient": patient,
    "Observation": observation,
    "Encounter": encounter,
    "Condition": condition,
    "QuestionnaireResponse": questionnaire_response,
    "CarePlan": careplan,
    "Goal": goal,
    "Coverage": coverage,
    "Consent": consent,
    "Practitioner": practitioner,
    "Organization": organization,
    "Location": location,
}
