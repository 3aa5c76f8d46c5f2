"""Forms of the billing setup pages: a payer, the billing provider, the fee schedule, the
programs' billing policy. They parse; the services of `openiop.billing.setup` decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from openiop.billing.models import (
    VIDEO_PLACE_LABEL,
    BillingProvider,
    ClaimType,
    FilingIndicator,
    Payer,
    VideoPlaceOfService,
)
from openiop.billing.setup import (
    REVENUE_FIELDS,
    FeeCode,
    ProgramRow,
    fee_field,
    parse_fee,
    video_place_field,
)
from openiop.domain.billing.identifiers import PLACE_OF_SERVICE

DIGITS = {"inputmode": "numeric", "autocomplete": "off"}


PLACE_OF_SERVICE_CHOICES = [(code, f"{code} {words}") for code, words in PLACE_OF_SERVICE.items()]


class PayerForm(forms.Form):
    name = forms.CharField(label="Payer name", max_length=120)
    payer_id = forms.CharField(
        label="Payer id",
        max_length=40,
        help_text="The payer's electronic id, from the payer or the clearinghouse.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    claim_type = forms.ChoiceField(label="Claim form", choices=ClaimType.choices)
    filing_indicator = forms.ChoiceField(
        label="Kind of coverage (sent on claims)", choices=FilingIndicator.choices
    )
    is_medicare = forms.BooleanField(
        label="Medicare",
        required=False,
        help_text="Medicare claims carry the intensive outpatient condition code and need a "
        "physician's certification.",
    )
    place_of_service = forms.ChoiceField(
        label="Place of service",
        choices=PLACE_OF_SERVICE_CHOICES,
        help_text="From the CMS place-of-service code set; sent on professional claims.",
    )
    revenue_h0015 = forms.CharField(
        label="Revenue code for H0015 (substance use, per day)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="4 digits from the NUBC revenue code list, e.g. 0906; needed for "
        "institutional claims.",
    )
    revenue_s9480 = forms.CharField(
        label="Revenue code for S9480 (psychiatric, per day)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="4 digits from the NUBC revenue code list, e.g. 0905; needed for "
        "institutional claims.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = (self.initial or {}).get("place_of_service", "")
        if saved and saved not in PLACE_OF_SERVICE:
            # Never preselect another code silently: show the saved one, asking for a choice.
            field = self.fields["place_of_service"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                ("", f"{saved} (saved earlier, not in this list: choose one)"),
                *PLACE_OF_SERVICE_CHOICES,
            ]
            self.initial["place_of_service"] = ""

    @classmethod
    def initial_of(cls, payer: Payer) -> dict[str, Any]:
        codes = payer.revenue_codes or {}
        return {
            "name": payer.name,
            "payer_id": payer.payer_id,
            "claim_type": payer.claim_type,
            "filing_indicator": payer.filing_indicator,
            "is_medicare": payer.is_medicare,
            "place_of_service": payer.place_of_service,
            **{field: codes.get(code, "") for code, field in REVENUE_FIELDS.items()},
        }

    def service_data(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["revenue_codes"] = {code: d.pop(field) for code, field in REVENUE_FIELDS.items()}
        return d


class ProviderForm(forms.Form):
    name = forms.CharField(label="Billing provider name", max_length=60)
    npi = forms.CharField(
        label="NPI (National Provider Identifier)",
        max_length=12,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="10 digits.",
    )
    tax_id = forms.CharField(
        label="Tax id (employer identification number)",
        max_length=12,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="9 digits.",
    )
    taxonomy = forms.CharField(
        label="Taxonomy code",
        max_length=10,
        required=False,
        help_text="10 letters or digits, e.g. 261QR0405X.",
    )
    address = forms.CharField(label="Street address", max_length=55)
    city = forms.CharField(label="City", max_length=30)
    state = forms.CharField(
        label="State", max_length=2, widget=forms.TextInput(attrs={"autocapitalize": "characters"})
    )
    zip_code = forms.CharField(
        label="ZIP+4",
        max_length=10,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="9 digits, e.g. 97477-1234.",
    )
    contact_name = forms.CharField(label="Billing contact", max_length=60)
    contact_phone = forms.CharField(
        label="Billing contact phone",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text="10 digits.",
    )
    submitter_id = forms.CharField(label="Our submitter id at the clearinghouse", max_length=15)
    receiver_name = forms.CharField(label="Clearinghouse name", max_length=60)
    receiver_id = forms.CharField(label="Clearinghouse id", max_length=15)
    attending_last_name = forms.CharField(label="Attending physician, last name", max_length=60)
    attending_first_name = forms.CharField(label="Attending physician, first name", max_length=35)
    attending_npi = forms.CharField(
        label="Attending physician's NPI",
        max_length=12,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="10 digits.",
    )
    facility_type = forms.CharField(
        label="Facility type on institutional claims",
        max_length=2,
        widget=forms.TextInput(attrs=DIGITS),
        help_text="2 digits: the start of the type of bill, e.g. 13.",
    )
    production = forms.BooleanField(
        label="Send claim files as production files",
        required=False,
        help_text="Leave this off while testing with the clearinghouse.",
    )

    @classmethod
    def initial_of(cls, provider: BillingProvider) -> dict[str, Any]:
        return {name: getattr(provider, name) for name in cls.base_fields}


class FeesForm(forms.Form):
    """One amount per procedure code the program charges (`fee_<code>`)."""

    def __init__(self, *args: Any, codes: list[FeeCode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes
        for fee in codes:
            self.fields[fee_field(fee.code)] = forms.CharField(
                label=f"{fee.code}: {fee.words}",
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    @classmethod
    def initial_of(cls, provider: BillingProvider | None) -> dict[str, str]:
        fees = (provider.fees or {}) if provider is not None else {}
        return {fee_field(str(code)): str(amount) for code, amount in fees.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for fee in self.codes:
            name = fee_field(fee.code)
            try:
                data[name] = parse_fee(str(data.get(name) or ""))
            except ValueError:
                self.add_error(name, "Give the amount as a number, for example 162.50.")
        return data

    def service_data(self) -> dict[str, Decimal | None]:
        return {fee.code: self.cleaned_data.get(fee_field(fee.code)) for fee in self.codes}

    def rows(self) -> list[tuple[FeeCode, forms.BoundField]]:
        return [(fee, self[fee_field(fee.code)]) for fee in self.codes]


class ProgramBillingForm(forms.Form):
    """Each program's billing policy: where its patients usually join video sessions from
    (`video_place_<program id>`)."""

    def __init__(self, *args: Any, programs: list[ProgramRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programs = programs
        for row in programs:
            name = video_place_field(row.program.pk)
            self.fields[name] = forms.ChoiceField(
                label=VIDEO_PLACE_LABEL,
                choices=VideoPlaceOfService.choices,
                widget=forms.RadioSelect,
                help_text="Sent on professional claims for a day the patient attended only by "
                "video; a day with any time in person keeps the payer's usual place of service.",
            )
            self.initial.setdefault(name, row.video_place_of_service)

    def service_data(self) -> dict[int, str]:
        return {
            row.program.pk: self.cleaned_data[video_place_field(row.program.pk)]
            for row in self.programs
        }

    def rows(self) -> list[tuple[ProgramRow, forms.BoundField]]:
        return [(row, self[video_place_field(row.program.pk)]) for row in self.programs]
