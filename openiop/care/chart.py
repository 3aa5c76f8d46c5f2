"""The chart's "Plan" tab (patients.views.CHART_TAB_PROVIDERS): each open enrolment's plan in
effect, its objectives' progress, and a link to the progress view. The chart view has already
authorized the patient and audited the view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care.common import OPEN_ENROLLMENT
from openiop.care.plans.selectors import plans_with_objectives
from openiop.patients.models import Enrollment, Patient


def tab(request: HttpRequest, user: User, patient: Patient) -> tuple[str, dict[str, Any]]:
    enrollments = list(
        Enrollment.objects.filter(patient=patient, status__in=OPEN_ENROLLMENT)
        .select_related("track")
        .order_by("starts_on")
    )
    plans = plans_with_objectives([e.pk for e in enrollments])
    return "care/partials/chart_tab.html", {
        "care_plans": [{"enrollment": e, "plan": plans.get(e.pk)} for e in enrollments],
        "can_write_care": care_access.is_clinician(user),
    }
