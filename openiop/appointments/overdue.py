"""Due appointments missed: "No individual counselling in 2 weeks".

A type due every N weeks is overdue for a patient when nothing of that kind was attended in
the last N + 1 weeks (one week of grace), counting from the later of the enrolment's start and
the first day the type was offered. The week of grace is program policy (no published rule
sets it); the frequency itself is the program's, set per type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Min, Q

from openiop.appointments import planning
from openiop.appointments.models import Appointment, AppointmentStatus, Attendance
from openiop.patients.models import Enrollment, EnrollmentStatus

GRACE_WEEKS = 1
ATTENDED = (Attendance.PRESENT, Attendance.LATE, Attendance.LEFT_EARLY)


@dataclass(frozen=True)
class Overdue:
    patient_id: int
    kind: str
    label: str
    weeks: int  # whole weeks since the last one attended (or since the start)
    every_weeks: int
    never: bool

    @property
    def text(self) -> str:
        due = "weekly" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        what = self.label[0].lower() + self.label[1:]
        if self.never:
            return f"No {what} yet in {self.weeks} weeks (due {due})"
        return f"No {what} in {self.weeks} weeks (due {due})"


def overdue_for(
    organization_id: int, patient_ids: Iterable[int], as_of: date
) -> dict[int, list[Overdue]]:
    """Overdue appointment kinds of these patients on `as_of` (four queries)."""
    ids = list(patient_ids)
    if not ids:
        return {}
    tracks: dict[int, list[tuple[int, int]]] = defaultdict(list)
    started: dict[int, date] = {}
    for patient_id, program_id, track_id, starts_on in (
        Enrollment.objects.filter(
            patient_id__in=ids, status=EnrollmentStatus.ACTIVE, starts_on__lte=as_of
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=as_of))
        .values_list("patient_id", "track__program_id", "track_id", "starts_on")
    ):
        tracks[patient_id].append((program_id, track_id))
        started[patient_id] = min(started.get(patient_id, starts_on), starts_on)
    by_type = planning.applicable_types(organization_id)
    last: dict[tuple[int, str], date] = {}
    first_offered: dict[str, date] = {}
    for patient_id, kind, latest in (
        Appointment.objects.filter(
            patient_id__in=list(tracks),
            status=AppointmentStatus.SCHEDULED,
            attendance__in=ATTENDED,
            week_start__lte=as_of,
        )
        .values_list("patient_id", "kind")
        .annotate(latest=Max("starts_at"))
    ):
        last[(patient_id, kind)] = latest.date()
    for kind, earliest in (
        Appointment.objects.filter(organization_id=organization_id)
        .values_list("kind")
        .annotate(earliest=Min("week_start"))
    ):
        first_offered[kind] = earliest
    out: dict[int, list[Overdue]] = {}
    for patient_id, pairs in tracks.items():
        for t in planning.types_for(by_type, pairs):
            if t.every_weeks == 0 or t.kind not in first_offered:
                continue
            seen = last.get((patient_id, t.kind))
            since = seen or max(started[patient_id], first_offered[t.kind])
            days = (as_of - since).days
            if days <= 7 * (t.every_weeks + GRACE_WEEKS):
                continue
            out.setdefault(patient_id, []).append(
                Overdue(
                    patient_id, t.kind, t.get_kind_display(), days // 7, t.every_weeks, seen is None
                )
            )
    return out
