"""Forms of a claim's life after it is built: notes for a change, an acknowledgment file."""

from __future__ import annotations

from django import forms

from openiop.billing.forms import MAX_REMITTANCE_BYTES

NOTE = forms.Textarea(attrs={"rows": 2})


class AppealForm(forms.Form):
    note = forms.CharField(
        label="Grounds of the appeal and how it was sent", max_length=1000, widget=NOTE
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(label="Why it is withdrawn", max_length=1000, widget=NOTE)


class AnswerForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label="The payer",
        choices=[("yes", "accepted the claim for processing"), ("no", "rejected the claim")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="How you learned it", max_length=1000, widget=NOTE)


class AcknowledgmentForm(forms.Form):
    file = forms.FileField(
        label="Acknowledgment file (999 or 277CA) from the clearinghouse or payer"
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REMITTANCE_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        try:
            return str(upload.read().decode("ascii"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "This is not an acknowledgment file (999 or 277CA)."
            ) from None
