"""Intake in the Django admin: only the programs' placement policy settings, read-only.

Referrals, screening responses, safety tasks, placement decisions, admissions and patient
availability are patient data and stay out of the admin (see `openiop.core.admin`); policy
settings are changed on the program's policy page, which validates and audits them.
"""

from __future__ import annotations

from django.contrib import admin

from openiop.core.admin import OrganizationAdmin
from openiop.intake.models import PlacementPolicySetting


@admin.register(PlacementPolicySetting)
class PlacementPolicySettingAdmin(OrganizationAdmin):
    organization_path = "program__site__organization"
    list_display = ["program", "updated_by", "updated_at"]
