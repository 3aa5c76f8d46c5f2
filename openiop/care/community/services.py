"""Write path of community support: peer meetings of a week by kind, and the patient's
supports (sponsor or mentor, sober supports, family, self-reported last use).

Each public function is one ``@service`` transaction that checks who may act, validates
everything before writing anything (a ``ValidationError`` keyed by field), writes, and records
its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for
from openiop.care.common import monday, record
from openiop.care.models import FamilyInvolvement, MeetingKind, PeerMeetingWeek, SupportProfile
from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.patients.models import Patient


@service
def peer_meetings_record(
    *,
    actor: User,
    patient: Patient,
    week_start: date,
    counts: Mapping[str, int],
    request: HttpRequest | None = None,
) -> list[PeerMeetingWeek]:
    """Meetings attended in one week, by kind (0 says "none of this kind"); replaces the
    week's earlier record of those kinds."""
    require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    week = monday(week_start)
    if week > timezone.localdate():
        errors["week_start"] = "This week has not started yet."
    if not counts:
        errors["__all__"] = "Give the number of meetings of at least one kind (0 when none)."
    for kind, count in counts.items():
        if kind not in MeetingKind.values:
            errors[kind] = "Unknown kind of meeting."
        elif isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 30:
            errors[kind] = "Give a whole number from 0 to 30."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    rows = []
    for kind, count in sorted(counts.items()):
        row, _ = PeerMeetingWeek.objects.update_or_create(
            patient=patient,
            week_start=week,
            kind=kind,
            defaults={"count": count, "recorded_by": actor, "recorded_at": now},
        )
        rows.append(row)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        patient=patient,
        object_type="care.peermeetingweek",
        object_id=f"{patient.pk}:{week.isoformat()}",
        fields=sorted(counts),
        request=request,
        detail=f"peer meetings for the week of {week:%Y-%m-%d}",
        organization_id=patient.organization_id,
    )
    return rows


SUPPORT_FIELDS = (
    "has_sponsor_or_mentor",
    "sponsor_name",
    "sober_supports",
    "sober_supports_notes",
    "family_involvement",
    "family_notes",
    "last_use_reported_on",
)


@service
def support_profile_set(
    *,
    actor: User,
    patient: Patient,
    data: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> SupportProfile:
    """Sponsor or mentor, sober supports, family involvement and self-reported last use."""
    require_clinician_for(actor, patient)
    unknown = set(data) - set(SUPPORT_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in sorted(unknown)})
    errors: dict[str, str] = {}
    family = data.get("family_involvement")
    if family is not None and family not in FamilyInvolvement.values:
        errors["family_involvement"] = "Choose how the family is involved."
    supports = data.get("sober_supports")
    if supports is not None and (
        isinstance(supports, bool) or not isinstance(supports, int) or not 0 <= supports <= 50
    ):
        errors["sober_supports"] = "Give a whole number from 0 to 50."
    last_use = data.get("last_use_reported_on")
    if last_use is not None and last_use > timezone.localdate():
        errors["last_use_reported_on"] = "This date is in the future."
    for field, limit in (
        ("sponsor_name", 200),
        ("sober_supports_notes", 500),
        ("family_notes", 500),
    ):
        if len(data.get(field) or "") > limit:
            errors[field] = f"Keep this under {limit} characters."
    if errors:
        raise ValidationError(errors)
    profile = SupportProfile.objects.filter(patient=patient).first()
    created = profile is None
    if profile is None:
        profile = SupportProfile(patient=patient)
    changed = [k for k, v in data.items() if created or getattr(profile, k) != v]
    for key, value in data.items():
        setattr(profile, key, value.strip() if isinstance(value, str) else value)
    profile.updated_by = actor
    profile.updated_at = timezone.now()
    profile.save()
    record(
        actor,
        AuditAction.ADD if created else AuditAction.CHANGE,
        patient,
        profile,
        changed,
        request,
    )
    return profile
