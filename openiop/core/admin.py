"""Django admin for superusers only, behind the same TOTP step as every staff page.

The audit trail is read-only in the admin as everywhere else.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from openiop.core.models import AuditEvent


def restrict_admin_to_superusers(site: admin.AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser and user.is_verified())

    site.has_permission = has_permission  # type: ignore[method-assign]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = [
        "seq",
        "occurred_at",
        "username",
        "action",
        "patient_id_value",
        "object_type",
        "break_glass",
    ]
    list_filter = ["action", "break_glass"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
