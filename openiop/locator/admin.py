"""The directory in the Django admin, the admin's own organization only.

Until the directory pages offer them, two changes are made here, each audited: editing or
removing the organization's facilities (for example an imported one that closed), and a
program's amenities and per-session or per-day service prices. Import runs and program
listings are read-only (the directory pages change listings). See `openiop.core.admin`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from openiop.core.admin import OrganizationAdmin
from openiop.domain.costing import CostingInputError
from openiop.locator import costs
from openiop.locator.models import Facility, FeeScheduleSetting, ImportRun, ProgramListing


@admin.register(Facility)
class FacilityAdmin(OrganizationAdmin):
    organization_path = "organization"
    allow_change = True
    allow_delete = True
    list_display = ["name", "source", "city", "state", "zip_code", "accepting_new_patients"]
    list_filter = ["source", "state"]
    search_fields = ["name", "external_id", "city", "zip_code"]
    readonly_fields = ["external_id", "source", "organization", "program"]


@admin.register(ImportRun)
class ImportRunAdmin(OrganizationAdmin):
    organization_path = "organization"
    list_display = ["file_name", "organization", "started_at", "created", "updated", "rejected"]


@admin.register(ProgramListing)
class ProgramListingAdmin(OrganizationAdmin):
    organization_path = "program__site__organization"
    list_display = ["program", "published", "telehealth", "updated_at"]


class FeeScheduleSettingForm(forms.ModelForm[FeeScheduleSetting]):
    """Checks the prices with the costing engine, as the fee page does."""

    class Meta:
        model = FeeScheduleSetting
        fields = [
            "program",
            "daily_rate_low",
            "daily_rate_high",
            "daily_rate_expected",
            "location_cost_index",
            "services",
            "populations",
            "amenities",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        probe = FeeScheduleSetting(
            **{
                name: cleaned.get(name, getattr(self.instance, name))
                for name in self._meta.fields or ()
                if name != "program"
            }
        )
        try:
            costs.schedule_from_setting(probe, name="check")
        except CostingInputError as exc:
            raise ValidationError(str(exc)) from exc
        if not costs.MIN_INDEX <= probe.location_cost_index <= costs.MAX_INDEX:
            self.add_error(
                "location_cost_index", f"Must be between {costs.MIN_INDEX} and {costs.MAX_INDEX}."
            )
        return cleaned


@admin.register(FeeScheduleSetting)
class FeeScheduleSettingAdmin(OrganizationAdmin):
    """Amenities and per-session or per-day prices are set here until the fee page offers them."""

    organization_path = "program__site__organization"
    allow_add = True
    allow_change = True
    form = FeeScheduleSettingForm
    list_display = ["program", "daily_rate_low", "daily_rate_high", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["program"] if obj is not None else []
