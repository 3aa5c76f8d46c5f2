"""Form helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet


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
