"""The staff form for a family event (times in the program's site time zone)."""

from __future__ import annotations

from django import forms

from openiop.patients.forms import DateInput


class TimeInput(forms.TimeInput):
    input_type = "time"


class FamilyEventForm(forms.Form):
    title = forms.CharField(label="Title", max_length=120, required=False)
    day = forms.DateField(label="Date", required=False, widget=DateInput())
    start = forms.TimeField(label="Starts at", required=False, widget=TimeInput())
    end = forms.TimeField(label="Ends at", required=False, widget=TimeInput())
    where = forms.CharField(
        label="Where",
        max_length=200,
        required=False,
        help_text="A room, an address or a video link.",
    )
