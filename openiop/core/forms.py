"""Form helpers shared by the apps, and the one way a form page says no.

A form view parses with its form, calls one service through `submit` and, when the service
refuses (a Django `ValidationError`), shows the refusal on the form and re-renders it with
`render_form`: status 422 for a POST that comes back (a successful POST redirects), 200 for
the first GET. The API says the same no as problem JSON (`core.api`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

T = TypeVar("T")

# 422 Unprocessable Content (RFC 9110 15.5.21): the request was understood, its content refused.
INVALID = 422


def set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Limit a choice field to what the user may pick (their organization's objects)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def apply_validation_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where it can."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def rename_fields(exc: ValidationError, names: Mapping[str, str | None]) -> ValidationError:
    """The same errors under the caller's field names (a service's `check_in_at` is a form's
    `check_in`, an API's `attendance_status` is a service's `status`); a name mapped to None
    becomes an error of the whole input. Errors without fields are returned as they are."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        renamed.setdefault(names.get(field, field) or NON_FIELD_ERRORS, []).extend(messages)
    return ValidationError(renamed)


def submit(
    form: forms.BaseForm,
    action: Callable[[dict[str, Any]], T],
    *,
    rename: Mapping[str, str | None] | None = None,
) -> T | None:
    """Call a service with the valid form's cleaned data and return what it returns; when it
    refuses with a ValidationError, put the errors on the form and return None.

    Every service returns what it wrote, so None means "refused: re-render the form". `rename`
    maps the service's field names to the form's where they differ (see `rename_fields`).
    Other exceptions (PermissionDenied, Http404) pass through to the usual refusal pages.
    """
    try:
        return action(getattr(form, "cleaned_data", {}))
    except ValidationError as exc:
        apply_validation_error(form, rename_fields(exc, rename) if rename else exc)
        return None


def form_status(request: HttpRequest) -> int:
    """422 for a POST whose form comes back (a successful POST redirects instead), else 200."""
    return INVALID if request.method == "POST" else 200


def render_form(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int | None = None
) -> HttpResponse:
    """Render a form page with `form_status` unless the view knows better (`status`)."""
    return render(
        request, template, context, status=form_status(request) if status is None else status
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit report. Only user names, internal ids, actions and dates: no PHI."""

    username = forms.CharField(max_length=150, required=False)
    patient = forms.IntegerField(label="Patient id", required=False, min_value=1)
    action = forms.ChoiceField(required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    break_glass_only = forms.BooleanField(required=False, label="Emergency access only")
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-seq", "Newest first"),
            ("seq", "Oldest first"),
            ("username", "User"),
            ("action", "Action"),
            ("patient_id_value", "Patient"),
            ("object_type", "Object"),
            ("client_ip", "Client address"),
            ("-break_glass", "Emergency access first"),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from openiop.core.models import AuditAction

        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", "Any"), *AuditAction.choices]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end of the period is before its start.")
        return data
