"""Forms of the discharge pages. They parse and check input shape; rules live in
``discharge.services``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django import forms

from openiop.care.models import DischargeScope, DischargeType
from openiop.care.pages import DateInput, local_today
from openiop.intake import state_reporting_choices as sc

NOT_COLLECTED = "Not collected"


def _optional(choices: list[tuple[str, str]], label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", NOT_COLLECTED), *choices], required=False, label=label, help_text=help_text
    )


# The discharge's answers for the state's treatment episode report (SAMHSA TEDS), optional.
STATE_FIELDS = (
    "other_ending",
    "employment",
    "not_in_labor_force",
    "living",
    "frequency_1",
    "frequency_2",
    "frequency_3",
    "arrests_30d",
    "self_help_30d",
)


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
    other_ending = forms.ChoiceField(
        choices=[("", "None of these"), *sc.OtherEnding.choices],
        required=False,
        label="Treatment ended because the patient",
        help_text="Only if the type of discharge does not say it. No alumni follow-up is "
        "scheduled after a death.",
    )
    employment = _optional(sc.Employment.choices, "Employment at discharge")
    not_in_labor_force = _optional(sc.NotInLaborForce.choices, "If not looking for work")
    living = _optional(sc.Living.choices, "Living arrangement at discharge")
    frequency_1 = _optional(sc.UseFrequency.choices, "Use of the main substance, past month")
    frequency_2 = _optional(sc.UseFrequency.choices, "Use of the second substance, past month")
    frequency_3 = _optional(sc.UseFrequency.choices, "Use of the third substance, past month")
    arrests_30d = forms.IntegerField(
        min_value=0, max_value=30, required=False, label="Arrests in the past 30 days"
    )
    self_help_30d = _optional(sc.SelfHelp.choices, "Self-help group attendance, past 30 days")

    state_field_names = STATE_FIELDS

    def __init__(self, *args: Any, substances: Sequence[str] = (), **kwargs: Any) -> None:
        """``substances``: the main, second and third substance recorded at admission (their
        values, "" when not known): the questions about use name them."""
        super().__init__(*args, **kwargs)
        for i, value in enumerate(substances[:3], start=1):
            if value and value != sc.Substance.NONE and value in sc.Substance.values:
                name = str(sc.Substance(value).label)
                self.fields[
                    f"frequency_{i}"
                ].label = f"Use of {name[:1].lower()}{name[1:]} in the last 30 days"
        if not self.is_bound:
            today = local_today()
            for i, days in enumerate((30, 91, 182, 365), start=1):
                self.initial[f"follow_up_{i}"] = today + timedelta(days=days)

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or DischargeScope.EVERY_TRACK

    def follow_ups(self) -> list[date]:
        return [d for i in range(1, 5) if (d := self.cleaned_data.get(f"follow_up_{i}"))]

    def state_details(self) -> dict[str, Any]:
        """The answers for the state's report (empty text or None when not collected)."""
        return {name: self.cleaned_data.get(name) for name in STATE_FIELDS}


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
