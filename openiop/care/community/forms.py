"""Forms of the community-support page. They parse and check input shape; rules live in
``community.services``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms

from openiop.care.models import FamilyInvolvement, MeetingKind
from openiop.care.pages import DateInput, local_today


class PeerMeetingsForm(forms.Form):
    week_start = forms.DateField(widget=DateInput, label="Week of (any day)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in MeetingKind.choices:
            self.fields[f"count_{kind}"] = forms.IntegerField(
                min_value=0, max_value=30, initial=0, label=str(label)
            )
        if not self.is_bound:
            self.initial.setdefault("week_start", local_today() - timedelta(days=7))

    def counts(self) -> dict[str, int]:
        return {k: self.cleaned_data[f"count_{k}"] for k in MeetingKind.values}


class SupportForm(forms.Form):
    last_use_reported_on = forms.DateField(
        widget=DateInput, required=False, label="Last use, as the patient reports it"
    )
    has_sponsor_or_mentor = forms.BooleanField(required=False, label="Has a sponsor or mentor")
    sponsor_name = forms.CharField(max_length=200, required=False, label="Sponsor or mentor")
    sober_supports = forms.IntegerField(
        min_value=0, max_value=50, initial=0, label="Sober supports (people they can call)"
    )
    sober_supports_notes = forms.CharField(max_length=500, required=False, label="Who they are")
    family_involvement = forms.ChoiceField(choices=FamilyInvolvement.choices)
    family_notes = forms.CharField(max_length=500, required=False)
