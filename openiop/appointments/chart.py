"""Chart tab "appointments": the primary counselor and its history, the telehealth consent,
the upcoming and last eight weeks' appointments, and the medication changes of the signed
medication management notes (only for roles that read notes).

`patients.views.patient_chart` has already authorized the patient and audited the view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.appointments import selectors
from openiop.appointments.forms import PrimaryCounselorForm, TelehealthConsentForm
from openiop.core import policy
from openiop.core.policy import Action
from openiop.patients.models import Patient


def tab(request: HttpRequest, user: User, patient: Patient) -> tuple[str, dict[str, Any]]:
    history = selectors.primary_history(patient)
    current = next((row for row in history if row.ended_at is None), None)
    upcoming, past = selectors.patient_rows(patient)
    may_assign = policy.allows(user, Action.PRIMARY_COUNSELOR_ASSIGN)
    may_book = policy.allows(user, Action.APPOINTMENT_BOOK)
    return "appointments/partials/chart_tab.html", {
        "appointments": {
            "primary": current,
            "history": [row for row in history if row is not current],
            "primary_form": PrimaryCounselorForm(
                staff=selectors.clinicians(patient.organization_id)
            )
            if may_assign
            else None,
            "consent": selectors.current_consent(patient),
            "consent_form": TelehealthConsentForm() if may_book else None,
            "upcoming": upcoming,
            "past": past,
            "weeks_back": selectors.WEEKS_BACK,
            "medication_changes": selectors.medication_changes(patient)
            if policy.allows(user, Action.NOTE_READ)
            else None,
        }
    }
