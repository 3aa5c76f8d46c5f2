"""Forms of the drug-screen pages. They parse and check input shape; rules live in
``screens.services``."""

from __future__ import annotations

from typing import Any

from django import forms

from openiop.care.models import DEFAULT_PANEL, ResultValue, ScreenMethod, Specimen, SubstanceClass
from openiop.care.pages import DateInput, local_today


class PrescriptionForm(forms.Form):
    medication = forms.CharField(max_length=100, help_text="For example: buprenorphine-naloxone.")
    substance_class = forms.ChoiceField(
        choices=SubstanceClass.choices, label="Detected by screens as"
    )
    prescriber = forms.CharField(max_length=200, required=False)
    starts_on = forms.DateField(widget=DateInput, label="Prescribed from")
    ends_on = forms.DateField(widget=DateInput, label="Until", required=False)


class ScreenOrderForm(forms.Form):
    method = forms.ChoiceField(choices=ScreenMethod.choices)
    specimen = forms.ChoiceField(choices=Specimen.choices, initial=Specimen.URINE)
    panel = forms.MultipleChoiceField(
        choices=SubstanceClass.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_PANEL),
        label="Substance classes",
    )
    observed = forms.BooleanField(required=False, label="Observed collection")


class ScreenResultForm(forms.Form):
    collected_on = forms.DateField(widget=DateInput, label="Collected on", initial=local_today)

    def __init__(self, *args: Any, panel: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for cls in panel:
            self.fields[cls] = forms.ChoiceField(
                choices=ResultValue.choices,
                widget=forms.RadioSelect,
                initial=ResultValue.NEGATIVE,
                label=str(SubstanceClass(cls).label),
            )
        self.panel = panel

    def results(self) -> dict[str, str]:
        return {cls: self.cleaned_data[cls] for cls in self.panel}
