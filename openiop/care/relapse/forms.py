"""Forms of the relapse-response pages. They parse and check input shape; rules live in
``relapse.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from openiop.accounts.models import User
from openiop.care.models import RelapseSource, SafetyFinding
from openiop.care.pages import DateInput
from openiop.core.forms import set_queryset


class RelapseOpenForm(forms.Form):
    source = forms.ChoiceField(
        choices=[c for c in RelapseSource.choices if c[0] != RelapseSource.POSITIVE_SCREEN],
        label="Who told us",
    )
    occurred_on = forms.DateField(widget=DateInput, label="When the use happened (best estimate)")
    substances = forms.CharField(max_length=200, required=False)
    description = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What happened, in the patient's or reporter's words",
    )


class SafetyCheckForm(forms.Form):
    findings = forms.MultipleChoiceField(
        choices=SafetyFinding.choices, widget=forms.CheckboxSelectMultiple, label="Findings"
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanStepForm(forms.Form):
    revise = forms.BooleanField(required=False, label="Start a revision of the signed plan")
    note = forms.CharField(
        max_length=500,
        label="What changes, or why the current plan already covers this",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _staff_label(user: Any) -> str:
    return f"{user.display_name} ({user.get_role_display()})"


class NotifyForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, label="Care team"
    )
    text = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Message"
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "recipients", staff)
        recipients = self.fields["recipients"]
        assert isinstance(recipients, forms.ModelMultipleChoiceField)
        recipients.label_from_instance = _staff_label  # type: ignore[method-assign,assignment]
