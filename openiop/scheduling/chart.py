"""The chart's Schedule tab: the patient's sessions this week and next, hours against the
required minimum, curriculum coverage, calendar link and telehealth controls.

`patients.views.patient_chart` has already authorized the patient and audited the view.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.core import access
from openiop.patients.models import Patient
from openiop.scheduling import curriculum, selectors
from openiop.scheduling.calendar import location_of
from openiop.scheduling.forms import TelehealthForm
from openiop.scheduling.models import PatientSchedulePreference


def tab(request: HttpRequest, user: User, patient: Patient) -> tuple[str, dict[str, Any]]:
    weeks = selectors.patient_sessions(patient, weeks=2)
    zones = selectors.session_zones(s for w in weeks for s in w.sessions)
    schedule_weeks = []
    for w in weeks:
        rows = []
        for s in w.sessions:
            tz = ZoneInfo(zones[s.pk])
            rows.append(
                {
                    "session": s,
                    "start": s.starts_at.astimezone(tz),
                    "end": s.ends_at.astimezone(tz),
                    "zone": zones[s.pk],
                    "where": location_of(s),
                }
            )
        schedule_weeks.append(
            {
                "week_start": w.week_start,
                "rows": rows,
                "hours": w.hours,
                "required": w.required,
                "requirement": w.requirement,
                "short": w.hours + 1e-9 < w.required,
            }
        )
    pref = PatientSchedulePreference.objects.filter(patient=patient).first()
    return "scheduling/partials/chart_tab.html", {
        "schedule_weeks": schedule_weeks,
        "schedule_coverage": selectors.coverage_for([patient.pk])[patient.pk],
        "schedule_topics": curriculum.TOPICS,
        "schedule_token": selectors.active_token(patient=patient),
        "schedule_can_write": access.can_write_patients(user),
        "telehealth_form": TelehealthForm(
            initial={"telehealth_ok": bool(pref and pref.telehealth_ok)}
        ),
    }
