"""Who may do what with schedules; built on `core.access` (ARCHITECTURE.md §3).

- The administrator and the clinical director of an organization build, solve, edit by hand,
  publish and re-solve its weeks, and see every revision.
- Other staff of the organization see published weeks only, restricted to groups at their
  sites (and groups they lead themselves); patient names only for patients `core.access` lets
  them see.
- Anyone else (another organization) gets 404, and every refusal is written to the audit trail.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from openiop.accounts.models import Role, User
from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.scheduling.models import ScheduleWeek, WeekStatus

MANAGE_ROLES = frozenset({Role.ADMINISTRATOR, Role.CLINICAL_DIRECTOR})
VISIBLE_TO_STAFF = frozenset({WeekStatus.PUBLISHED, WeekStatus.SUPERSEDED})


def can_manage(user: User) -> bool:
    """Builds, edits and publishes schedules (role check only; TOTP is the view's job)."""
    return user.role in MANAGE_ROLES or user.is_superuser


def deny(user: User, request: HttpRequest | None, detail: str, *, object_id: str = "") -> None:
    """Audit a refusal, then raise 403."""
    audit.record(
        actor=user,
        action=AuditAction.DENIED,
        object_type="scheduling.scheduleweek",
        object_id=object_id,
        request=request,
        detail=detail,
        part2=False,
    )
    raise PermissionDenied(detail)


def require_manager(user: User, request: HttpRequest | None, what: str) -> None:
    if not can_manage(user):
        deny(user, request, f"{what}: only the administrator or clinical director may do this")


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
    if can_manage(user) or user.role in access.ORG_WIDE_ROLES:
        return None
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return set()
    return {int(pk) for pk in profile.sites.values_list("pk", flat=True)}
