"""The one form-view helper: a service's refusal lands on the form, the page comes back 422."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.test import RequestFactory, override_settings

from openiop.core.forms import INVALID, form_status, rename_fields, render_form, submit

LOCMEM_TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"form.html": "{% for e in form.non_field_errors %}[{{ e }}]{% endfor %}"},
                )
            ]
        },
    }
]


class LeaveForm(forms.Form):
    starts_on = forms.CharField()
    ends_on = forms.CharField()


def _valid_form() -> LeaveForm:
    form = LeaveForm({"starts_on": "2026-11-02", "ends_on": "2026-11-06"})
    assert form.is_valid()
    return form


def _refuse(exc: Exception) -> Any:
    def action(data: dict[str, Any]) -> Any:
        raise exc

    return action


def test_submit_calls_the_service_with_the_cleaned_data_and_returns_its_result() -> None:
    form = _valid_form()
    seen: list[dict[str, Any]] = []

    def action(data: dict[str, Any]) -> str:
        seen.append(dict(data))
        return "saved"

    assert submit(form, action) == "saved"
    assert seen == [{"starts_on": "2026-11-02", "ends_on": "2026-11-06"}]
    assert form.errors == {}


def test_a_refusal_naming_a_field_is_shown_on_that_field_and_returns_none() -> None:
    form = _valid_form()
    refused = submit(form, _refuse(ValidationError({"ends_on": "The end is before the start."})))
    assert refused is None
    assert form.errors == {"ends_on": ["The end is before the start."]}
    assert not form.is_valid()


def test_a_refusal_naming_a_field_the_form_lacks_is_shown_for_the_whole_form() -> None:
    form = _valid_form()
    assert submit(form, _refuse(ValidationError({"patient": "Not enrolled."}))) is None
    assert form.non_field_errors() == ["Not enrolled."]


def test_a_refusal_without_fields_is_shown_for_the_whole_form() -> None:
    form = _valid_form()
    assert submit(form, _refuse(ValidationError(["Locked.", "Ask a supervisor."]))) is None
    assert form.non_field_errors() == ["Locked.", "Ask a supervisor."]


def test_rename_puts_the_services_field_errors_on_the_forms_fields() -> None:
    form = _valid_form()
    action = _refuse(ValidationError({"ends_at": "Too late.", "patient": "Not enrolled."}))
    assert submit(form, action, rename={"ends_at": "ends_on", "patient": None}) is None
    assert form.errors["ends_on"] == ["Too late."]
    assert form.non_field_errors() == ["Not enrolled."]


def test_rename_keeps_every_message_when_two_names_meet() -> None:
    exc = ValidationError({"patient": "Not enrolled.", NON_FIELD_ERRORS: "Session is over."})
    renamed = rename_fields(exc, {"patient": None})
    assert sorted(renamed.message_dict[NON_FIELD_ERRORS]) == ["Not enrolled.", "Session is over."]


def test_rename_leaves_an_error_without_fields_as_it_is() -> None:
    exc = ValidationError("Locked.")
    assert rename_fields(exc, {"status": "attendance_status"}) is exc


def test_other_refusals_pass_through_to_the_refusal_pages() -> None:
    form = _valid_form()
    with pytest.raises(PermissionDenied):
        submit(form, _refuse(PermissionDenied("No.")))
    assert form.errors == {}


@pytest.mark.parametrize(("method", "status"), [("get", 200), ("post", INVALID)])
def test_a_form_page_is_422_only_when_a_post_comes_back(method: str, status: int) -> None:
    request = getattr(RequestFactory(), method)("/")
    assert form_status(request) == status


@override_settings(TEMPLATES=LOCMEM_TEMPLATES)
def test_render_form_shows_the_refusal_with_422() -> None:
    form = _valid_form()
    submit(form, _refuse(ValidationError("Locked.")))
    response = render_form(RequestFactory().post("/"), "form.html", {"form": form})
    assert response.status_code == 422
    assert response.content == b"[Locked.]"


@override_settings(TEMPLATES=LOCMEM_TEMPLATES)
def test_render_form_keeps_a_status_the_view_chose() -> None:
    response = render_form(RequestFactory().post("/"), "form.html", {"form": None}, status=200)
    assert response.status_code == 200
