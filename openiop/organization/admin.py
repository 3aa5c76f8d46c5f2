"""Organization setup in the Django admin: read-only, the admin's own organization only.

Sites, programs, tracks, rooms and staff are changed on the setup pages, which check the
role and write audit events; see `openiop.core.admin` for the rules every admin page follows.
"""

from __future__ import annotations

from django.contrib import admin

from openiop.core.admin import OrganizationAdmin
from openiop.organization.models import Organization, Program, Room, Site, StaffProfile, Track


@admin.register(Organization)
class OrganizationSetupAdmin(OrganizationAdmin):
    organization_path = "pk"


@admin.register(Site)
class SiteAdmin(OrganizationAdmin):
    organization_path = "organization"
    list_display = ["name", "city", "state", "timezone"]


@admin.register(Program)
class ProgramAdmin(OrganizationAdmin):
    organization_path = "site__organization"
    list_display = ["name", "site", "accepting_new_patients"]


@admin.register(Track)
class TrackAdmin(OrganizationAdmin):
    organization_path = "program__site__organization"
    list_display = ["name", "program", "kind", "min_weekly_hours"]


@admin.register(Room)
class RoomAdmin(OrganizationAdmin):
    organization_path = "organization"
    list_display = ["name", "site", "capacity"]


@admin.register(StaffProfile)
class StaffProfileAdmin(OrganizationAdmin):
    organization_path = "user__organization"
