"""Staff users in the Django admin: read-only, the admin's own organization only.

Users are created and changed on the setup pages (roles, sites, TOTP, audited); see
`openiop.core.admin` for the rules every admin page follows.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from openiop.accounts.models import User
from openiop.core.admin import OrganizationAdmin


@admin.register(User)
class StaffUserAdmin(OrganizationAdmin, UserAdmin[User]):
    organization_path = "organization"
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("OpenIOP", {"fields": ("role", "organization", "can_break_glass")}),
    )
    list_display = ["username", "first_name", "last_name", "role", "organization", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
