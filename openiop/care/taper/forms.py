"""Forms of the tapering pages and of a program's taper settings. They parse and check input
shape; rules live in ``taper.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from openiop.care.taper.services import TAPER_SETTING_FIELDS
from openiop.domain.tapering import ATTENDANCE_WEEKS_BOUNDS, LOOKBACK_WEEKS_BOUNDS


class AttendanceReportForm(forms.Form):
    attendance_percent = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label="Recent attendance, % of required hours",
        help_text="Over the program's attendance window (taper settings). Only used when no "
        "attendance is recorded; leave empty if you do not know.",
    )

    def fraction(self) -> float | None:
        value = self.cleaned_data.get("attendance_percent")
        return None if value is None else value / 100


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Why decline"
    )


PHASE_ROWS = ("phase-1", "phase-2", "phase-3", "step-down")


def _weeks_messages(low: int, high: int) -> dict[str, str]:
    text = f"Give a whole number of weeks from {low} to {high}."
    return {"invalid": text, "min_value": text, "max_value": text}


class TaperSettingsForm(forms.Form):
    """The program's phases (hours, days, minimum weeks) and main thresholds."""

    min_weeks_without_use = forms.IntegerField(min_value=1, max_value=52)
    screen_window_weeks = forms.IntegerField(min_value=1, max_value=52)
    relapse_window_weeks = forms.IntegerField(min_value=1, max_value=52)
    min_objectives_met = forms.IntegerField(min_value=0, max_value=20)
    min_peer_meetings_per_week = forms.DecimalField(min_value=0, max_value=14, decimal_places=1)
    min_sober_supports = forms.IntegerField(min_value=0, max_value=20)
    min_attendance_for_step_down = forms.DecimalField(
        min_value=Decimal("0.1"), max_value=1, decimal_places=2
    )
    require_measures = forms.BooleanField(required=False)
    lookback_weeks = forms.IntegerField(
        min_value=LOOKBACK_WEEKS_BOUNDS[0],
        max_value=LOOKBACK_WEEKS_BOUNDS[1],
        label="Drug screens and relapse events read over the last (weeks)",
        help_text=f"{LOOKBACK_WEEKS_BOUNDS[0]}-{LOOKBACK_WEEKS_BOUNDS[1]} weeks, longer when a "
        "window above is longer; program policy (set in Settings).",
        error_messages=_weeks_messages(*LOOKBACK_WEEKS_BOUNDS),
    )
    attendance_window_weeks = forms.IntegerField(
        min_value=ATTENDANCE_WEEKS_BOUNDS[0],
        max_value=ATTENDANCE_WEEKS_BOUNDS[1],
        label="Attendance read over the last complete weeks",
        help_text=f"{ATTENDANCE_WEEKS_BOUNDS[0]}-{ATTENDANCE_WEEKS_BOUNDS[1]} weeks, a week "
        "without any attendance record counting as missed; program policy (set in Settings).",
        error_messages=_weeks_messages(*ATTENDANCE_WEEKS_BOUNDS),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for pid in PHASE_ROWS:
            self.fields[f"{pid}:hours"] = forms.DecimalField(
                min_value=1, max_value=19, decimal_places=1, label=f"{pid}: hours a week"
            )
            self.fields[f"{pid}:days"] = forms.IntegerField(
                min_value=1, max_value=7, label=f"{pid}: days a week"
            )
            self.fields[f"{pid}:min_weeks"] = forms.IntegerField(
                min_value=0, max_value=26, label=f"{pid}: weeks before a step down"
            )
        self.fields["step-down:max_weeks"] = forms.IntegerField(
            min_value=1, max_value=26, label="step-down: at most weeks"
        )

    def phases(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out: list[dict[str, Any]] = []
        for pid in PHASE_ROWS:
            out.append(
                {
                    "id": pid,
                    "label": labels.get(pid, pid),
                    "kind": "step_down" if pid == "step-down" else "regular",
                    "hours_per_week": float(data[f"{pid}:hours"]),
                    "days_per_week": data[f"{pid}:days"],
                    "min_weeks": data[f"{pid}:min_weeks"],
                    "max_weeks": data["step-down:max_weeks"] if pid == "step-down" else None,
                }
            )
        out.append(
            {
                "id": "continuing-care",
                "label": labels.get("continuing-care", "Outpatient / continuing care"),
                "kind": "continuing_care",
                "hours_per_week": None,
                "days_per_week": None,
                "min_weeks": 0,
                "max_weeks": None,
            }
        )
        return out

    def thresholds(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in TAPER_SETTING_FIELDS}
