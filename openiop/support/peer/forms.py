"""Forms of the peer support pages: a peer contact, an alumni event, who came to it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from openiop.organization.models import Program
from openiop.patients.models import Patient
from openiop.support.models import PeerContactKind
from openiop.support.peer.services import MAX_MINUTES


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PeerContactForm(forms.Form):
    contacted_on = forms.DateField(label="Day", widget=DateInput)
    kind = forms.ChoiceField(label="How", choices=[("", "Choose…"), *PeerContactKind.choices])
    minutes = forms.IntegerField(
        label="Minutes",
        required=False,
        help_text=f"How long, from 1 to {MAX_MINUTES}. Leave blank if not known.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProgramChoiceField(forms.ModelChoiceField[Program]):
    def label_from_instance(self, obj: Program) -> str:
        return f"{obj.name} ({obj.site.name})"


class AlumniEventForm(forms.Form):
    program = ProgramChoiceField(
        label="Program", queryset=Program.objects.none(), empty_label="Choose…"
    )
    title = forms.CharField(label="Name of the event", max_length=200)
    starts_at = forms.DateTimeField(label="Starts", widget=DateTimeInput())
    place = forms.CharField(label="Place", required=False, max_length=300)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs


class AlumnusChoiceField(forms.ModelChoiceField[Patient]):
    def label_from_instance(self, obj: Patient) -> str:
        return f"{obj.last_name}, {obj.first_name} (record {obj.mrn})"


class AttendanceForm(forms.Form):
    patient = AlumnusChoiceField(
        label="Who came",
        queryset=Patient.objects.none(),
        empty_label="Choose…",
        help_text="People who finished treatment in this program.",
    )

    def __init__(self, *args: Any, alumni: QuerySet[Patient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["patient"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = alumni
