"""The demo organization's scheduling settings (run by the schedule's demo before it builds
any week, in the demo transaction).

- Every site's afternoon is "after school", 15:30-18:30 (the Adolescent IOP's stated hours);
  Riverbend Harbor's evening runs 17:30-20:30. Where the after-school block and the evening
  overlap, the scheduler keeps counselors, rooms and patients to one of them.
- "Alcohol (evening)" meets on weekday evenings only, the adolescent track in weekday
  after-school blocks only (never on Saturday mornings or in the evening).
- The third room of Main Street is let to another service on Saturdays (weekday hours only);
  every other room has no hours recorded and is open whenever groups meet.
"""

from __future__ import annotations

import random
from datetime import date, time

from openiop.organization.models import (
    Organization,
    Room,
    RoomAvailability,
    Site,
    Track,
    TrackKind,
)

WEEKDAYS = [0, 1, 2, 3, 4]
AFTER_SCHOOL = (time(15, 30), time(18, 30))
OWN_EVENINGS = {"Riverbend Harbor": (time(17, 30), time(20, 30))}
WEEKDAY_ONLY_ROOMS = {"Street room 3": (time(8), time(21, 30))}


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    """Set the demo's site hours, track hours and room hours (idempotent)."""
    del rng, today  # the settings are fixed: the same on every install
    for site in Site.objects.filter(organization=org):
        site.afternoon_start, site.afternoon_end = AFTER_SCHOOL
        if site.name in OWN_EVENINGS:
            site.evening_start, site.evening_end = OWN_EVENINGS[site.name]
        site.full_clean()
        site.save()
    tracks = Track.objects.filter(program__site__organization=org)
    tracks.filter(kind=TrackKind.ALCOHOL, name__icontains="evening").update(
        meeting_days=WEEKDAYS, meeting_parts=["ev"]
    )
    tracks.filter(kind=TrackKind.ADOLESCENTS).update(meeting_days=WEEKDAYS, meeting_parts=["pm"])
    for room in Room.objects.filter(organization=org, name__in=list(WEEKDAY_ONLY_ROOMS)):
        start, end = WEEKDAY_ONLY_ROOMS[room.name]
        room.availability.all().delete()
        RoomAvailability.objects.bulk_create(
            [RoomAvailability(room=room, weekday=d, start=start, end=end) for d in WEEKDAYS]
        )
