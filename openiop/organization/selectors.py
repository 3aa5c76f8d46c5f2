"""Read paths for the organization: what a user may choose from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from openiop.core import access
from openiop.organization.models import Program, Room, Site, StaffProfile, Track

if TYPE_CHECKING:
    from openiop.accounts.models import User


def sites_for_user(user: User) -> QuerySet[Site]:
    """Sites where the user may register patients: all of the organization for org-wide
    roles, otherwise the sites on their staff profile."""
    qs = Site.objects.filter(organization_id=access.organization_id(user))
    if access.sees_whole_organization(user):
        return qs
    return qs.filter(staff__user=user)


def programs_for_user(user: User) -> QuerySet[Program]:
    qs = Program.objects.filter(site__organization_id=access.organization_id(user)).select_related(
        "site"
    )
    if access.sees_whole_organization(user):
        return qs
    return (qs.filter(staff__user=user) | qs.filter(site__staff__user=user)).distinct()


def org_sites(user: User) -> QuerySet[Site]:
    return Site.objects.filter(organization_id=access.organization_id(user))


def org_programs(user: User) -> QuerySet[Program]:
    return Program.objects.filter(
        site__organization_id=access.organization_id(user)
    ).select_related("site")


def org_tracks(user: User) -> QuerySet[Track]:
    return Track.objects.filter(
        program__site__organization_id=access.organization_id(user)
    ).select_related("program__site")


def org_rooms(user: User) -> QuerySet[Room]:
    return (
        Room.objects.filter(organization_id=access.organization_id(user))
        .select_related("site")
        .prefetch_related("availability")
    )


def org_staff(user: User) -> QuerySet[StaffProfile]:
    return (
        StaffProfile.objects.filter(user__organization_id=access.organization_id(user))
        .select_related("user")
        .prefetch_related("sites", "programs", "tracks", "availability")
        .order_by("user__last_name", "user__first_name")
    )
