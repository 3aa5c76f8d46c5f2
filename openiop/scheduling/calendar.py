"""iCalendar (RFC 5545) feeds of a patient's or a counselor's group sessions.

A feed is read by calendar apps on phones that are shared, synced to third-party clouds and shown
on lock screens, so it says nothing about health: every event is "Group session" at
"<room>, <site>" (telehealth: "Online"), with no track, topic, diagnosis, program or counselor
name, and the calendar and product names are generic. Times carry their site's time zone (TZID
with a VTIMEZONE), so the events stay right across daylight-saving changes. Events run from four
weeks back to thirteen weeks ahead; cancelled sessions drop out of the feed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event

from openiop.scheduling.models import CalendarToken, GroupSession, SessionStatus
from openiop.scheduling.selectors import session_zones

PAST = timedelta(days=28)
AHEAD = timedelta(days=91)
SUMMARY = "Group session"
# Opaque, stable event ids: "session-12@openiop" would name the program on the patient's phone.
_UID_NAMESPACE = uuid.UUID("6f1d9c1e-3b0a-5c55-9e8e-5ad0c9a1e4b7")


def location_of(session: GroupSession) -> str:
    if session.site is None or session.room.virtual:
        return "Online"
    return f"{session.room.name}, {session.site.name}"


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
    zones = session_zones(rows)
    cal = Calendar()
    cal.add("prodid", "-//Schedule feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Group sessions")
    for s in rows:
        tz = ZoneInfo(zones[s.pk])
        event = Event()
        event.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, f'session-{s.pk}')}")
        event.add("dtstamp", now)
        event.add("dtstart", s.starts_at.astimezone(tz))
        event.add("dtend", s.ends_at.astimezone(tz))
        event.add("summary", SUMMARY)
        event.add("location", location_of(s))
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    first = (now - PAST).date()
    cal.add_missing_timezones(
        first_date=first - timedelta(days=366), last_date=first + timedelta(days=800)
    )
    return bytes(cal.to_ical())
