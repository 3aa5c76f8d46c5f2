"""The consent a patient signs in the portal: the staff consent form, restricted to a
named recipient and an on-screen signature by the patient (42 CFR 2.31(a))."""

from __future__ import annotations

from typing import Any

from django import forms

from openiop.domain.consent import DATA, PURPOSES, RECIPIENT_KINDS
from openiop.privacy.forms import ConsentForm
from openiop.privacy.services import PATIENT_PURPOSES, PATIENT_RECIPIENT_KINDS

# Fixed in the portal: the kind (named recipient), who discloses (the program), who signs
# (the patient, on screen, today).
FIXED = (
    "kind",
    "disclosing_party",
    "signer_name",
    "signer_relation",
    "signed_on",
    "signature_method",
    "scan",
)


class PatientConsentForm(ConsentForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, clients=None, **kwargs)
        for name in FIXED:
            del self.fields[name]
        f = self.fields
        f["recipient_kind"].label = "Who is it?"
        f["recipient_kind"].choices = [  # type: ignore[attr-defined]
            ("", "Choose…"),
            *((k, RECIPIENT_KINDS[k]) for k in PATIENT_RECIPIENT_KINDS),
        ]
        f["recipient_kind"].initial = "family"
        f["recipient_name"].label = "Their full name (or the organization's name)"
        f["purpose"].label = "Why they may receive it"
        f["purpose"].choices = [  # type: ignore[attr-defined]
            ("", "Choose…"),
            *((k, PURPOSES[k]) for k in PATIENT_PURPOSES),
        ]
        f["purpose"].initial = "family"
        f["purpose_detail"].label = "In your own words (optional)"
        f["information"].label = "What information they may receive"
        f["information"].choices = [  # type: ignore[attr-defined]
            (k, v) for k, v in DATA.items() if k != "sud_notes"
        ]
        f["data_detail"].label = "Any limit (optional)"
        f["data_detail"].help_text = "For example: only the last month."
        f["expires_on"].label = "Ends on"
        f["ends_with_treatment"].label = "Or: ends when my treatment ends"
        f["typed_name"].label = "Type your full name to sign"
        f["agreed"].label = "I agree: I have read this consent and I sign it"

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "information"}
        data["data"] = list(self.cleaned_data.get("information") or [])
        return data


class RevokeConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, I revoke this consent from now on", required=False)
