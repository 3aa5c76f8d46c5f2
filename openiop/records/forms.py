"""The small form before a record is downloaded: for the record inside the program, or for
someone outside it (a recipient from the patient's current consents, and the purpose)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from openiop.delivery.forms import ConsentChoice, DateInput
from openiop.domain.consent import PURPOSES
from openiop.privacy.models import Consent

INSIDE, OUTSIDE = "inside", "outside"
USES = [
    (INSIDE, "For the record inside the program"),
    (OUTSIDE, "For someone outside the program"),
]
# Why only the inside use is offered: the patient has no consent in effect to a named recipient.
NO_CONSENT = (
    "No written consent in effect names someone outside the program: a copy can only be for "
    "use inside the program. Record a consent first."
)
# How far from today a printed week may be (program policy: a schedule, not an archive).
WEEKS_AROUND = 104


class PrintForm(forms.Form):
    use = forms.ChoiceField(
        label="What the copy is for", choices=USES, initial=INSIDE, widget=forms.RadioSelect
    )
    consent = ConsentChoice(
        queryset=Consent.objects.none(),
        label="Recipient, under the patient's written consent",
        required=False,
        widget=forms.RadioSelect,
        help_text="Only for someone outside the program.",
    )
    purpose = forms.ChoiceField(
        label="Purpose of the disclosure",
        choices=[("", "Choose..."), *PURPOSES.items()],
        required=False,
        help_text="Only for someone outside the program: the consent must allow it.",
    )
    week = forms.DateField(label="Week of", widget=DateInput(), required=False)

    def __init__(self, *args: Any, consents: list[Consent], with_week: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.has_consents = bool(consents)
        if not consents:
            # Only the inside use is offered; a forced "outside" is refused in clean_use with
            # the reason (the field keeps both choices so the refusal is not a generic one).
            use = self.fields["use"]
            assert isinstance(use, forms.ChoiceField)
            use.widget.choices = [USES[0]]
            del self.fields["consent"]
            del self.fields["purpose"]
            if not with_week:
                del self.fields["week"]
            else:
                self._week_required()
            return
        field = self.fields["consent"]
        assert isinstance(field, ConsentChoice)
        field.queryset = Consent.objects.filter(pk__in=[c.pk for c in consents]).order_by(
            "-recorded_at", "-id"
        )
        if not with_week:
            del self.fields["week"]
        else:
            self._week_required()

    def _week_required(self) -> None:
        self.fields["week"].required = True
        self.fields["week"].initial = timezone.localdate()

    def clean_use(self) -> str:
        use: str = self.cleaned_data.get("use", "")
        if use == OUTSIDE and not self.has_consents:
            raise forms.ValidationError(NO_CONSENT)
        return use

    def clean_week(self) -> date | None:
        week: date | None = self.cleaned_data.get("week")
        if week is not None and abs((week - timezone.localdate()).days) > WEEKS_AROUND * 7:
            raise forms.ValidationError("Choose a week within two years of today.")
        return week

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("use") == OUTSIDE:
            if not data.get("consent") and "consent" not in self.errors:
                self.add_error("consent", "Choose who receives the copy.")
            if not data.get("purpose"):
                self.add_error("purpose", "Choose the purpose of the disclosure.")
        return data


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
