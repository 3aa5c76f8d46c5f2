"""The one exception handler: a service's refusal reaches an API client as problem JSON, under
the API's field names where they differ from the service's."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openiop.core.api import api_field_names, problem_exception_handler


def _problem(exc: Exception) -> tuple[int, dict[str, object]]:
    response = problem_exception_handler(exc, {})
    assert response is not None
    assert response.content_type == "application/problem+json"
    return response.status_code, response.data


def test_a_service_error_without_fields_is_a_400_for_the_whole_input() -> None:
    status, body = _problem(ValidationError("The week is published."))
    assert status == 400
    assert body["errors"] == {"non_field_errors": ["The week is published."]}


def test_a_service_refusal_is_a_403_with_its_reason() -> None:
    status, body = _problem(PermissionDenied("Only the clinical director publishes."))
    assert status == 403 and body["detail"] == "Only the clinical director publishes."


def test_api_field_names_renames_the_services_fields_for_the_client() -> None:
    with (
        pytest.raises(ValidationError) as caught,
        api_field_names({"status": "attendance_status"}),
    ):
        raise ValidationError({"status": "Choose a status.", "check_in_at": "Too early."})
    status, body = _problem(caught.value)
    assert status == 400
    assert body["errors"] == {
        "attendance_status": ["Choose a status."],
        "check_in_at": ["Too early."],
    }


def test_api_field_names_lets_other_refusals_through_unchanged() -> None:
    refusal = PermissionDenied("No.")
    with pytest.raises(PermissionDenied) as caught, api_field_names({"status": "x"}):
        raise refusal
    assert caught.value is refusal
