"""Reads of the discharge pages. Callers have already authorized the patient."""

from __future__ import annotations

from openiop.care.common import OPEN_ENROLLMENT
from openiop.patients.models import Enrollment


def other_open_tracks(enrollment: Enrollment) -> list[Enrollment]:
    """The patient's other open enrolments: a discharge of every track ends them too, a
    discharge of this track only leaves them running."""
    return list(
        Enrollment.objects.filter(patient_id=enrollment.patient_id, status__in=OPEN_ENROLLMENT)
        .exclude(pk=enrollment.pk)
        .select_related("track")
        .order_by("track__name", "pk")
    )
