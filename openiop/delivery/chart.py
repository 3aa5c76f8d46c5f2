"""Chart tab "attendance": this week's hours, days and billing, what would fix a shortfall,
the last weeks as an SVG chart with a table, leaves and step-downs.

The patient has already been authorized and the view audited (patients.views)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from openiop.core import policy
from openiop.core.policy import Action
from openiop.delivery import svg
from openiop.delivery.hours import monday_of
from openiop.delivery.weekly import BILLING_LABELS, current_row, patient_weeks
from openiop.domain import compliance as dc
from openiop.patients.models import Patient

WEEKS_SHOWN = 8


def tab(request: HttpRequest, user: Any, patient: Patient) -> tuple[str, dict[str, Any]]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(patient.site.timezone)
    now = timezone.now()
    this_week = monday_of(now.astimezone(zone).date())
    starts = [this_week - timedelta(weeks=back) for back in range(WEEKS_SHOWN - 1, -1, -1)]
    # Every week from one read of the patient's rows (a fixed number of queries).
    weeks = patient_weeks(patient, starts, as_of=now)
    bars: list[svg.WeekBar] = []
    current = None
    history = []
    for start in starts:
        result = weeks.results.get(start)
        if result is None:
            continue
        bars.append(
            svg.WeekBar(
                start,
                result.attended_minutes,
                result.required_minutes,
                result.status is dc.Status.ON_LEAVE,
            )
        )
        history.append((start, result))
        if start == this_week:
            current = current_row(patient, result, weeks.tracks[start])
    return "delivery/partials/chart_attendance.html", {
        "attendance": {
            "current": current,
            "days": [
                (d.day, f"{d.minutes / 60:.1f}", d.meets_daily_minimum, BILLING_LABELS[d.billing])
                for d in (current.week.days if current else ())
            ],
            "chart": svg.weekly_chart(bars) if bars else "",
            "history": [
                (start, f"{r.attended_minutes / 60:.1f}", f"{r.required_minutes / 60:.1f}", r)
                for start, r in reversed(history)
            ],
            "leaves": list(patient.leaves_of_absence.all()[:10]),
            "step_downs": list(patient.step_down_allowances.all()[:10]),
            "can_write": policy.allows(user, Action.ATTENDANCE_RECORD),
            "can_step_down": policy.allows(user, Action.STEP_DOWN_APPROVE),
            "week_start": this_week,
            # Due individual, family and prescriber appointments missed (program policy).
            "overdue": [o.text for o in _overdue(patient, now.astimezone(zone).date())],
        }
    }


def _overdue(patient: Patient, today: Any) -> list[Any]:
    from openiop.appointments.overdue import overdue_for

    return overdue_for(patient.organization_id, [patient.pk], today).get(patient.pk, [])
