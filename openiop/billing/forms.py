from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from openiop.billing.models import Payer, Relationship

DATE = forms.DateInput(attrs={"type": "date"})


class PeriodForm(forms.Form):
    first_day = forms.DateField(label="From", widget=DATE)
    last_day = forms.DateField(label="To", widget=DATE)


class CoverageDetailsForm(forms.Form):
    """What a coverage says about the member and the subscriber (shared by add and edit)."""

    member_id = forms.CharField(label="Member id", max_length=40, required=False)
    relationship = forms.ChoiceField(
        label="Subscriber is the patient's", choices=Relationship.choices
    )
    subscriber_last_name = forms.CharField(
        label="Subscriber's last name",
        max_length=60,
        required=False,
        help_text="Needed when the subscriber is not the patient.",
    )
    subscriber_first_name = forms.CharField(
        label="Subscriber's first name",
        max_length=35,
        required=False,
        help_text="Needed when the subscriber is not the patient.",
    )
    eligibility_checked_on = forms.DateField(
        label="Eligibility checked on", required=False, widget=DATE
    )
    guarantor_name = forms.CharField(label="Guarantor", max_length=120, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        relationship = data.get("relationship")
        if relationship and relationship != Relationship.SELF:
            for name, words in (
                ("subscriber_last_name", "last name"),
                ("subscriber_first_name", "first name"),
            ):
                if not (data.get(name) or "").strip():
                    self.add_error(
                        name, f"Give the subscriber's {words}: the subscriber is not the patient."
                    )
        return data


class CoverageForm(CoverageDetailsForm):
    rank = forms.IntegerField(label="Billing order (1 = primary)", min_value=1, max_value=9)
    self_pay = forms.BooleanField(label="Self-pay", required=False)
    payer = forms.ModelChoiceField(queryset=Payer.objects.none(), required=False)

    field_order = [
        "rank",
        "self_pay",
        "payer",
        "member_id",
        "relationship",
        "subscriber_last_name",
        "subscriber_first_name",
        "eligibility_checked_on",
        "guarantor_name",
    ]

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id
        )


class CoverageEditForm(CoverageDetailsForm):
    """Edit a coverage: the payer and the billing order stay as they are."""


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


class EstimateForm(forms.Form):
    """Inputs of a cost estimate before admission. Plan terms are asked only when the
    patient's primary coverage is a plan (the good-faith estimate is for self-pay)."""

    starts_on = forms.DateField(label="Expected first program day", widget=DATE)
    weeks = forms.IntegerField(label="Expected weeks", min_value=1, max_value=52)
    days_per_week = forms.IntegerField(label="Program days a week", min_value=1, max_value=7)
    service_code = forms.ChoiceField(label="Service billed per program day")
    daily_rate = forms.DecimalField(
        label="Program's charge per day ($)",
        min_value=Decimal("0.01"),
        max_value=Decimal("10000.00"),
        decimal_places=2,
    )
    deductible_remaining = forms.DecimalField(
        label="Deductible left this plan year ($)",
        required=False,
        min_value=Decimal(0),
        decimal_places=2,
    )
    coinsurance_percent = forms.DecimalField(
        label="Coinsurance (%)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
    )
    copay_per_day = forms.DecimalField(
        label="Copay per program day ($)", required=False, min_value=Decimal(0), decimal_places=2
    )
    out_of_pocket_max_remaining = forms.DecimalField(
        label="Out-of-pocket maximum left ($)",
        required=False,
        min_value=Decimal(0),
        decimal_places=2,
    )

    PLAN_FIELDS = (
        "deductible_remaining",
        "coinsurance_percent",
        "copay_per_day",
        "out_of_pocket_max_remaining",
    )

    def __init__(self, *args: Any, codes: dict[str, str], good_faith: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_code"].choices = list(codes.items())  # type: ignore[attr-defined]
        if good_faith:
            for name in self.PLAN_FIELDS:
                del self.fields[name]
