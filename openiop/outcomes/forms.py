"""The dashboard's filter: a period and, optionally, one program, track or site of the
user's organization. GET only; dates and internal ids, no patient information."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from openiop.domain.outcomes.charts import default_period

DATE_ERROR = {"invalid": "Enter a date as YYYY-MM-DD."}
FILTERS = ("from", "to", "program", "track", "site")
# The longest period shown at once: five years of monthly columns.
MAX_DAYS = 5 * 366
# The years a period may lie in: a program's records, not the calendar's ends (a date near
# year 1 or 9999 cannot be shifted by the months and days the figures need).
FIRST_YEAR, LAST_YEAR = 1900, 2999


class _Program(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.site.name})"


class _Track(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Tracks of the same name exist at each site: "Adolescents (Adolescent IOP, North)".
        return f"{obj.name} ({obj.program.name}, {obj.program.site.name})"


class DashboardFilterForm(forms.Form):
    def __init__(self, *args: Any, sites: Any, programs: Any, tracks: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(
            label="From",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages=DATE_ERROR,
        )
        self.fields["to"] = forms.DateField(
            label="To",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages=DATE_ERROR,
        )
        self.fields["program"] = _Program(
            queryset=programs,
            required=False,
            label="Program",
            empty_label="All programs",
            error_messages={"invalid_choice": "Choose one of your organization's programs."},
        )
        self.fields["track"] = _Track(
            queryset=tracks,
            required=False,
            label="Track",
            empty_label="All tracks",
            error_messages={"invalid_choice": "Choose one of your organization's tracks."},
        )
        self.fields["site"] = forms.ModelChoiceField(
            queryset=sites,
            required=False,
            label="Site",
            empty_label="All sites",
            error_messages={"invalid_choice": "Choose one of your organization's sites."},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        for name, day in (("from", start), ("to", end)):
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(name, f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.")
                start = end = None
        if start and end and end < start:
            self.add_error("to", "The end of the period is before its start.")
        program, track, site = data.get("program"), data.get("track"), data.get("site")
        if program and track and track.program_id != program.pk:
            self.add_error("track", "This track belongs to another program.")
        if site and program and program.site_id != site.pk:
            self.add_error("program", "This program is at another site.")
        elif site and track and not program and track.program.site_id != site.pk:
            self.add_error("track", "This track is at another site.")
        return data

    def period(self, today: date) -> tuple[date, date]:
        """The chosen period (after `is_valid()`); a missing end is the default period's
        (the six whole months before the current one) or the start's, whichever is later;
        a missing start the default's or the end's, whichever is earlier."""
        data = getattr(self, "cleaned_data", None) or {}
        default_start, default_end = default_period(today)
        start, end = data.get("from"), data.get("to")
        if end is None:
            end = max(default_end, start) if start else default_end
        if start is None:
            start = min(default_start, end)
        return start, end

    def check_length(self, start: date, end: date) -> bool:
        """Refuse (as a field error) a period longer than five years."""
        if (end - start).days < MAX_DAYS:
            return True
        self.add_error("from", "Choose a period of at most five years.")
        return False

    def check_today(self, start: date, end: date, today: date) -> tuple[date, bool] | None:
        """Refuse (as a field error) a period starting after today; a period ending after
        today ends today (the later days have no records yet). Returns the end to show and
        whether it was cut, or None when refused."""
        if start > today:
            self.add_error("from", "The period starts after today; choose a start up to today.")
            return None
        if end > today:
            return today, True
        return end, False

    def show_period(self, start: date, end: date) -> None:
        """Fill the From and To inputs with the period actually shown."""
        shown = {"from": start.isoformat(), "to": end.isoformat()}
        if self.is_bound:
            self.data = {**self.data, **shown}
        else:
            self.initial.update(shown)

    def choice(self, name: str) -> Any:
        data = getattr(self, "cleaned_data", None) or {}
        return data.get(name)

    def query(self, start: date, end: date) -> dict[str, str]:
        """The filter as GET parameters (ids and dates only), for the figures' links."""
        out = {"from": start.isoformat(), "to": end.isoformat()}
        for name in ("program", "track", "site"):
            obj = self.choice(name)
            if obj is not None:
                out[name] = str(obj.pk)
        return out
