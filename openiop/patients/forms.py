"""Patient forms: registration (with emergency contact), search, emergency access."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from openiop.core.forms import set_queryset
from openiop.organization.models import Program, Site
from openiop.patients.models import Contact, Patient
from openiop.patients.services import PATIENT_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"


def _check_dob(value: date) -> date:
    if value > timezone.localdate():
        raise forms.ValidationError("The date of birth cannot be in the future.")
    if value < date(1900, 1, 1):
        raise forms.ValidationError("Enter a date of birth after 1900.")
    return value


class PatientForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = list(PATIENT_FIELDS)
        widgets = {"date_of_birth": DateInput()}

    def clean_date_of_birth(self) -> date:
        return _check_dob(self.cleaned_data["date_of_birth"])


class RegisterForm(PatientForm):
    site = forms.ModelChoiceField(queryset=Site.objects.none())
    program = forms.ModelChoiceField(queryset=Program.objects.none(), required=False)
    ec_name = forms.CharField(label="Emergency contact name", max_length=200, required=False)
    ec_relationship = forms.CharField(label="Relationship", max_length=60, required=False)
    ec_phone = forms.CharField(label="Emergency contact phone", max_length=30, required=False)
    confirm_not_duplicate = forms.BooleanField(
        required=False, label="This is a different person: register anyway"
    )

    def __init__(self, *args: Any, sites: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "site", sites)
        set_queryset(self, "program", programs)
        self.order_fields(["site", "program", *PATIENT_FIELDS])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site, program = data.get("site"), data.get("program")
        if site and program and program.site_id != site.pk:
            self.add_error("program", "This program is run at another site.")
        if data.get("ec_name") and not data.get("ec_phone"):
            self.add_error("ec_phone", "Give a phone number for the emergency contact.")
        if data.get("ec_phone"):
            contact = Contact(
                name=data.get("ec_name") or "x", relationship="x", phone=data["ec_phone"]
            )
            try:
                contact.full_clean(exclude=["patient"])
            except forms.ValidationError as exc:
                for message in exc.message_dict.get("phone", []):
                    self.add_error("ec_phone", message)
        return data


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = ["name", "relationship", "phone", "email", "is_emergency"]


class SearchForm(forms.Form):
    text = forms.CharField(label="Name or record number", max_length=100, required=False)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DateInput())
    similar = forms.BooleanField(label="Include similar names", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("text", "").strip() and not data.get("date_of_birth"):
            raise forms.ValidationError("Enter a name, a record number or a date of birth.")
        return data


class BreakGlassForm(forms.Form):
    mrn = forms.CharField(label="Record number", max_length=20)
    reason = forms.CharField(
        label="Reason for emergency access",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hours = forms.TypedChoiceField(
        label="For how long",
        coerce=int,
        choices=[
            (h, f"{h} hour{'s' if h > 1 else ''}")
            for h in range(1, settings.BREAK_GLASS_MAX_HOURS + 1)
        ],
        initial=1,
    )
