"""The Django admin: verified superusers only, one organization at a time, read-mostly.

The admin is a maintenance window, not a second application. Its rules:

- Superusers past TOTP only (`restrict_admin_to_superusers`), like every staff page.
- Every page derives from `OrganizationAdmin`: it lists and opens only rows of the signed-in
  user's organization, and a foreign-key or many-to-many choice only offers rows the user
  could open (a user without an organization sees nothing).
- Read-only unless an admin class opts in. Setup (organization, sites, programs, tracks,
  rooms, staff, users, policy settings) is changed on the setup pages, which check roles and
  write audit events; the audit trail is never editable anywhere.
- Patient data (patients, enrollments, intake, delivery, care, emergency-access grants,
  disclosures) is not in the admin at all: a read there would skip the access policy (sites,
  programs, consent, 42 CFR Part 2) and the audited view of each record.
- The few pages that may change something (directory facilities, fee schedules) write one
  audit event per saved or deleted object, in the admin's transaction (45 CFR 164.312(b)).
- Default deny: anything else registered with the site, such as the admin pages that Django
  and third-party apps bring (groups, OTP devices, log-in lockouts) or a model registered
  later without this base class, is removed when the URLs load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from openiop.core import audit
from openiop.core.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from openiop.accounts.models import User


def restrict_admin_to_superusers(site: admin.AdminSite) -> None:
    """Admit verified superusers only, and drop every page that is not organization-scoped."""

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser and user.is_verified())

    site.has_permission = has_permission  # type: ignore[method-assign]
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, OrganizationAdmin):
            site.unregister(model)


def _organization_id(request: HttpRequest) -> int | None:
    return cast("int | None", getattr(request.user, "organization_id", None))


class OrganizationAdmin(admin.ModelAdmin[Any]):
    """Base of every admin page: the user's organization only; read-only unless opted in.

    `organization_path` is the lookup from the model to its organization's id, for example
    "site__organization" for a program. `allow_add`, `allow_change` and `allow_delete` open the
    page to writes; each write is then audited.
    """

    organization_path: str = ""
    allow_add = False
    allow_change = False
    allow_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        organization_id = _organization_id(request)
        if organization_id is None or not self.organization_path:
            return queryset.none()
        return queryset.filter(**{self.organization_path: organization_id})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allow_add and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_change and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and super().has_delete_permission(request, obj)

    def _choices(self, model: type[models.Model], request: HttpRequest) -> QuerySet[Any]:
        related = self.admin_site._registry.get(model)
        if isinstance(related, OrganizationAdmin):
            return related.get_queryset(request)
        return model._default_manager.none()

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        kwargs["queryset"] = self._choices(db_field.remote_field.model, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        kwargs["queryset"] = self._choices(db_field.remote_field.model, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _audit(self, request: HttpRequest, action: str, obj: Any, fields: list[str]) -> None:
        audit.record(
            actor=cast("User", request.user),
            action=action,
            obj=obj,
            fields=fields,
            request=request,
            part2=False,
            detail=f"{action} of {obj._meta.verbose_name} {obj.pk} in the Django admin",
        )

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        action = AuditAction.CHANGE if change else AuditAction.ADD
        self._audit(request, action, obj, list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, AuditAction.DELETE, obj, [])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._audit(request, AuditAction.DELETE, obj, [])
        super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(OrganizationAdmin):
    """Read-only. The audit report page is the everyday reader (it audits its own use)."""

    organization_path = "organization_id_value"
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
