"""Django admin (superusers only) for the directory: facilities and import runs, read-mostly."""

from __future__ import annotations

from django.contrib import admin

from openiop.locator.models import Facility, FeeScheduleSetting, ImportRun, ProgramListing


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin[Facility]):
    list_display = ["name", "source", "city", "state", "zip_code", "accepting_new_patients"]
    list_filter = ["source", "state"]
    search_fields = ["name", "external_id", "city", "zip_code"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    list_display = ["file_name", "organization", "started_at", "created", "updated", "rejected"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]


@admin.register(ProgramListing)
class ProgramListingAdmin(admin.ModelAdmin[ProgramListing]):
    list_display = ["program", "published", "telehealth", "updated_at"]


@admin.register(FeeScheduleSetting)
class FeeScheduleSettingAdmin(admin.ModelAdmin[FeeScheduleSetting]):
    """Amenities and per-session or per-day prices are set here until the page offers them."""

    list_display = ["program", "daily_rate_low", "daily_rate_high", "updated_at"]
