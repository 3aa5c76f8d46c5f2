"""Build a week's iop-week/1 problem (the iop-week/1 format) from the database.

Ids are stable strings: ``p<patient pk>``, ``c<user pk>``, ``r<room pk>``, ``t<track pk>``,
``s<site pk>``; blocks are the standard ``<day>-<slot>`` of :mod:`blocks`, shared by the sites
keeping the standard hours, and ``<day>-<slot>-s<site>`` for a site keeping its own hours for
that part of the day (iop-week/1 ``blocks[].site``). Blocks overlapping in time clash in the
solver whatever their ids, so a counselor or a telehealth group is busy at one time everywhere.

Sources:

- tracks: every track of the organization (``min_group``/``max_group`` from the track), with
  ``blocks`` the blocks on its meeting days and parts of the day when it has them (any block
  otherwise);
- rooms: every room, in the blocks of its site (a virtual room: every block) held by one of
  its weekly windows; a room with no window recorded is open in all of them (an assumption
  recorded in ``notes`` and shown on the review page); virtual rooms have no site;
- counselors: active staff of the organization whose profile lists tracks they may lead;
  blocks from their weekly availability windows (a block counts when one window holds all of
  it); ``max_hours`` from the profile; ``site`` their site when they work at exactly one site
  (any site otherwise: iop-week/1 allows one site or all);
- patients: active enrolments running in the week; ``tracks`` from them; ``min_hours`` the
  largest required weekly hours of their enrolments (hours of every track count toward one
  weekly total, format ``patients[].tracks``); ``max_hours`` 15 (the typical IOP upper end,
  common IOP practice) or ``min_hours + 6`` when that is more; one block a day; ``telehealth_ok``
  from :class:`PatientSchedulePreference` (default no); free blocks from
  ``intake.PatientAvailability`` when that model exists and the patient has windows, else every
  block (an assumption recorded in ``notes`` and shown in the review page). Those windows are
  the intake grid's parts of the day, so a window of the standard evening also frees the
  patient for their own site's evening when the site keeps other hours (``blocks.covers_part``).

A re-solve (``first_day``) keeps only the blocks from that day on, subtracts the hours already
scheduled earlier in the week from each patient's minimum and maximum and from each counselor's
maximum, leaves out absent counselors, and carries ``previous`` so the solver changes little.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.db.models import Q

from openiop.organization.models import Organization, Room, Site, StaffProfile, Track
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.scheduling import blocks as std
from openiop.scheduling.models import PatientSchedulePreference

DEFAULT_MAX_HOURS = 15.0
MAX_HOURS_ABOVE_MINIMUM = 6.0
MAX_BLOCKS_PER_DAY = 1
ABSENT_NOTE = "absent for the rest of the week: leads no groups"
PREFIXES = {"patient": "p", "counselor": "c", "room": "r", "track": "t", "site": "s"}


def absent_in(notes: object) -> set[int]:
    """The counselors a re-solve left out as absent, read back from its notes."""
    if not isinstance(notes, list):
        return set()
    return {
        pk
        for n in notes
        if isinstance(n, dict)
        and n.get("text") == ABSENT_NOTE
        and (pk := pk_of(str(n.get("ref", "")), "counselor")) is not None
    }


def ref(kind: str, pk: int) -> str:
    return f"{PREFIXES[kind]}{pk}"


def pk_of(value: str | None, kind: str) -> int | None:
    """``p12`` -> 12 for kind "patient"; None for anything else."""
    prefix = PREFIXES[kind]
    if not value or not value.startswith(prefix) or not value[len(prefix) :].isdigit():
        return None
    return int(value[len(prefix) :])


def max_hours_for(min_hours: float) -> float:
    return max(DEFAULT_MAX_HOURS, min_hours + MAX_HOURS_ABOVE_MINIMUM)


def _hours(value: Decimal | float) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else round(number, 2)


@dataclass
class Built:
    """The problem as a JSON-ready dict and what building it assumed or left out."""

    problem: dict[str, Any]
    notes: list[dict[str, str]] = field(default_factory=list)

    def note(self, kind: str, ref_: str, text: str) -> None:
        self.notes.append({"kind": kind, "ref": ref_, "text": text})


def patient_windows(patient_ids: Collection[int]) -> dict[int, list[tuple[int, time, time]]] | None:
    """Free weekly windows per patient from ``intake.PatientAvailability``; None while that
    model does not exist (the intake app is adding it)."""
    try:
        model = apps.get_model("intake", "PatientAvailability")
    except LookupError:
        return None
    windows: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    try:
        rows = model.objects.filter(patient_id__in=list(patient_ids)).values_list(
            "patient_id", "weekday", "start", "end"
        )
        for patient_id, weekday, start, end in rows:
            windows[int(patient_id)].append((int(weekday), start, end))
    except FieldError:
        return None
    return windows


def build_problem(
    organization: Organization,
    week_start: date,
    *,
    first_day: date | None = None,
    absent: Collection[int] = (),
    previous: Mapping[str, Any] | None = None,
    patient_hours_done: Mapping[int, float] | None = None,
    counselor_hours_done: Mapping[int, float] | None = None,
) -> Built:
    """The iop-week/1 problem of ``organization`` for the week of ``week_start`` (see module
    docstring). Runs a fixed number of queries whatever the size."""
    built = Built(problem={})

    sites = {s.pk: s for s in Site.objects.filter(organization=organization)}
    rooms = list(
        Room.objects.filter(organization=organization)
        .prefetch_related("availability")
        .order_by("pk")
    )
    roomed_sites = {r.site_id for r in rooms if r.site_id is not None}
    own_hours = {  # the parts of the day each site keeps other hours than the standard for
        ref("site", pk): {
            part: hours for part, hours in site.own_hours().items() if hours != std.SLOT_TIMES[part]
        }
        for pk, site in sites.items()
    }
    week_blocks = std.week_blocks(
        week_start,
        first_day,
        own_hours,
        {ref("site", pk) for pk in roomed_sites if pk in sites},
    )
    block_ids = [b.id for b in week_blocks]
    tracks = list(Track.objects.filter(program__site__organization=organization).order_by("pk"))
    track_ids = {t.pk for t in tracks}
    counselors = _counselors(
        built,
        organization,
        week_blocks=week_blocks,
        track_ids=track_ids,
        roomed_sites=roomed_sites,
        absent=absent,
        hours_done=counselor_hours_done or {},
    )
    by_patient = _enrolled(
        organization,
        track_ids,
        first=first_day or week_start,
        week_end=week_start + timedelta(days=6),
    )
    patients = _patients(
        built,
        by_patient,
        week_blocks=week_blocks,
        roomed_sites=roomed_sites,
        hours_done=patient_hours_done or {},
    )
    built.problem = {
        "format": "iop-week/1",
        "week_start": week_start.isoformat(),
        "blocks": [b.as_format() for b in week_blocks],
        "tracks": [_track(t, week_blocks) for t in tracks],
        "rooms": _rooms(
            built, [r for r in rooms if r.virtual or r.site_id in sites], week_blocks, own_hours
        ),
        "counselors": counselors,
        "patients": patients,
        "previous": _previous_in(previous, set(block_ids)),
    }
    return built


def _track(track: Track, week_blocks: tuple[std.StandardBlock, ...]) -> dict[str, Any]:
    """A track as iop-week/1, with ``blocks`` when it keeps to some days or parts of the day."""
    out: dict[str, Any] = {
        "id": ref("track", track.pk),
        "min_group": track.min_group,
        "max_group": track.max_group,
    }
    days, parts = set(track.meeting_days or ()), set(track.meeting_parts or ())
    if days or parts:
        out["blocks"] = [
            b.id
            for b in week_blocks
            if (not days or b.weekday in days) and (not parts or b.slot in parts)
        ]
    return out


def _rooms(
    built: Built,
    rooms: list[Room],
    week_blocks: tuple[std.StandardBlock, ...],
    own_hours: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Rooms as iop-week/1: the blocks of their site (virtual rooms: every block) that one of
    their weekly windows holds; all of those when none is recorded (said in ``notes``)."""
    out: list[dict[str, Any]] = []
    open_always: list[str] = []
    for r in rooms:
        site = None if r.virtual or r.site_id is None else ref("site", r.site_id)
        usable = [b for b in week_blocks if std.usable_at(b, site, own_hours.get(site or "", {}))]
        windows = [(a.weekday, a.start, a.end) for a in r.availability.all()]
        if windows:
            usable = [b for b in usable if std.covers(windows, b)]
        else:
            open_always.append(r.name)
        out.append(
            {
                "id": ref("room", r.pk),
                "site": site,
                "capacity": r.capacity,
                "blocks": [b.id for b in usable],
                "virtual": r.virtual,
            }
        )
    if open_always:
        built.note(
            "assumption",
            "",
            "No hours recorded for "
            + ("every room" if len(open_always) == len(rooms) else ", ".join(open_always))
            + ": treated as open whenever groups meet.",
        )
    return out


def _counselors(
    built: Built,
    organization: Organization,
    *,
    week_blocks: tuple[std.StandardBlock, ...],
    track_ids: set[int],
    roomed_sites: set[int],
    absent: Collection[int],
    hours_done: Mapping[int, float],
) -> list[dict[str, Any]]:
    """The active staff who may lead a track, as iop-week/1 counselors, from one query
    (and its prefetches)."""
    profiles = (
        StaffProfile.objects.filter(user__organization=organization, user__is_active=True)
        .select_related("user")
        .prefetch_related("tracks", "sites", "availability")
        .order_by("user_id")
    )
    counselors: list[dict[str, Any]] = []
    for profile in profiles:
        counselor = _counselor(
            built,
            profile,
            week_blocks=week_blocks,
            track_ids=track_ids,
            roomed_sites=roomed_sites,
            absent=absent,
            hours_done=hours_done.get(profile.user_id, 0.0),
        )
        if counselor is not None:
            counselors.append(counselor)
    return counselors


def _counselor(
    built: Built,
    profile: StaffProfile,
    *,
    week_blocks: tuple[std.StandardBlock, ...],
    track_ids: set[int],
    roomed_sites: set[int],
    absent: Collection[int],
    hours_done: float,
) -> dict[str, Any] | None:
    """A staff member as an iop-week/1 counselor (module docstring), or None when they lead
    no track or are absent; what was left out or assumed goes to ``built``'s notes."""
    leads = sorted(ref("track", t.pk) for t in profile.tracks.all() if t.pk in track_ids)
    if not leads:
        return None
    cref = ref("counselor", profile.user_id)
    if profile.user_id in absent:
        built.note("counselor", cref, ABSENT_NOTE)
        return None
    windows = [(a.weekday, a.start, a.end) for a in profile.availability.all()]
    free = [b.id for b in week_blocks if std.covers(windows, b)]
    if not windows:
        built.note("counselor", cref, "no weekly availability recorded: leads no groups")
    my_sites = [s.pk for s in profile.sites.all()]
    site = None
    if len(my_sites) == 1:
        if my_sites[0] in roomed_sites:
            site = ref("site", my_sites[0])
        else:
            built.note("counselor", cref, "their only site has no group room: may lead at any site")
    hours = max(0.0, profile.max_weekly_hours - hours_done)
    return {"id": cref, "tracks": leads, "blocks": free, "max_hours": _hours(hours), "site": site}


def _enrolled(
    organization: Organization, track_ids: set[int], *, first: date, week_end: date
) -> dict[int, dict[str, Any]]:
    """Active enrolments running in the week, by patient: their site, their tracks and the
    largest required weekly hours (every track's hours count toward one weekly total)."""
    enrollments = (
        Enrollment.objects.filter(
            patient__organization=organization,
            status=EnrollmentStatus.ACTIVE,
            track_id__in=track_ids,
            starts_on__lte=week_end,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .values_list("patient_id", "patient__site_id", "track_id", "required_weekly_hours")
        .order_by("patient_id", "track_id")
    )
    by_patient: dict[int, dict[str, Any]] = {}
    for patient_id, site_id, track_id, required in enrollments:
        entry = by_patient.setdefault(
            patient_id, {"site": site_id, "tracks": [], "required": Decimal(0)}
        )
        entry["tracks"].append(ref("track", track_id))
        entry["required"] = max(entry["required"], required)
    return by_patient


def _patients(
    built: Built,
    by_patient: dict[int, dict[str, Any]],
    *,
    week_blocks: tuple[std.StandardBlock, ...],
    roomed_sites: set[int],
    hours_done: Mapping[int, float],
) -> list[dict[str, Any]]:
    """The enrolled patients as iop-week/1 patients (module docstring: hours, one block a
    day, telehealth preference, free blocks); what was left out or assumed goes to notes."""
    telehealth = dict(
        PatientSchedulePreference.objects.filter(patient_id__in=list(by_patient)).values_list(
            "patient_id", "telehealth_ok"
        )
    )
    windows_by_patient = patient_windows(by_patient)
    if windows_by_patient is None:
        built.note(
            "assumption",
            "",
            "Patients' free times are not recorded yet: every patient is "
            "treated as free in every block.",
        )
    block_ids = [b.id for b in week_blocks]
    patients: list[dict[str, Any]] = []
    for patient_id, entry in by_patient.items():
        pref = ref("patient", patient_id)
        if entry["site"] not in roomed_sites:
            built.note("patient", pref, "their site has no group room: left out")
            continue
        free = block_ids
        site = ref("site", entry["site"])
        if windows_by_patient is not None:
            mine = windows_by_patient.get(patient_id)
            if mine:
                free = [
                    b.id
                    for b in week_blocks
                    if std.covers(mine, b) or (b.site == site and std.covers_part(mine, b))
                ]
            else:
                built.note(
                    "patient", pref, "no free times recorded: treated as free in every block"
                )
        minimum = float(entry["required"])
        done = hours_done.get(patient_id, 0.0)
        patients.append(
            {
                "id": pref,
                "site": site,
                "tracks": entry["tracks"],
                "min_hours": _hours(max(0.0, minimum - done)),
                "max_hours": _hours(max(0.0, max_hours_for(minimum) - done)),
                "blocks": free,
                "max_blocks_per_day": MAX_BLOCKS_PER_DAY,
                "telehealth_ok": bool(telehealth.get(patient_id, False)),
            }
        )
    return patients


def _previous_in(previous: Mapping[str, Any] | None, kept: set[str]) -> dict[str, Any] | None:
    """The earlier solution restricted to the blocks still ahead: groups of days already past
    would otherwise count as changes for every patient (format objective 3)."""
    if not previous:
        return None
    groups = [g for g in previous.get("groups", []) if g.get("block") in kept]
    return {"format": "iop-week-solution/1", "groups": groups, "stats": {}}
