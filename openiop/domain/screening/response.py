"""Answers as a FHIR QuestionnaireResponse-like record, so a later FHIR export loses nothing.

The record keeps the instrument id and the version of our definition in `questionnaire`
(`urn:openiop:questionnaire:<id>|<version>`), `status` ("completed" or "in-progress"), and one
`item` per question that was asked and answered, in instrument order, with `valueInteger` (points
or counts, exactly as given) or `valueBoolean` (yes/no as answered, before any reversal).
Questions that skip logic did not ask are omitted, as FHIR does. Scores are not stored here:
they are always recomputed from the answers.
Shape follows FHIR R4 QuestionnaireResponse (hl7.org/fhir/R4/questionnaireresponse.html).
"""

from __future__ import annotations

from collections.abc import Mapping

from openiop.domain.screening.model import AnswerError, InvalidAnswers, ScoreResult
from openiop.domain.screening.registry import get_instrument
from openiop.domain.screening.rules import AnswerValue

_PREFIX = "urn:openiop:questionnaire:"


def questionnaire_response(result: ScoreResult) -> dict[str, object]:
    """The QuestionnaireResponse-like dict for a score's answers."""
    instrument = get_instrument(result.instrument)
    items: list[dict[str, object]] = []
    for item in instrument.items:
        if item.key not in result.answers:
            continue
        value = result.answers[item.key]
        kind = "valueBoolean" if isinstance(value, bool) else "valueInteger"
        items.append({"linkId": item.key, "text": item.label, "answer": [{kind: value}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{_PREFIX}{result.instrument}|{result.version}",
        "status": "completed" if result.complete else "in-progress",
        "item": items,
    }


def answers_from_response(record: Mapping[str, object]) -> tuple[str, str, dict[str, AnswerValue]]:
    """Read back (instrument id, definition version, answers) from `questionnaire_response`."""
    canonical = record.get("questionnaire")
    if not isinstance(canonical, str) or not canonical.startswith(_PREFIX) or "|" not in canonical:
        raise ValueError(f"not an OpenIOP questionnaire reference: {canonical!r}")
    instrument_id, version = canonical[len(_PREFIX) :].split("|", 1)
    get_instrument(instrument_id)
    answers: dict[str, AnswerValue] = {}
    errors: list[AnswerError] = []
    entries = record.get("item")
    for entry in entries if isinstance(entries, list) else []:
        link = entry.get("linkId") if isinstance(entry, dict) else None
        answer = entry.get("answer") if isinstance(entry, dict) else None
        value = _single_value(answer)
        if not isinstance(link, str) or value is None:
            errors.append(AnswerError(str(link), "wrong_type", "malformed item"))
            continue
        answers[link] = value
    if errors:
        raise InvalidAnswers(instrument_id, tuple(errors))
    return instrument_id, version, answers


def _single_value(answer: object) -> AnswerValue | None:
    if not isinstance(answer, list) or len(answer) != 1 or not isinstance(answer[0], dict):
        return None
    entry = answer[0]
    value = entry.get("valueBoolean", entry.get("valueInteger"))
    return value if isinstance(value, int) else None
