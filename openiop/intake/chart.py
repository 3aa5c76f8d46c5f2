"""The chart's "Intake" tab: referrals, screenings with bands and flags, safety tasks,
level-of-care decisions, admissions, enrolments and weekly availability.

`openiop.patients.views.patient_chart` has already authorized the patient and audited the
view; this only gathers the rows (a fixed number of queries)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.core import policy
from openiop.core.policy import Action
from openiop.intake import selectors
from openiop.intake.instruments import band_label, flag_labels, instrument_name
from openiop.intake.placement import level_label
from openiop.patients.models import Patient


def tab(request: HttpRequest, user: User, patient: Patient) -> tuple[str, dict[str, Any]]:
    data = selectors.chart(patient, user)
    screenings = [
        {
            "obj": s,
            "name": instrument_name(s.instrument),
            "band": band_label(s.instrument, s.band),
            "flags": flag_labels(s.instrument, s.flags),
        }
        for s in data["screenings"]  # type: ignore[attr-defined]
    ]
    decisions = [
        {
            "obj": d,
            "recommended": level_label(d.recommended_level),
            "final": level_label(d.final_level),
        }
        for d in data["decisions"]  # type: ignore[attr-defined]
    ]
    return "intake/partials/chart_tab.html", {
        **data,
        "screening_rows": screenings,
        "decision_rows": decisions,
        "intake_can_screen": policy.allows(user, Action.SCREENING_RECORD),
        "intake_can_decide": policy.allows(user, Action.PLACEMENT_DECIDE),
        "intake_can_admit": policy.allows(user, Action.ADMISSION_ADMIT),
        "intake_can_write": policy.allows(user, Action.AVAILABILITY_EDIT),
    }
