"""iCalendar (RFC 5545) feeds of a patient's or a staff member's group sessions and
appointments.

A feed is read by calendar apps on phones that are shared, synced to third-party clouds and shown
on lock screens, so it says nothing about health: every group is "Group session" at
"<room>, <site>" (telehealth: "Online"), and every appointment (individual, family, prescriber
or case management alike) is "Appointment" at its site, or "Video appointment" "Online"; no
track, topic, kind of appointment, diagnosis, program, counselor or patient name, and no video
link (group events carry none either), and the calendar and product names are generic. Times
carry their site's time zone (TZID with a VTIMEZONE; an appointment's is its patient's site), so
the events stay right across daylight-saving changes. Events run from four weeks back to
thirteen weeks ahead; cancelled sessions and appointments drop out of the feed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event

from openiop.appointments.models import Appointment, AppointmentStatus
from openiop.scheduling.models import CalendarToken, GroupSession, SessionStatus
from openiop.scheduling.selectors import session_zones

PAST = timedelta(days=28)
AHEAD = timedelta(days=91)
SUMMARY = "Group session"
APPOINTMENT = "Appointment"
VIDEO_APPOINTMENT = "Video appointment"
CALENDAR_NAME = "Schedule"
# Opaque, stable event ids: "session-12@openiop" would name the program on the patient's phone.
_UID_NAMESPACE = uuid.UUID("6f1d9c1e-3b0a-5c55-9e8e-5ad0c9a1e4b7")


def location_of(session: GroupSession) -> str:
    if session.site is None or session.room.virtual:
        return "Online"
    return f"{session.room.name}, {session.site.name}"


def appointment_location(appointment: Appointment) -> str:
    """Where an appointment is, in the words of a group's location: the site, or "Online"."""
    site = appointment.site or appointment.patient.site
    if appointment.telehealth or site is None:
        return "Online"
    return str(site.name)


def _event(
    uid: str, now: datetime, start: datetime, end: datetime, summary: str, where: str
) -> Event:
    event = Event()
    event.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, uid)}")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", where)
    event.add("status", "CONFIRMED")
    return event


def feed_for(token: CalendarToken, now: datetime | None = None) -> bytes:
    """The feed of the token's owner (patient or staff user) as iCalendar bytes."""
    now = now or timezone.now()
    sessions = GroupSession.objects.filter(
        status=SessionStatus.SCHEDULED, starts_at__gte=now - PAST, starts_at__lt=now + AHEAD
    )
    if token.patient_id is not None:
        sessions = sessions.filter(assignments__patient_id=token.patient_id)
    else:
        sessions = sessions.filter(counselor_id=token.user_id)
    rows = list(sessions.select_related("room", "site").order_by("starts_at", "id"))
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, starts_at__gte=now - PAST, starts_at__lt=now + AHEAD
    )
    if token.patient_id is not None:
        appointments = appointments.filter(patient_id=token.patient_id)
    else:
        appointments = appointments.filter(staff_id=token.user_id)
    zones = session_zones(rows)
    events: list[tuple[datetime, Event]] = []
    for s in rows:
        tz = ZoneInfo(zones[s.pk])
        events.append(
            (
                s.starts_at,
                _event(
                    f"session-{s.pk}",
                    now,
                    s.starts_at.astimezone(tz),
                    s.ends_at.astimezone(tz),
                    SUMMARY,
                    location_of(s),
                ),
            )
        )
    for a in appointments.select_related("site", "patient__site").order_by("starts_at", "id"):
        tz = ZoneInfo(a.patient.site.timezone)
        events.append(
            (
                a.starts_at,
                _event(
                    f"appointment-{a.pk}",
                    now,
                    a.starts_at.astimezone(tz),
                    a.ends_at.astimezone(tz),
                    VIDEO_APPOINTMENT if a.telehealth else APPOINTMENT,
                    appointment_location(a),
                ),
            )
        )
    cal = Calendar()
    cal.add("prodid", "-//Schedule feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", CALENDAR_NAME)
    for _, event in sorted(events, key=lambda item: item[0]):
        cal.add_component(event)
    first = (now - PAST).date()
    cal.add_missing_timezones(
        first_date=first - timedelta(days=366), last_date=first + timedelta(days=800)
    )
    return bytes(cal.to_ical())
