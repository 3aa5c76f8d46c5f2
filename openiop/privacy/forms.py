"""Consent, revocation, notice and emergency-disclosure forms. The forms parse; the 2.31
elements are checked by the service (`missing_elements`), so its errors, which cite the
regulation, are the ones shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from openiop.domain.consent import same_name
from openiop.fhir.models import FhirClient
from openiop.patients.forms import DateInput
from openiop.privacy.limits import MAX_SCAN_BYTES
from openiop.privacy.models import (
    DATA_CHOICES,
    PURPOSE_CHOICES,
    RECIPIENT_KIND_CHOICES,
    ConsentKind,
    NoticeMethod,
    RevocationMethod,
    SignatureMethod,
    SignerRelation,
)
from openiop.support.models import Partner

PARTNER_KIND = "service_partner"


class FhirClientChoice(forms.ModelChoiceField[FhirClient]):
    """A registered FHIR system client, labelled with its name and kind."""

    def label_from_instance(self, obj: FhirClient) -> str:
        return f"{obj.name} ({obj.get_recipient_kind_display().lower()})"


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of consent", choices=ConsentKind.choices, widget=forms.RadioSelect
    )
    disclosing_party = forms.CharField(
        label="Who may disclose", max_length=200, required=False, help_text="The program."
    )
    recipient_kind = forms.ChoiceField(
        label="Kind of recipient",
        choices=[("", "Choose…"), *RECIPIENT_KIND_CHOICES],
        required=False,
    )
    recipient_name = forms.CharField(label="To whom", max_length=200, required=False)
    # A named consent binds to a registered system only through this choice (its key
    # `fhir-client:<id>`), never by name: the field is shown only when the organization has an
    # active client (`clients`), and the service checks the choice again.
    fhir_client = FhirClientChoice(
        label="A registered system (FHIR client)",
        queryset=FhirClient.objects.none(),
        required=False,
        empty_label="None",
        help_text="Only if the patient named this system. The consent then covers it, and "
        "only it, through the API.",
    )
    # A consent to a service partner binds to the directory's partner through this choice (its
    # key `partner:<id>`), so renaming a partner or adding one with a like name never moves
    # the consent. A name typed without a choice stays allowed: a partner not yet listed.
    partner = forms.ModelChoiceField(
        label="Partner from the directory (optional)",
        queryset=Partner.objects.none(),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of your organization's active partners."},
        help_text="Only for a service partner: the consent then covers this partner, and only "
        "it, whatever its name becomes.",
    )
    purpose = forms.ChoiceField(
        label="Purpose", choices=[("", "Choose…"), *PURPOSE_CHOICES], required=False
    )
    purpose_detail = forms.CharField(
        label="Purpose in the patient's words", max_length=300, required=False
    )
    information = forms.MultipleChoiceField(
        label="What information",
        choices=DATA_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    data_detail = forms.CharField(
        label="How much",
        max_length=300,
        required=False,
        help_text="For example a period or a limit.",
    )
    expires_on = forms.DateField(label="Expires on", required=False, widget=DateInput())
    ends_with_treatment = forms.BooleanField(label="Ends at the end of treatment", required=False)
    signer_name = forms.CharField(label="Signed by", max_length=200, required=False)
    signer_relation = forms.ChoiceField(
        label="The signer is", choices=SignerRelation.choices, initial=SignerRelation.PATIENT
    )
    signed_on = forms.DateField(label="Signed on", required=False, widget=DateInput())
    signature_method = forms.ChoiceField(
        label="How it was signed",
        choices=SignatureMethod.choices,
        widget=forms.RadioSelect,
        initial=SignatureMethod.SCREEN,
    )
    typed_name = forms.CharField(
        label="Signer types their full name", max_length=200, required=False
    )
    agreed = forms.BooleanField(label="I have read this consent and sign it", required=False)
    scan = forms.FileField(
        label="Scan of the signed paper (PDF, PNG or JPEG, at most 5 MB)", required=False
    )

    def __init__(
        self,
        *args: Any,
        clients: QuerySet[FhirClient] | None = None,
        partners: QuerySet[Partner] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        partner_field = self.fields["partner"]
        assert isinstance(partner_field, forms.ModelChoiceField)
        if partners is None:  # the portal's form: the patient names the recipient
            del self.fields["partner"]
        else:
            partner_field.queryset = partners
        field = self.fields["fhir_client"]
        assert isinstance(field, forms.ModelChoiceField)
        if clients is not None:
            field.queryset = clients
        if clients is None or not clients.exists():
            del self.fields["fhir_client"]

    def clean_scan(self) -> Any:
        upload = self.cleaned_data.get("scan")
        if upload is not None and upload.size > MAX_SCAN_BYTES:
            raise forms.ValidationError(
                "The scan is larger than 5 MB; scan it at a lower resolution."
            )
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        partner = data.get("partner")
        if partner is None:
            return data  # (a typed name alone: a partner not yet in the directory)
        if data.get("kind") == ConsentKind.TPO:
            self.add_error(
                "partner",
                "A treatment, payment and operations consent names no one "
                "(42 CFR 2.31(a)(4)(i)): leave the partner empty.",
            )
        elif data.get("recipient_kind") != PARTNER_KIND:
            self.add_error("partner", "A partner from the directory is a service partner.")
        elif data.get("fhir_client") is not None:
            self.add_error("partner", "Choose a partner or a registered system, not both.")
        else:
            name = (data.get("recipient_name") or "").strip()
            if not name:
                data["recipient_name"] = partner.name
            elif not same_name(name, partner.name):
                self.add_error("recipient_name", "The name differs from the partner's name.")
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["data"] = data.pop("information", [])
        upload = data.pop("scan", None)
        data["scan"] = upload.read() if upload is not None else None
        # (an upload over the limit never gets here: `clean_scan` refuses it unread)
        data["scan_type"] = getattr(upload, "content_type", "") or ""
        client = data.pop("fhir_client", None)
        data["fhir_client"] = client.pk if client is not None else None
        partner = data.pop("partner", None)
        if partner is not None:
            data["recipient_name"] = partner.name
            data["recipient_key"] = f"partner:{partner.pk}"
        return data


class RevokeForm(forms.Form):
    method = forms.ChoiceField(
        label="How the patient revoked it",
        choices=RevocationMethod.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the patient said it: what they said, and when.",
    )


class NoticeForm(forms.Form):
    method = forms.ChoiceField(
        label="How the notice was given", choices=NoticeMethod.choices, widget=forms.RadioSelect
    )
    given_on = forms.DateField(label="Given on", widget=DateInput())
    acknowledged = forms.BooleanField(
        label="The patient signed that they received it", required=False
    )


class EmergencyForm(forms.Form):
    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["data"] = data.pop("information", [])
        return data

    personnel = forms.CharField(
        label="Medical staff who received the information", max_length=200, required=False
    )
    affiliation = forms.CharField(label="Their hospital or service", max_length=200, required=False)
    nature = forms.CharField(
        label="Nature of the emergency",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    information = forms.MultipleChoiceField(
        label="What information was disclosed",
        choices=[c for c in DATA_CHOICES if c[0] != "sud_notes"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label="Anything else to record", max_length=300, required=False)
