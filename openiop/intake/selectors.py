"""Read paths of intake. Each returns only what `core.access` lets the user see, with a fixed
number of queries however many rows there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from openiop.core import access
from openiop.domain import compliance
from openiop.intake.models import (
    BLOCK_TIMES,
    OPEN_STAGES,
    WEEKDAYS,
    Admission,
    PatientAvailability,
    PlacementDecision,
    Referral,
    ReferralStage,
    SafetyTask,
    SafetyTaskStatus,
    ScreeningResponse,
)
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment
from openiop.scheduling.blocks import STANDARD_BLOCKS

if TYPE_CHECKING:
    from openiop.accounts.models import User
    from openiop.organization.models import Track
    from openiop.patients.models import Patient

CLOSED_RECENT_DAYS = 30
CLOSED_LIMIT = 50
STALE_DAYS = 7  # an open referral this long in one stage is highlighted on the board


@dataclass
class Column:
    stage: str
    label: str
    referrals: list[Referral] = field(default_factory=list)
    closed: bool = False


def board(user: User, now: datetime | None = None) -> list[Column]:
    """Referrals by stage: every open referral (longest waiting first), and referrals closed
    in the last 30 days (newest first, at most 50 per stage). Two queries."""
    now = now or timezone.now()
    visible = access.referrals_visible_to(user).select_related("program__site")
    open_rows = visible.filter(stage__in=OPEN_STAGES).order_by("stage_changed_at", "id")
    closed_rows = (
        visible.exclude(stage__in=OPEN_STAGES)
        .filter(stage_changed_at__gte=now - timedelta(days=CLOSED_RECENT_DAYS))
        .order_by("-stage_changed_at", "-id")
    )
    order = [
        ReferralStage.INQUIRY,
        ReferralStage.SCREENING,
        ReferralStage.ASSESSMENT,
        ReferralStage.WAITLISTED,
        ReferralStage.ADMITTED,
        ReferralStage.REFERRED_ELSEWHERE,
        ReferralStage.DECLINED,
    ]
    columns = {
        stage.value: Column(stage.value, stage.label, closed=stage not in OPEN_STAGES)
        for stage in order
    }
    for referral in [*open_rows, *closed_rows[: CLOSED_LIMIT * 3]]:
        column = columns[referral.stage]
        if column.closed and len(column.referrals) >= CLOSED_LIMIT:
            continue
        referral.days_in_stage = (now - referral.stage_changed_at).days  # type: ignore[attr-defined]
        referral.stale = (  # type: ignore[attr-defined]
            not column.closed and referral.days_in_stage >= STALE_DAYS  # type: ignore[attr-defined]
        )
        column.referrals.append(referral)
    return list(columns.values())


def safety_tasks(user: User, *, include_done: bool = False) -> QuerySet[SafetyTask]:
    """Safety tasks of the patients this user may see (their sites and programs), and those
    they raised (`access.visible_safety_tasks_filter`); each row says whether its patient is
    in the user's scope (`in_scope`)."""
    qs = access.safety_tasks_visible_to(user)
    if not include_done:
        qs = qs.filter(status=SafetyTaskStatus.OPEN)
    return (
        qs.select_related(
            "patient", "site", "assigned_to", "created_by", "completed_by", "screening"
        )
        .annotate(
            in_scope=Exists(access.patients_visible_to(user).filter(pk=OuterRef("patient_id")))
        )
        .order_by("status", "-urgent", "created_at", "id")
    )


def urgent_safety_task_count(user: User) -> int:
    """Open urgent safety tasks the user may read: one query."""
    return (
        access.safety_tasks_visible_to(user)
        .filter(status=SafetyTaskStatus.OPEN, urgent=True)
        .count()
    )


def availability_grid(rows: list[PatientAvailability]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Rows for the week grid: one per block (morning, afternoon, evening), one cell per day."""
    free = {(a.weekday, a.start) for a in rows}
    return [
        (block, [(WEEKDAYS[d], (d, start) in free) for d in range(7)])
        for block, (start, _end) in BLOCK_TIMES.items()
    ]


def availability_blocks(patient: Patient) -> set[tuple[int, str]]:
    """The patient's availability as (weekday, block) pairs of the standard grid."""
    by_start = {start: block for block, (start, _end) in BLOCK_TIMES.items()}
    return {
        (a.weekday, by_start[a.start])
        for a in PatientAvailability.objects.filter(patient=patient)
        if a.start in by_start
    }


def chart(patient: Patient, user: User) -> dict[str, object]:
    """Everything the intake tab shows for one patient (a fixed number of queries)."""
    referrals = list(
        access.referrals_visible_to(user)
        .filter(patient=patient)
        .select_related("program")
        .order_by("-created_at")
    )
    screenings = list(
        ScreeningResponse.objects.filter(patient=patient).select_related("administered_by")
    )
    tasks = list(
        SafetyTask.objects.filter(patient=patient)
        .select_related("assigned_to", "completed_by")
        .order_by("status", "created_at")
    )
    decisions = list(PlacementDecision.objects.filter(patient=patient).select_related("decided_by"))
    enrollments = list(
        Enrollment.objects.filter(patient=patient)
        .select_related("track__program__site")
        .order_by("-starts_on", "id")
    )
    admissions = list(
        Admission.objects.filter(patient=patient)
        .select_related("program", "primary_counselor")
        .prefetch_related(Prefetch("enrollments", queryset=Enrollment.objects.only("id")))
    )
    availability = list(PatientAvailability.objects.filter(patient=patient))
    return {
        "referrals": referrals,
        "screenings": screenings,
        "safety_tasks": tasks,
        "decisions": decisions,
        "enrollments": enrollments,
        "admissions": admissions,
        "availability_rows": availability_grid(availability),
        "has_availability": bool(availability),
    }


def _minute(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def admission_availability(
    blocks: set[tuple[int, str]],
    tracks: list[tuple[Track, Decimal]],
    *,
    born: date,
    on: date,
) -> compliance.AvailabilityCheck:
    """Whether the availability given (grid blocks) can hold the patient's one weekly
    requirement over the chosen tracks (the ASAM minimum when none is chosen yet): the free
    blocks that overlap the standard group blocks (Monday to Saturday) against it."""
    requirement = compliance.weekly_requirement(
        [
            compliance.TrackEnrolment(
                str(track.pk),
                adolescent_track=track.kind == TrackKind.ADOLESCENTS,
                track_minimum_minutes=int(track.min_weekly_hours * 60),
                required_minutes=int(hours * 60),
            )
            for track, hours in tracks
        ],
        adolescent=compliance.is_adolescent(born, on),
    )
    free = [
        (day, _minute(BLOCK_TIMES[block][0]), _minute(BLOCK_TIMES[block][1]))
        for day, block in blocks
        if block in BLOCK_TIMES
    ]
    groups = [(b.weekday, _minute(b.start), _minute(b.end)) for b in STANDARD_BLOCKS]
    return compliance.availability_check(free, groups, requirement.minutes)
