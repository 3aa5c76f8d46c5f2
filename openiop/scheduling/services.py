"""Every write of the scheduling app: one function per action, one transaction each, audited in
that transaction (ARCHITECTURE.md §2).

Week lifecycle: ``week_build`` (draft) -> ``week_solve_enqueue`` (queued; the solve task runs on
the task queue, see :mod:`tasks` and :mod:`runner`) -> ``week_solution_store`` (solved or
failed; ``week_solve_retry`` / ``week_solve_requeue`` / ``week_solve_give_up`` when an attempt
fails or its worker is lost) -> ``week_move_patient`` (hand edits, each checked by the domain validator) ->
``week_publish`` (group sessions and assignments). ``week_resolve`` starts a new revision of a
published week from a given day, close to the published schedule.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.core.tasks import enqueue_on_commit
from openiop.domain.scheduling import (
    FormatError,
    Problem,
    Solution,
    explain,
    parse_problem,
    parse_solution,
    solution_to_dict,
    validate,
)
from openiop.domain.scheduling.model import Group
from openiop.organization.models import Organization, Room, Site, Track
from openiop.patients.models import Patient
from openiop.scheduling import blocks as std
from openiop.scheduling import curriculum
from openiop.scheduling.models import (
    CalendarToken,
    GroupSession,
    PatientSchedulePreference,
    ScheduleWeek,
    SessionAssignment,
    SessionStatus,
    WeekStatus,
)
from openiop.scheduling.problem import absent_in, build_problem, pk_of, ref

EDITABLE = frozenset({WeekStatus.SOLVED})
SOLVABLE = frozenset({WeekStatus.DRAFT, WeekStatus.SOLVED, WeekStatus.FAILED})
OPEN = (
    WeekStatus.DRAFT,
    WeekStatus.QUEUED,
    WeekStatus.SOLVING,
    WeekStatus.SOLVED,
    WeekStatus.FAILED,
)


def _require_manager(actor: User, organization_id: int | None) -> None:
    """Defence in depth behind the views: role and organization of the actor."""
    policy.require(
        actor, Action.SCHEDULE_MANAGE, object_type="scheduling.scheduleweek", signed_in=False
    )
    if actor.organization_id != organization_id:
        raise policy.refuse(
            actor,
            "That schedule belongs to another organization.",
            object_type="scheduling.scheduleweek",
        )


def _next_revision(organization: Organization, week_start: date) -> int:
    # Lock the organization row: two managers building the same week get revisions n and n+1.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    top = ScheduleWeek.objects.filter(organization=organization, week_start=week_start).aggregate(
        top=Max("revision")
    )["top"]
    return int(top or 0) + 1


def _checked(problem: dict[str, Any]) -> Problem:
    try:
        return parse_problem(problem)
    except FormatError as exc:  # a bug in build_problem, not the user's input
        raise ValidationError({"__all__": [f"The week's problem is malformed: {exc}"]}) from exc


@service
def week_build(
    *,
    actor: User,
    organization: Organization,
    week_start: date,
    request: HttpRequest | None = None,
) -> ScheduleWeek:
    """A new draft revision of the week's schedule, its problem built from the database."""
    _require_manager(actor, organization.pk)
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": ["Choose a Monday: weeks start on Monday."]})
    revision = _next_revision(organization, week_start)
    if ScheduleWeek.objects.filter(
        organization=organization, week_start=week_start, status=WeekStatus.PUBLISHED
    ).exists():
        raise ValidationError(
            {
                "week_start": [
                    f"The week of {week_start:%d %b %Y} is already published: re-solve it from "
                    "a given day instead, so that earlier days stay as published."
                ]
            }
        )
    built = build_problem(organization, week_start)
    problem = _checked(built.problem)
    week = ScheduleWeek.objects.create(
        organization=organization,
        week_start=week_start,
        revision=revision,
        status=WeekStatus.DRAFT,
        problem=built.problem,
        notes=built.notes,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=week,
        fields=["problem"],
        request=request,
        detail=(
            f"built week {week_start} r{revision}: {len(problem.patients)} patients, "
            f"{len(problem.counselors)} counselors, {len(problem.rooms)} rooms"
        ),
        part2=bool(problem.patients),
        organization_id=organization.pk,
    )
    return week


@service
def week_solve_enqueue(
    *,
    actor: User,
    week: ScheduleWeek,
    rebuild: bool = False,
    request: HttpRequest | None = None,
) -> ScheduleWeek:
    """Queue the week for the solver: the solve task is enqueued when this commits; a web
    request never waits for it (see tasks.solve_week). ``rebuild`` first builds the problem
    again from today's enrolments, staff and rooms (patients admitted or discharged since the
    last build), with the same first day and absent counselors; hand edits are dropped."""
    _require_manager(actor, week.organization_id)
    week = ScheduleWeek.objects.select_for_update().get(pk=week.pk)
    if week.status not in SOLVABLE:
        raise ValidationError(
            {"__all__": [f"This revision is {week.get_status_display().lower()}: not solvable."]}
        )
    rebuilt = _rebuild(week) if rebuild else ""
    week.status = WeekStatus.QUEUED
    week.queued_at = timezone.now()
    week.started_at = None
    week.heartbeat_at = None
    week.progress = "Waiting for the solver."
    week.error = ""
    fields = ["status", "queued_at", "started_at", "heartbeat_at", "progress", "error"]
    if rebuild:
        fields += ["problem", "notes", "solution", "edits"]
    week.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=week,
        fields=["status", "problem"] if rebuild else ["status"],
        request=request,
        detail=f"queued week {week.week_start} r{week.revision} for the solver{rebuilt}",
        part2=rebuild,
        organization_id=week.organization_id,
    )
    from openiop.scheduling.tasks import solve_week

    enqueue_on_commit(solve_week, week_id=week.pk, attempt=1)
    return week


def _rebuild(week: ScheduleWeek) -> str:
    """Build the week's problem again from the database (see ``week_solve_enqueue``); the
    unsaved week gets it, and the answer says what changed for the audit trail."""
    first_day = week.starts_on if week.parent_id else None
    parent = week.parent if week.parent_id else None
    done: tuple[dict[int, float], dict[int, float]] = ({}, {})
    if first_day is not None:
        done = hours_before(week.organization_id, week.week_start, first_day)
    built = build_problem(
        week.organization,
        week.week_start,
        first_day=first_day,
        absent=absent_in(week.notes),
        previous=parent.solution if parent is not None else None,
        patient_hours_done=done[0],
        counselor_hours_done=done[1],
    )
    _checked(built.problem)
    added, left = rebuild_changes(week.problem, built.problem)
    week.problem = built.problem
    week.notes = built.notes
    week.solution = {}
    week.edits = 0
    return f", rebuilt from today's enrolments: {added} patients added, {left} left out"


def rebuild_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, int]:
    """How many patients a rebuilt problem added and left out, compared with the earlier one."""
    old = {p["id"] for p in before.get("patients", [])}
    new = {p["id"] for p in after.get("patients", [])}
    return len(new - old), len(old - new)


@service
def week_solve_retry(
    *, week_id: int, attempt: int, error: BaseException, run_after: datetime
) -> bool:
    """An attempt of the solve raised (the worker's database went away, a bug): the week waits
    for the next attempt, queued, saying so. False when the week is no longer being solved."""
    seconds = max(0, round((run_after - timezone.now()).total_seconds()))
    return (
        ScheduleWeek.objects.filter(
            pk=week_id, status__in=[WeekStatus.QUEUED, WeekStatus.SOLVING]
        ).update(
            status=WeekStatus.QUEUED,
            heartbeat_at=None,
            progress=(
                f"Attempt {attempt} failed ({type(error).__name__}); trying again in {seconds} s."
            )[:200],
        )
        == 1
    )


@service
def week_solve_requeue(*, week_id: int, started_at: datetime) -> bool:
    """Queue again a week whose solve (the one that started at ``started_at``) lost its worker."""
    return (
        ScheduleWeek.objects.filter(
            pk=week_id, status=WeekStatus.SOLVING, started_at=started_at
        ).update(
            status=WeekStatus.QUEUED,
            heartbeat_at=None,
            queued_at=timezone.now(),
            progress="Queued again: the solver that had it stopped.",
        )
        == 1
    )


@service
def week_solve_give_up(*, week_id: int, reason: str) -> ScheduleWeek | None:
    """The last attempt failed: the week shows ``failed`` with the reason (by the worker: no
    user). Ignored unless the week is still queued or being solved."""
    week = ScheduleWeek.objects.select_for_update().filter(pk=week_id).first()
    if week is None or week.status not in (WeekStatus.QUEUED, WeekStatus.SOLVING):
        return None
    week.status = WeekStatus.FAILED
    week.error = reason[:2000]
    week.progress = "Failed."
    week.heartbeat_at = timezone.now()
    week.save(update_fields=["status", "error", "progress", "heartbeat_at"])
    audit.record(
        actor=None,
        action=AuditAction.CHANGE,
        obj=week,
        fields=["status"],
        detail=f"solver gave up on week {week.week_start} r{week.revision}",
        part2=False,
        organization_id=week.organization_id,
    )
    return week


def _summary(problem: Problem, solution: Solution, stats: dict[str, Any]) -> dict[str, Any]:
    """Stats recomputed by the independent validator (after a solve or a hand edit)."""
    report = validate(problem, solution)
    stats = dict(stats)
    stats.update(
        {
            "shortfall_hours": report.shortfall_hours,
            "patients_meeting_minimum": report.patients_meeting_minimum,
            "groups": report.groups,
            "valid": report.valid,
            "shortfalls": [s.to_dict() for s in explain(problem, solution)],
        }
    )
    return stats


@service
def week_solution_store(
    *, week_id: int, solution: dict[str, Any] | None, error: str = ""
) -> ScheduleWeek | None:
    """The solver's result (by the worker: no user). Ignored unless the week is still being
    solved (it may have been superseded or requeued meanwhile)."""
    week = ScheduleWeek.objects.select_for_update().filter(pk=week_id).first()
    if week is None or week.status != WeekStatus.SOLVING:
        return None
    now = timezone.now()
    if solution is None:
        week.status = WeekStatus.FAILED
        week.error = error[:2000] or "The solver stopped without a result."
        week.progress = "Failed."
    else:
        problem = _checked(week.problem)
        parsed = parse_solution(solution)
        solution = solution_to_dict(
            Solution(parsed.groups, _summary(problem, parsed, dict(parsed.stats)))
        )
        week.status = WeekStatus.SOLVED
        week.solution = solution
        week.error = error[:2000]
        week.edits = 0
        stats = solution["stats"]
        week.progress = (
            f"Done: {stats.get('groups', 0)} groups, shortfall {stats.get('shortfall_hours', 0):g} h"
            f" ({stats.get('solver', '?')}, {stats.get('status', '?')})."
        )
    week.solved_at = now
    week.heartbeat_at = now
    week.save()
    audit.record(
        actor=None,
        action=AuditAction.CHANGE,
        obj=week,
        fields=["solution", "status"],
        detail=f"solver finished week {week.week_start} r{week.revision}: {week.progress}"[:500],
        part2=solution is not None,
        organization_id=week.organization_id,
    )
    return week


@service
def week_move_patient(
    *,
    actor: User,
    week: ScheduleWeek,
    patient: Patient,
    from_group: str | None,
    to_group: str | None,
    request: HttpRequest | None = None,
) -> ScheduleWeek:
    """Move a patient between groups (or add, or remove) by hand. The domain validator checks
    the result; a change that breaks a hard constraint is refused with its reasons and nothing
    is saved."""
    _require_manager(actor, week.organization_id)
    week = ScheduleWeek.objects.select_for_update().get(pk=week.pk)
    if week.status not in EDITABLE:
        raise ValidationError(
            {"__all__": ["Only a solved revision under review can be edited by hand."]}
        )
    if patient.organization_id != week.organization_id:
        raise PermissionDenied("This patient belongs to another organization.")
    if not from_group and not to_group:
        raise ValidationError({"to_group": ["Choose a group to move the patient to."]})
    problem = _checked(week.problem)
    pid = ref("patient", patient.pk)
    if pid not in problem.patient_by_id:
        raise ValidationError({"patient": ["This patient is not in this week's schedule."]})
    current = parse_solution(week.solution)
    proposed = _moved(current, pid, from_group, to_group)
    before = set(validate(problem, current).errors)
    broken = [e for e in validate(problem, proposed).errors if e not in before]
    if broken:
        raise ValidationError({"to_group" if to_group else "from_group": broken})
    stats = _summary(problem, proposed, dict(current.stats))
    stats["hand_edits"] = int(stats.get("hand_edits", 0)) + 1
    week.solution = solution_to_dict(Solution(proposed.groups, stats))
    week.edits += 1
    week.save(update_fields=["solution", "edits"])
    verb = "moved" if from_group and to_group else ("added" if to_group else "removed")
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=week,
        fields=["schedule"],
        request=request,
        detail=f"hand edit, {verb} {pid}: {from_group or '-'} -> {to_group or '-'}",
    )
    return week


def _moved(current: Solution, pid: str, from_group: str | None, to_group: str | None) -> Solution:
    """``current`` with patient ``pid`` taken out of ``from_group`` and put into ``to_group``
    (either may be empty: an addition or a removal). Refuses groups that do not exist, a
    patient not in ``from_group`` or already in ``to_group``, naming the field."""
    groups = {g.id: g for g in current.groups}
    errors: dict[str, list[str]] = {}
    if from_group and (from_group not in groups or pid not in groups[from_group].patients):
        errors["from_group"] = ["The patient is not in that group."]
    if to_group and to_group not in groups:
        errors["to_group"] = ["No such group in this week."]
    elif to_group and pid in groups[to_group].patients:
        errors["to_group"] = ["The patient is already in that group."]
    if errors:
        raise ValidationError(errors)

    def changed(g: Group) -> Group:
        members = [p for p in g.patients if not (g.id == from_group and p == pid)]
        if g.id == to_group:
            members.append(pid)
        return Group(g.id, g.track, g.block, g.counselor, g.room, tuple(members))

    return Solution(tuple(changed(g) for g in current.groups), current.stats)


def _first_site_zones(user_ids: set[int]) -> dict[int, str]:
    """Each counselor's first site's time zone (lowest id), for virtual rooms."""
    zones: dict[int, str] = {}
    rows = (
        Site.objects.filter(staff__user_id__in=user_ids)
        .order_by("staff__user_id", "pk")
        .values_list("staff__user_id", "timezone")
    )
    for user_id, zone in rows:
        zones.setdefault(int(user_id), zone)
    return zones


def local_to_utc(day: date, clock: str, zone: str) -> datetime:
    """A site-local wall-clock time on ``day`` as an aware UTC datetime."""
    local = datetime.combine(day, time.fromisoformat(clock), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def _topics_for(
    new: list[tuple[GroupSession, list[int]]], track_ids: set[int], before: datetime
) -> dict[int, str]:
    """Curriculum topics for new sessions (index -> topic), continuing each patient's and each
    track's history of published sessions."""
    patients = {pid for _, members in new for pid in members}
    past: defaultdict[int, list[str]] = defaultdict(list)
    rows = (
        SessionAssignment.objects.filter(
            patient_id__in=patients,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__lt=before,
        )
        .exclude(session__topic="")
        .order_by("session__starts_at", "session_id")
        .values_list("patient_id", "session__topic")
    )
    for patient_id, topic in rows:
        past[int(patient_id)].append(topic)
    last: dict[str, str] = {}
    recent = (
        GroupSession.objects.filter(
            track_id__in=track_ids,
            status=SessionStatus.SCHEDULED,
            starts_at__lt=before,
            starts_at__gte=before - timedelta(days=60),
        )
        .exclude(topic="")
        .order_by("-starts_at", "-id")
        .values_list("track_id", "topic")
    )
    for track_id, topic in recent:
        last.setdefault(str(track_id), topic)
    meetings = [
        curriculum.Meeting(i, str(session.track_id), tuple(str(p) for p in members))
        for i, (session, members) in enumerate(new)
    ]
    histories = {str(p): curriculum.replay(topics) for p, topics in past.items()}
    chosen = curriculum.assign_topics(meetings, histories, last)
    return {int(str(k)): topic for k, topic in chosen.items()}


@service
def week_publish(
    *, actor: User, week: ScheduleWeek, request: HttpRequest | None = None
) -> ScheduleWeek:
    """Create the week's group sessions and assignments (one transaction). Times are the block's
    wall-clock times in the room's site time zone (virtual rooms: the counselor's first site),
    stored in UTC. A re-solve revision replaces only its parent's sessions from its first day
    on; other weeks and earlier days never change. A group it keeps (same track, block, room
    and times) keeps its session row, so its check-in code; every patient whose code changes
    is listed in the revision's notes and on the week page (see ``Replacement``)."""
    _require_manager(actor, week.organization_id)
    week = ScheduleWeek.objects.select_for_update().get(pk=week.pk)
    if week.status != WeekStatus.SOLVED:
        raise ValidationError({"__all__": ["Only a solved revision can be published."]})
    problem = _checked(week.problem)
    solution = parse_solution(week.solution)
    report = validate(problem, solution)
    if not report.valid:
        raise ValidationError({"__all__": ["The schedule breaks hard rules:", *report.errors[:5]]})
    parent = _parent_to_replace(week)

    now = timezone.now()
    planned = _new_sessions(week, problem, solution)
    plan = _plan_replacement(week, planned, lock=True) if parent is not None else None
    new = plan.new if plan is not None else planned
    created = GroupSession.objects.bulk_create([session for session, _ in new])
    SessionAssignment.objects.bulk_create(
        [
            SessionAssignment(session=session, patient_id=pid)
            for session, (_, members) in zip(created, new, strict=True)
            for pid in members
        ]
    )
    changes: list[dict[str, str]] = []
    if parent is not None and plan is not None:
        _apply_replacement(week, parent, plan)
        changes = plan.changes
        week.notes = [*(week.notes or []), *changes]
        week.save(update_fields=["notes"])
    ScheduleWeek.objects.filter(
        organization_id=week.organization_id, week_start=week.week_start, status__in=OPEN
    ).exclude(pk=week.pk).update(status=WeekStatus.SUPERSEDED)
    week.status = WeekStatus.PUBLISHED
    week.published_at = now
    week.save(update_fields=["status", "published_at"])
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=week,
        fields=["sessions"],
        request=request,
        detail=(
            f"published week {week.week_start} r{week.revision}: {len(created)} new sessions"
            + (
                f", replacing r{parent.revision} from {week.starts_on}: "
                f"{len(plan.kept)} sessions kept with their check-in codes, "
                f"{len(changes)} patient check-in codes changed"
                if parent is not None and plan is not None
                else ""
            )
        ),
        part2=False,
        organization_id=week.organization_id,
    )
    _audit_assignments(actor, week, [*new, *(plan.kept if plan else [])], request)
    # The week's individual, family and prescriber appointments are placed around the groups
    # just published, on the task queue once this transaction commits (when the organization
    # offers any that fall due).
    from openiop.appointments.models import AppointmentType
    from openiop.appointments.tasks import place_week

    if AppointmentType.objects.filter(
        organization_id=week.organization_id, active=True, every_weeks__gt=0
    ).exists():
        enqueue_on_commit(
            place_week,
            organization_id=week.organization_id,
            week_start=week.week_start.isoformat(),
        )
    return week


def _parent_to_replace(week: ScheduleWeek) -> ScheduleWeek | None:
    """The published revision a re-solve replaces (locked), or None for a first publication.
    Refuses a re-solve whose parent was replaced meanwhile or whose first day has begun,
    and a second publication of the same week."""
    if week.parent_id is None:
        if ScheduleWeek.objects.filter(
            organization_id=week.organization_id,
            week_start=week.week_start,
            status=WeekStatus.PUBLISHED,
        ).exists():
            raise ValidationError({"__all__": ["This week is already published."]})
        return None
    parent = ScheduleWeek.objects.select_for_update().get(pk=week.parent_id)
    if parent.status != WeekStatus.PUBLISHED:
        raise ValidationError(
            {"__all__": ["A later revision of this week was published meanwhile."]}
        )
    if week.starts_on is not None and week.starts_on < timezone.localdate():
        raise ValidationError(
            {
                "__all__": [
                    f"This re-solve starts on {week.starts_on:%a %d %b}, which has begun: "
                    "re-solve again from today or later."
                ]
            }
        )
    return parent


CODE_CHANGE = "code_change"


@dataclass
class Replacement:
    """What publishing a re-solve does to the sessions it replaces: ``kept`` sessions (same
    track, block, room and times) stay the same rows, so their check-in code does not change,
    with their new members; ``new`` ones are created; ``cancelled`` ones end; ``changes`` name
    each patient who held a code for a block and now has another one (or none)."""

    kept: list[tuple[GroupSession, list[int]]] = field(default_factory=list)
    new: list[tuple[GroupSession, list[int]]] = field(default_factory=list)
    cancelled: list[GroupSession] = field(default_factory=list)
    before: dict[int, set[int]] = field(default_factory=dict)
    changes: list[dict[str, str]] = field(default_factory=list)


def _session_key(session: GroupSession) -> tuple[int, str, int, datetime, datetime]:
    return (session.track_id, session.block_id, session.room_id, session.starts_at, session.ends_at)


def _plan_replacement(
    week: ScheduleWeek, planned: list[tuple[GroupSession, list[int]]], *, lock: bool = False
) -> Replacement:
    """Match the re-solve's groups with the scheduled sessions of the blocks it covers (no
    writes; ``lock`` locks those sessions for the publication)."""
    replaced = {b["id"] for b in week.problem.get("blocks", [])}
    rows = GroupSession.objects.filter(
        organization_id=week.organization_id,
        week__week_start=week.week_start,
        status=SessionStatus.SCHEDULED,
        block_id__in=replaced,
    ).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    existing = list(rows)
    members_of: defaultdict[int, set[int]] = defaultdict(set)
    for session_id, patient_id in SessionAssignment.objects.filter(
        session__in=[s.pk for s in existing]
    ).values_list("session_id", "patient_id"):
        members_of[int(session_id)].add(int(patient_id))
    by_key = {_session_key(s): s for s in existing}
    plan = Replacement(before={s.pk: members_of[s.pk] for s in existing})
    for session, members in planned:
        old = by_key.pop(_session_key(session), None)
        if old is None:
            plan.new.append((session, members))
            continue
        if old.counselor_id != session.counselor_id:
            old.counselor = session.counselor
        old.site = session.site
        old.week = week
        plan.kept.append((old, members))
    plan.cancelled = list(by_key.values())
    plan.changes = _code_changes(existing, plan)
    return plan


def _code_changes(existing: list[GroupSession], plan: Replacement) -> list[dict[str, str]]:
    """Patients who were in a scheduled session of a replaced block and are not in that same
    session any more: the check-in code they were given changes (or no longer applies)."""
    now_in: dict[tuple[int, str], GroupSession] = {}
    for session, members in [*plan.kept, *plan.new]:
        for pid in members:
            now_in[(pid, session.block_id)] = session
    changes: list[dict[str, str]] = []
    for old in sorted(existing, key=lambda s: (s.starts_at, s.pk)):
        was = f"{ref('track', old.track_id)} in {ref('room', old.room_id)}"
        for pid in sorted(plan.before.get(old.pk, ())):
            current = now_in.get((pid, old.block_id))
            if current is not None and current.pk == old.pk:
                continue
            if current is None:
                text = (
                    f"{old.block_id}: no longer in {was}; the check-in code they were given "
                    "for it no longer works"
                )
            else:
                text = (
                    f"{old.block_id}: moved from {was} to "
                    f"{ref('track', current.track_id)} in {ref('room', current.room_id)}; "
                    "give them the new group's check-in code"
                )
            changes.append({"kind": CODE_CHANGE, "ref": ref("patient", pid), "text": text})
    return changes


def _apply_replacement(week: ScheduleWeek, parent: ScheduleWeek, plan: Replacement) -> None:
    """Write a planned replacement: kept sessions move to the new revision with their new
    members, the others of the replaced blocks are cancelled, the parent is superseded."""
    for session, members in plan.kept:
        session.save(update_fields=["week", "counselor", "site"])
        before = plan.before.get(session.pk, set())
        SessionAssignment.objects.filter(
            session=session, patient_id__in=before - set(members)
        ).delete()
        SessionAssignment.objects.bulk_create(
            [
                SessionAssignment(session=session, patient_id=pid)
                for pid in members
                if pid not in before
            ]
        )
    GroupSession.objects.filter(pk__in=[s.pk for s in plan.cancelled]).update(
        status=SessionStatus.CANCELLED
    )
    parent.status = WeekStatus.SUPERSEDED
    parent.save(update_fields=["status"])


def planned_code_changes(week: ScheduleWeek) -> list[dict[str, str]]:
    """For a solved re-solve not yet published: the check-in code changes publishing it would
    make (read only; empty for other revisions or a solution that cannot be published)."""
    if week.status != WeekStatus.SOLVED or week.parent_id is None:
        return []
    try:
        problem = parse_problem(week.problem)
        solution = parse_solution(week.solution)
        planned = _new_sessions(week, problem, solution)
    except (FormatError, ValidationError, KeyError):
        return []
    return _plan_replacement(week, planned).changes


def _new_sessions(
    week: ScheduleWeek, problem: Problem, solution: Solution
) -> list[tuple[GroupSession, list[int]]]:
    """The solution's groups as unsaved sessions with their patients' ids, in time order,
    with curriculum topics; times as the ``week_publish`` docstring says."""
    track_pks = {pk for g in solution.groups if (pk := pk_of(g.track, "track")) is not None}
    room_pks = {pk for g in solution.groups if (pk := pk_of(g.room, "room")) is not None}
    user_pks = {pk for g in solution.groups if (pk := pk_of(g.counselor, "counselor")) is not None}
    tracks = Track.objects.in_bulk(track_pks)
    rooms = Room.objects.select_related("site").in_bulk(room_pks)
    users = User.objects.in_bulk(user_pks)
    zones = _first_site_zones(user_pks)
    default_zone = (
        Site.objects.filter(organization_id=week.organization_id)
        .order_by("pk")
        .values_list("timezone", flat=True)
        .first()
    ) or "UTC"
    new: list[tuple[GroupSession, list[int]]] = []
    for g in solution.groups:
        block = problem.block_by_id[g.block]
        track = tracks.get(pk_of(g.track, "track") or 0)
        room = rooms.get(pk_of(g.room, "room") or 0)
        counselor = users.get(pk_of(g.counselor, "counselor") or 0)
        if track is None or room is None or counselor is None:
            raise ValidationError(
                {"__all__": [f"Group {g.id} names a track, room or counselor that was deleted."]}
            )
        zone = room.site.timezone if room.site else zones.get(counselor.pk, default_zone)
        day = week.week_start + timedelta(days=std.ALL_DAYS.index(block.day))
        session = GroupSession(
            week=week,
            organization_id=week.organization_id,
            site=room.site,
            track=track,
            room=room,
            counselor=counselor,
            block_id=block.id,
            starts_at=local_to_utc(day, block.start, zone),
            ends_at=local_to_utc(day, block.end, zone),
        )
        members = [pk for p in g.patients if (pk := pk_of(p, "patient")) is not None]
        new.append((session, members))
    new.sort(key=lambda item: (item[0].starts_at, item[0].block_id, item[0].room_id))
    if new:
        topics = _topics_for(new, set(track_pks), new[0][0].starts_at)
        for i, (session, _) in enumerate(new):
            session.topic = topics[i]
    return new


def _audit_assignments(
    actor: User,
    week: ScheduleWeek,
    new: list[tuple[GroupSession, list[int]]],
    request: HttpRequest | None,
) -> None:
    """One audit event per patient scheduled, so each patient's trail shows the week."""
    per_patient: defaultdict[int, int] = defaultdict(int)
    for _, members in new:
        for pid in members:
            per_patient[pid] += 1
    for pid, count in sorted(per_patient.items()):
        audit.record(
            actor=actor,
            action=AuditAction.ADD,
            patient=pid,
            object_type="scheduling.sessionassignment",
            object_id=str(week.pk),
            fields=["sessions"],
            request=request,
            detail=f"scheduled into {count} group sessions, week {week.week_start}",
            organization_id=week.organization_id,
        )


def hours_before(
    organization_id: int, week_start: date, first_day: date
) -> tuple[dict[int, float], dict[int, float]]:
    """Hours of scheduled sessions of this week before ``first_day``: per patient, per counselor."""
    sessions = list(
        GroupSession.objects.filter(
            organization_id=organization_id,
            week__week_start=week_start,
            status=SessionStatus.SCHEDULED,
        ).prefetch_related("assignments")
    )
    patients: defaultdict[int, float] = defaultdict(float)
    counselors: defaultdict[int, float] = defaultdict(float)
    for s in sessions:
        block = std.standard_of(s.block_id)  # a site's own block too (``mon-ev-s3``)
        if block is None or block.on(week_start) >= first_day:
            continue
        counselors[s.counselor_id] += s.hours
        for a in s.assignments.all():
            patients[a.patient_id] += s.hours
    return dict(patients), dict(counselors)


@service
def week_resolve(
    *,
    actor: User,
    week: ScheduleWeek,
    first_day: date,
    absent: Sequence[User] = (),
    request: HttpRequest | None = None,
) -> ScheduleWeek:
    """A new draft revision of a published week covering ``first_day`` to Saturday, built from
    today's enrolments (admissions, discharges) without ``absent`` counselors, with the
    published schedule as ``previous`` so the solver keeps most patients where they were."""
    _require_manager(actor, week.organization_id)
    week = ScheduleWeek.objects.select_for_update().get(pk=week.pk)
    _require_resolvable(week, first_day, absent)
    patient_done, counselor_done = hours_before(week.organization_id, week.week_start, first_day)
    built = build_problem(
        week.organization,
        week.week_start,
        first_day=first_day,
        absent={u.pk for u in absent},
        previous=week.solution,
        patient_hours_done=patient_done,
        counselor_hours_done=counselor_done,
    )
    problem = _checked(built.problem)
    revision = _next_revision(week.organization, week.week_start)
    new = ScheduleWeek.objects.create(
        organization_id=week.organization_id,
        week_start=week.week_start,
        revision=revision,
        status=WeekStatus.DRAFT,
        problem=built.problem,
        notes=built.notes,
        created_by=actor,
        parent=week,
        starts_on=first_day,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=new,
        fields=["problem"],
        request=request,
        detail=(
            f"re-solve of week {week.week_start} r{week.revision} from {first_day} as "
            f"r{revision}: {len(problem.patients)} patients, {len(absent)} counselors absent"
        ),
        part2=bool(problem.patients),
        organization_id=week.organization_id,
    )
    return new


def _require_resolvable(week: ScheduleWeek, first_day: date, absent: Sequence[User]) -> None:
    """A re-solve needs the published revision, a day of its week not yet begun (and not
    before the revision's own first day) with group blocks left, and absent counselors of
    the same organization."""
    if week.status != WeekStatus.PUBLISHED:
        raise ValidationError({"__all__": ["Only the published revision can be re-solved."]})
    last_day = week.week_start + timedelta(days=6)
    if not week.week_start <= first_day <= last_day:
        raise ValidationError({"first_day": ["Choose a day of this week."]})
    if first_day < timezone.localdate():
        raise ValidationError({"first_day": ["That day has begun: re-solve from today on."]})
    if week.starts_on and first_day < week.starts_on:
        raise ValidationError(
            {"first_day": [f"This revision starts on {week.starts_on}: choose that day or later."]}
        )
    if not std.blocks_from(week.week_start, first_day):
        raise ValidationError({"first_day": ["No group blocks remain in the week after that."]})
    strangers = [u.username for u in absent if u.organization_id != week.organization_id]
    if strangers:
        raise ValidationError({"absent": ["Unknown counselor."]})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@service
def calendar_token_create(
    *,
    actor: User,
    patient: Patient | None = None,
    owner: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[CalendarToken, str]:
    """A new private feed address for a patient or for the actor themself; earlier addresses
    of the same owner are revoked. Returns the token row and the raw token (shown once)."""
    if (patient is None) == (owner is None):
        raise ValueError("give a patient or an owner")
    if owner is not None and owner.pk != actor.pk:
        raise PermissionDenied("Staff create calendar links for themselves only.")
    if patient is not None and patient.organization_id != actor.organization_id:
        raise PermissionDenied("This patient belongs to another organization.")
    now = timezone.now()
    earlier = CalendarToken.objects.filter(
        patient=patient, user=owner, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    token = CalendarToken.objects.create(
        organization_id=access.organization_id(actor),
        patient=patient,
        user=owner,
        token_hash=token_hash(raw),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        patient=patient,
        obj=token,
        fields=["calendar_link"],
        request=request,
        detail=f"calendar link created{f', {earlier} earlier revoked' if earlier else ''}",
        part2=patient is not None,
    )
    return token, raw


@service
def calendar_token_revoke(
    *, actor: User, token: CalendarToken, request: HttpRequest | None = None
) -> CalendarToken:
    """Revoke a feed address: it answers 404 from now on."""
    token = CalendarToken.objects.select_for_update().get(pk=token.pk)
    if token.organization_id != actor.organization_id or (
        token.user_id is not None and token.user_id != actor.pk
    ):
        raise PermissionDenied("Not your calendar link.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            patient=token.patient_id,
            obj=token,
            fields=["calendar_link"],
            request=request,
            detail="calendar link revoked",
            part2=token.patient_id is not None,
        )
    return token


@service
def patient_telehealth_set(
    *, actor: User, patient: Patient, telehealth_ok: bool, request: HttpRequest | None = None
) -> PatientSchedulePreference:
    """Whether the patient may be scheduled into telehealth (virtual room) groups."""
    if patient.organization_id != actor.organization_id:
        raise PermissionDenied("This patient belongs to another organization.")
    pref, _ = PatientSchedulePreference.objects.select_for_update().get_or_create(patient=patient)
    pref.telehealth_ok = telehealth_ok
    pref.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        obj=pref,
        fields=["telehealth_ok"],
        request=request,
        detail=f"telehealth groups {'allowed' if telehealth_ok else 'not allowed'}",
    )
    return pref
