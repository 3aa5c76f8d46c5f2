"""Which group sessions and notes a user may open: object scope built on `core.access`,
role decisions from `core.policy`.

Sessions (not patients) need their own rule:
- staff of another organization never see a session (404, audited);
- a clinical director sees every session of their organization;
- other staff see a session they lead, or one at one of their sites, or one of a track of
  one of their programs (virtual rooms have no site: the track's program decides).
Patients on a roster, and sections of a note, are still filtered one by one through
`access.patients_visible_to`: seeing a session does not mean seeing every patient in it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery.models import Note, NoteKind
from openiop.scheduling.models import GroupSession


def visible_sessions_filter(user: User) -> Q:
    if not access.is_verified_staff(user):
        return Q(pk__in=[])
    in_org = Q(organization_id=user.organization_id)
    if access.sees_whole_organization(user):
        return in_org
    profile = getattr(user, "staff_profile", None)
    mine = Q(counselor_id=user.pk)
    if profile is not None:
        mine |= Q(site__in=profile.sites.values("pk")) | Q(
            track__program__in=profile.programs.values("pk")
        )
    return in_org & mine


def sessions_visible_to(user: User) -> QuerySet[GroupSession]:
    return GroupSession.objects.filter(visible_sessions_filter(user))


def _denied(user: User, what: str, pk: object, request: HttpRequest | None) -> Http404:
    audit.record(
        actor=user,
        action=AuditAction.DENIED,
        object_type=what,
        object_id=str(pk)[:64],
        request=request,
        detail=f"{what} outside the user's sites and programs, or unknown",
        part2=False,
    )
    return Http404("Not found.")


def session_for(
    user: User, session_id: int | str, *, write: bool = False, request: HttpRequest | None = None
) -> GroupSession:
    """The session if `user` may see it (and record attendance when `write`), else 404
    (403 for a read-only role asked to write); refusals are audited."""
    access.require_verified_staff(user)
    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        raise _denied(user, "scheduling.groupsession", session_id, request) from None
    session = (
        sessions_visible_to(user)
        .select_related("site", "track__program__site", "room", "counselor", "week")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise _denied(user, "scheduling.groupsession", pk, request)
    policy.require(
        user,
        Action.ATTENDANCE_RECORD if write else Action.ATTENDANCE_READ,
        request=request,
        obj=session,
    )
    return session


def can_author_notes(user: User) -> bool:
    return policy.allows(user, Action.NOTE_WRITE)


def require_note_author(user: User, request: HttpRequest | None = None) -> None:
    policy.require(user, Action.NOTE_WRITE, request=request, object_type="delivery.note")


def note_for(user: User, note_id: int | str, *, request: HttpRequest | None = None) -> Note:
    """A note the user may open: a group note of a session they see, or an individual
    note of a patient they see. Sections are filtered separately (`visible_patient_ids`)."""
    access.require_verified_staff(user)
    policy.require(
        user, Action.NOTE_READ, request=request, object_type="delivery.note", object_id=str(note_id)
    )
    try:
        pk = int(note_id)
    except (TypeError, ValueError):
        raise _denied(user, "delivery.note", note_id, request) from None
    note = (
        Note.objects.filter(pk=pk, organization_id=access.organization_id(user))
        .select_related("session__track", "session__site", "patient", "author", "signed_by")
        .first()
    )
    allowed = False
    if note is not None:
        if note.kind == NoteKind.GROUP:
            allowed = sessions_visible_to(user).filter(pk=note.session_id or 0).exists()
        else:
            allowed = access.patients_visible_to(user).filter(pk=note.patient_id or 0).exists()
    if note is None or not allowed:
        raise _denied(user, "delivery.note", pk, request)
    return note


def visible_patient_ids(user: User, patient_ids: list[int]) -> set[int]:
    """Which of these patients the user may see (one query)."""
    if not patient_ids:
        return set()
    return set(
        access.patients_visible_to(user).filter(pk__in=patient_ids).values_list("pk", flat=True)
    )
