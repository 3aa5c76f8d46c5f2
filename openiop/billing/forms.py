from __future__ import annotations

from typing import Any

from django import forms

from openiop.billing.models import Payer, Relationship

DATE = forms.DateInput(attrs={"type": "date"})


class PeriodForm(forms.Form):
    first_day = forms.DateField(label="From", widget=DATE)
    last_day = forms.DateField(label="To", widget=DATE)


class CoverageForm(forms.Form):
    rank = forms.IntegerField(label="Billing order (1 = primary)", min_value=1, max_value=9)
    self_pay = forms.BooleanField(label="Self-pay", required=False)
    payer = forms.ModelChoiceField(queryset=Payer.objects.none(), required=False)
    member_id = forms.CharField(label="Member id", max_length=40, required=False)
    subscriber_name = forms.CharField(label="Subscriber", max_length=120, required=False)
    relationship = forms.ChoiceField(
        label="Subscriber is the patient's", choices=Relationship.choices
    )
    eligibility_checked_on = forms.DateField(
        label="Eligibility checked on", required=False, widget=DATE
    )
    guarantor_name = forms.CharField(label="Guarantor", max_length=120, required=False)

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id
        )


class CertificationForm(forms.Form):
    physician_name = forms.CharField(label="Certifying physician", max_length=120)
    certified_on = forms.DateField(label="Certified on", widget=DATE)
    recertify_by = forms.DateField(label="Recertify by", widget=DATE)


MAX_REMITTANCE_BYTES = 5 * 1024 * 1024


class RemittanceForm(forms.Form):
    file = forms.FileField(label="Payment file (835) from the payer or clearinghouse")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REMITTANCE_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        try:
            return str(upload.read().decode("ascii"))
        except UnicodeDecodeError:
            raise forms.ValidationError("This is not a payment file (835).") from None
