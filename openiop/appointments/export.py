"""Every published event of one organization's week, for `openiop week export --json`.

Groups: the scheduled (not cancelled) group sessions of the week's published schedule, with
their counselor, the patients assigned to them, whether the room is virtual and the site.
Appointments: the scheduled (not cancelled) appointments whose local week is that week, with
their staff member and patient. Unplaced: the due appointments the weekly placement could not
place, with the reason. Times are ISO 8601 with the offset of the site's zone (a group's site,
or its counselor's first site for a virtual room; an appointment's patient's site). Patients
and staff are named by internal id only. A fixed number of queries whatever the size of the
week.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openiop.appointments.models import Appointment, AppointmentShortfall, AppointmentStatus
from openiop.scheduling.models import GroupSession, SessionAssignment, SessionStatus, WeekStatus
from openiop.scheduling.selectors import session_zones

GROUP = "group"


def _at(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def week_events(organization_id: int, week_start: date) -> dict[str, Any]:
    """The week from Monday `week_start`: ``{"events": [...], "unplaced": [...]}``, events
    sorted by start, then kind (then id, so the order is the same on every run)."""
    published = GroupSession.objects.filter(
        organization_id=organization_id,
        status=SessionStatus.SCHEDULED,
        week__status=WeekStatus.PUBLISHED,
        week__week_start=week_start,
    )
    sessions = list(published.select_related("room", "site").order_by("starts_at", "id"))
    members: dict[int, list[int]] = defaultdict(list)
    for session_id, patient_id in (
        SessionAssignment.objects.filter(session__in=published.values("pk"))
        .order_by("patient_id")
        .values_list("session_id", "patient_id")
    ):
        members[session_id].append(patient_id)
    zones = session_zones(sessions)
    keyed: list[tuple[datetime, str, int, dict[str, Any]]] = []
    for s in sessions:
        zone = zones[s.pk]
        keyed.append(
            (
                s.starts_at,
                GROUP,
                s.pk,
                {
                    "kind": GROUP,
                    "start": _at(s.starts_at, zone),
                    "end": _at(s.ends_at, zone),
                    "staff": [s.counselor_id],
                    "patients": members.get(s.pk, []),
                    "telehealth": bool(s.room.virtual),
                    "site": s.site_id,
                },
            )
        )
    for a in (
        Appointment.objects.filter(
            organization_id=organization_id,
            status=AppointmentStatus.SCHEDULED,
            week_start=week_start,
        )
        .select_related("patient__site")
        .order_by("starts_at", "id")
    ):
        zone = a.patient.site.timezone
        keyed.append(
            (
                a.starts_at,
                a.kind,
                a.pk,
                {
                    "kind": a.kind,
                    "start": _at(a.starts_at, zone),
                    "end": _at(a.ends_at, zone),
                    "staff": [a.staff_id],
                    "patients": [a.patient_id],
                    "telehealth": a.telehealth,
                    "site": a.site_id,
                },
            )
        )
    keyed.sort(key=lambda item: item[:3])
    unplaced = [
        {"patient": patient_id, "kind": kind, "reason": reason}
        for patient_id, kind, reason in AppointmentShortfall.objects.filter(
            organization_id=organization_id, week_start=week_start
        )
        .order_by("patient_id", "kind", "id")
        .values_list("patient_id", "kind", "reason")
    ]
    return {"events": [event for *_, event in keyed], "unplaced": unplaced}


def patient_ids(export: dict[str, Any]) -> list[int]:
    """Every patient the export names (events and unplaced), each once, for the audit trail."""
    found = {p for event in export["events"] for p in event["patients"]}
    found |= {row["patient"] for row in export["unplaced"]}
    return sorted(found)
