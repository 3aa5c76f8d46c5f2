"""Forms of the accounting of disclosures, the disclosure report and the breach log. Filters
carry only dates and a channel: no patient information in a URL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from openiop.privacy.breach_rules import years_before
from openiop.privacy.models import Breach, BreachOutcome, Channel

ACCOUNTING_YEARS = 3  # 42 CFR 2.25(a): the 3 years before the request
REPORT_DAYS = 30


def _date(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


class PeriodForm(forms.Form):
    """A period given as `from` and `to` (GET); both optional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _date("From")
        self.fields["to"] = _date("To")

    def default_start(self, today: date) -> date:
        raise NotImplementedError

    def earliest(self, today: date) -> date | None:
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        start, end = data.get("from"), data.get("to")
        earliest = self.earliest(today)
        if start and earliest and start < earliest:
            self.add_error(
                "from",
                f"The accounting covers the three years before today: choose "
                f"{earliest:%d %B %Y} or later.",
            )
        if end and earliest and end < earliest:
            self.add_error("to", f"Choose {earliest:%d %B %Y} or later.")
        if end and end > today:
            self.add_error("to", "The end of the period cannot be after today.")
        if start and start > today:
            self.add_error("from", "The start of the period cannot be after today.")
        if start and end and end < start:
            self.add_error("to", "The end of the period is before its start.")
        return data

    def period(self, today: date) -> tuple[date, date]:
        """The chosen period (call after `is_valid()`), or the default one."""
        data = getattr(self, "cleaned_data", None) or {}
        return data.get("from") or self.default_start(today), data.get("to") or today


class AccountingForm(PeriodForm):
    def earliest(self, today: date) -> date | None:
        return years_before(today, ACCOUNTING_YEARS)

    def default_start(self, today: date) -> date:
        return years_before(today, ACCOUNTING_YEARS)


class ReportForm(PeriodForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"] = forms.ChoiceField(
            label="How", required=False, choices=[("", "Any"), *Channel.choices]
        )

    def default_start(self, today: date) -> date:
        return today - timedelta(days=REPORT_DAYS)


class BreachForm(forms.ModelForm[Breach]):
    class Meta:
        model = Breach
        fields = [
            "discovered_on",
            "occurred_on",
            "summary",
            "information_involved",
            "people_affected",
            "largest_state_count",
        ]
        labels = {
            "discovered_on": "Discovered on",
            "occurred_on": "Happened on (if known)",
            "summary": "What happened",
            "information_involved": "What information was involved",
            "people_affected": "How many people are affected",
            "largest_state_count": "Of them, how many live in the most affected state",
        }
        widgets = {
            "discovered_on": forms.DateInput(attrs={"type": "date"}),
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "information_involved": forms.Textarea(attrs={"rows": 3}),
        }


class AssessForm(forms.Form):
    """The four factors of 45 CFR 164.402(2)(i)-(iv)."""

    factor_nature = forms.CharField(
        label="(i) The nature and extent of the information involved, including the kinds of "
        "identifiers and how likely it is that people can be identified",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    factor_recipient = forms.CharField(
        label="(ii) The unauthorized person who used the information or to whom it was disclosed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    factor_acquired = forms.CharField(
        label="(iii) Whether the information was actually acquired or viewed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    factor_mitigation = forms.CharField(
        label="(iv) How far the risk to the information has been mitigated",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.ChoiceField(label="Conclusion", choices=BreachOutcome.choices)


class NotifyForm(forms.Form):
    individuals_notified_on = _date("People affected notified on")
    hhs_notified_on = _date("Secretary of HHS notified on")
    media_notified_on = _date("Media notified on")


class CloseForm(forms.Form):
    closed_on = _date("Closed on", required=True)
