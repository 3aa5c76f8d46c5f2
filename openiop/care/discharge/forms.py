"""Forms of the discharge pages. They parse and check input shape; rules live in
``discharge.services``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from openiop.care.models import DischargeScope, DischargeType
from openiop.care.pages import DateInput, local_today


class DischargeForm(forms.Form):
    kind = forms.ChoiceField(choices=DischargeType.choices, label="Type of discharge")
    scope = forms.ChoiceField(
        choices=DischargeScope.choices,
        initial=DischargeScope.EVERY_TRACK,
        widget=forms.RadioSelect,
        label="What ends",
        required=False,
    )
    discharged_on = forms.DateField(widget=DateInput, initial=local_today)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)
    next_provider = forms.CharField(max_length=300, required=False, label="Next provider")
    peer_groups = forms.CharField(max_length=300, required=False)
    medications = forms.CharField(max_length=500, required=False)
    crisis_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Who to call and what to do in a crisis (988 Suicide & Crisis Lifeline).",
    )
    follow_up_1 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 1")
    follow_up_2 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 2")
    follow_up_3 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 3")
    follow_up_4 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 4")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = local_today()
            for i, days in enumerate((30, 91, 182, 365), start=1):
                self.initial[f"follow_up_{i}"] = today + timedelta(days=days)

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or DischargeScope.EVERY_TRACK

    def follow_ups(self) -> list[date]:
        return [d for i in range(1, 5) if (d := self.cleaned_data.get(f"follow_up_{i}"))]


class AgeOutReviewForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        label="What was decided",
        help_text="For example: stays in this track until the end of the school year, "
        "reviewed with the patient and family; or: admit to an adult track.",
    )


class FollowUpForm(forms.Form):
    done_on = forms.DateField(widget=DateInput, initial=local_today, label="Reached on")
    outcome = forms.CharField(max_length=500, label="How they are doing")
