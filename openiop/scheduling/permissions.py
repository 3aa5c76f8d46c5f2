"""Who may do what with schedules: object scope here, role decisions from `core.policy`.

- The administrator and the clinical director of an organization build, solve, edit by hand,
  publish and re-solve its weeks, and see every revision.
- Other staff of the organization see published weeks only, restricted to groups at their
  sites (and groups they lead themselves); patient names only for patients `core.access` lets
  them see.
- Anyone else (another organization) gets 404, and every refusal is written to the audit trail.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.scheduling.models import ScheduleWeek, WeekStatus

VISIBLE_TO_STAFF = frozenset({WeekStatus.PUBLISHED, WeekStatus.SUPERSEDED})


def can_manage(user: User) -> bool:
    """Builds, edits and publishes schedules (the role part; TOTP is checked by the getters)."""
    return policy.has_role_for(user, Action.SCHEDULE_MANAGE)


def require_manager(user: User, request: HttpRequest | None, what: str) -> None:
    policy.require(
        user, Action.SCHEDULE_MANAGE, request=request, object_type="scheduling.scheduleweek"
    )


def week_for(
    user: User, week_id: int | str, *, request: HttpRequest | None = None, manage: bool = False
) -> ScheduleWeek:
    """The week if it belongs to the user's organization and they may see it (and manage it
    when ``manage``); else 404 (another organization, unknown, or unpublished for a
    non-manager) or 403 (a non-manager asking to change it), audited either way."""
    access.require_verified_staff(user)
    try:
        pk = int(week_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such schedule.") from exc
    week = (
        ScheduleWeek.objects.select_related("organization", "parent")
        .filter(pk=pk, organization_id=access.organization_id(user))
        .first()
    )
    visible = week is not None and (can_manage(user) or week.status in VISIBLE_TO_STAFF)
    if week is None or not visible:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            object_type="scheduling.scheduleweek",
            object_id=str(pk),
            request=request,
            detail="schedule of another organization, unpublished, or unknown",
            part2=False,
        )
        raise Http404("No such schedule.")
    if manage:
        require_manager(user, request, "change a schedule")
    return week


def site_ids_of(user: User) -> set[int] | None:
    """The sites whose groups the user sees; None means all of the organization."""
    if can_manage(user) or access.sees_whole_organization(user):
        return None
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return set()
    return {int(pk) for pk in profile.sites.values_list("pk", flat=True)}
