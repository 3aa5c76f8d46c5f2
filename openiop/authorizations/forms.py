from __future__ import annotations

from typing import Any

from django import forms

from openiop.authorizations.models import UnitKind
from openiop.billing.models import Payer
from openiop.domain.authorization import DEFAULT_REVIEW_LEAD_BUSINESS_DAYS

DATE = forms.DateInput(attrs={"type": "date"})


class WorkListForm(forms.Form):
    within = forms.IntegerField(
        label="Running out within (days)", min_value=1, max_value=365, required=False
    )


class PatientChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.mrn}: {obj.last_name}, {obj.first_name}"


class AuthorizationForm(forms.Form):
    payer = forms.ModelChoiceField(queryset=Payer.objects.none())
    service = forms.CharField(
        label="Service code",
        max_length=10,
        help_text="H0015 (substance use IOP), S9480 (mental health IOP) or another code.",
        widget=forms.TextInput(attrs={"list": "service-codes"}),
    )
    unit_kind = forms.ChoiceField(label="Units are", choices=UnitKind.choices)
    units_authorized = forms.DecimalField(label="Units authorized", max_digits=7, decimal_places=2)
    starts_on = forms.DateField(label="First day", widget=DATE)
    ends_on = forms.DateField(label="Last day", widget=DATE)
    number = forms.CharField(label="Authorization number", max_length=40)
    review_contact_name = forms.CharField(label="Review contact", max_length=120, required=False)
    review_contact_phone = forms.CharField(label="Review phone", max_length=40, required=False)
    review_lead_business_days = forms.IntegerField(
        label="Ask for the review this many business days ahead",
        initial=DEFAULT_REVIEW_LEAD_BUSINESS_DAYS,
        help_text="Program policy; a payer's contract may ask for more.",
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        organization_id: int,
        patients: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if patients is not None:
            self.fields = {
                "patient": PatientChoice(queryset=patients.order_by("mrn"), label="Patient"),
                **self.fields,
            }
        self.fields["payer"].queryset = Payer.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id
        )
