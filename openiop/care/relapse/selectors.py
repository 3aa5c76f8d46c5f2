"""Reads of the relapse response: who can be notified (the patient's care team)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openiop.accounts.models import User
from openiop.core import policy
from openiop.core.policy import Action
from openiop.patients.models import Patient


def care_team(patient: Patient) -> QuerySet[User]:
    """Clinicians of the patient's site, and those whose scope is the whole organization."""
    return (
        User.objects.filter(
            organization_id=patient.organization_id,
            is_active=True,
            role__in=policy.roles_for(Action.CARE_READ),
        )
        .filter(
            Q(staff_profile__sites=patient.site_id)
            | Q(role__in=policy.roles_for(Action.SCOPE_ORGANIZATION))
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )
