"""Write path for organization setup: sites, programs, tracks, rooms, staff.

Setup is the administrator's (the access policy's setup.manage). Each call is one audited transaction;
the object is validated with the model's own rules before it is saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest

from openiop.accounts import services as account_services
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.organization.models import Room, RoomAvailability, StaffAvailability, StaffProfile

if TYPE_CHECKING:
    from openiop.accounts.models import User


def _require_setup(actor: User) -> None:
    policy.require(actor, Action.SETUP_MANAGE, object_type="organization.setup")


def _org_of(obj: models.Model) -> int | None:
    for path in ("organization_id", "site.organization_id", "program.site.organization_id"):
        target: Any = obj
        try:
            for part in path.split("."):
                target = getattr(target, part)
        except AttributeError:
            continue
        if target is not None:
            return int(target)
    return None


@service
def setup_object_save(
    *, actor: User, obj: models.Model, fields: Sequence[str], request: HttpRequest | None = None
) -> models.Model:
    """Create or change a Site, Program, Track or Room of the actor's organization."""
    _require_setup(actor)
    if _org_of(obj) != actor.organization_id:
        raise PermissionDenied("That belongs to another organization.")
    creating = obj.pk is None
    obj.full_clean()
    obj.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if creating else AuditAction.CHANGE,
        obj=obj,
        fields=list(fields),
        request=request,
        part2=False,
    )
    return obj


AvailabilityRow = tuple[int, time, time]


def _check_same_org(actor: User, items: Iterable[models.Model]) -> None:
    for item in items:
        if _org_of(item) != actor.organization_id:
            raise PermissionDenied("That belongs to another organization.")


def _save_account(
    *,
    actor: User,
    profile: StaffProfile | None,
    user_data: dict[str, Any],
    password: str | None,
    request: HttpRequest | None,
) -> StaffProfile:
    """The staff member's account, created (through the accounts service, with a first
    password) or changed in the actor's organization; returns their profile, unsaved when new."""
    if profile is None:
        if not password:
            raise ValidationError({"password": "Set a first password for the new account."})
        user = account_services.user_create(
            actor=actor,
            password=password,
            organization_id=actor.organization_id,
            request=request,
            **user_data,
        )
        return StaffProfile(user=user)
    if profile.user.organization_id != actor.organization_id:
        raise PermissionDenied("That belongs to another organization.")
    user = profile.user
    for key, value in user_data.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return profile


@service
def staff_save(
    *,
    actor: User,
    user_data: dict[str, Any],
    profile: StaffProfile | None,
    password: str | None,
    profile_data: dict[str, Any],
    availability: Sequence[AvailabilityRow],
    request: HttpRequest | None = None,
) -> StaffProfile:
    """Create a staff member (account + profile) or change one, with weekly availability."""
    _require_setup(actor)
    if "role" in user_data and user_data["role"] not in policy.ROLES:
        raise ValidationError({"role": "Choose a staff role."})
    sites, programs, tracks = (
        list(profile_data.pop("sites", [])),
        list(profile_data.pop("programs", [])),
        list(profile_data.pop("tracks", [])),
    )
    _check_same_org(actor, [*sites, *programs, *tracks])
    for weekday, start, end in availability:
        if end <= start:
            raise ValidationError(
                {"availability": f"Availability on day {weekday}: end before start."}
            )
    profile = _save_account(
        actor=actor, profile=profile, user_data=user_data, password=password, request=request
    )
    user = profile.user
    for key, value in profile_data.items():
        setattr(profile, key, value)
    profile.full_clean()
    profile.save()
    profile.sites.set(sites)
    profile.programs.set(programs)
    profile.tracks.set(tracks)
    profile.availability.all().delete()
    StaffAvailability.objects.bulk_create(
        [StaffAvailability(staff=profile, weekday=d, start=s, end=e) for d, s, e in availability]
    )
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=profile,
        fields=sorted([*user_data, *profile_data, "sites", "programs", "tracks", "availability"]),
        request=request,
        part2=False,
        detail=f"staff profile saved for {user.username} (role {user.role})",
    )
    return profile


@service
def room_hours_save(
    *,
    actor: User,
    room: Room,
    availability: Sequence[AvailabilityRow],
    request: HttpRequest | None = None,
) -> Room:
    """Replace a room's weekly hours (none: open whenever its site has groups)."""
    _require_setup(actor)
    if room.organization_id != actor.organization_id:
        raise PermissionDenied("That belongs to another organization.")
    for weekday, start, end in availability:
        if not 0 <= weekday <= 6:
            raise ValidationError({"availability": "Choose a day of the week."})
        if end <= start:
            raise ValidationError({"availability": "The end must be after the start."})
    room.availability.all().delete()
    RoomAvailability.objects.bulk_create(
        [RoomAvailability(room=room, weekday=d, start=s, end=e) for d, s, e in availability]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=room,
        fields=["availability"],
        request=request,
        part2=False,
        detail=f"room hours saved: {len(availability)} weekly windows",
    )
    return room
