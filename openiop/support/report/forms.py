"""The report's filter: a period (days the needs were found) and, optionally, one program of
the user's organization. GET only; dates and an internal id, no patient information."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

# The default period: the 90 days ending today (today included).
DEFAULT_DAYS = 90


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class ProgramChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.site.name})"


class ReportFilterForm(forms.Form):
    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(
            label="Needs found from",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
        )
        self.fields["to"] = forms.DateField(
            label="To",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
        )
        self.fields["program"] = ProgramChoice(
            queryset=programs,
            required=False,
            label="Program",
            empty_label="All programs",
            error_messages={"invalid_choice": "Choose one of your organization's programs."},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", "The end of the period is before its start.")
        return data

    def period(self, today: date) -> tuple[date, date]:
        """The chosen period (after `is_valid()`), each end defaulting to the last 90 days."""
        data = getattr(self, "cleaned_data", None) or {}
        default_start, default_end = default_period(today)
        start, end = data.get("from"), data.get("to")
        if end is None:
            end = max(default_end, start) if start else default_end
        if start is None:
            start = min(default_start, end)
        return start, end
