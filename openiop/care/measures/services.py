"""Write path of measurement-based care settings: a track's repeated measures and an
organization's reliable-change values (``care.settings``: administrators and clinical
directors of that organization).

Each function is one ``@service`` transaction that checks who may act, validates everything
before writing anything (a ``ValidationError`` keyed by field), writes, and records its audit
event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.care.access import require_configure
from openiop.care.models import MeasureSchedule, ReliabilitySetting
from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.domain.screening import INSTRUMENTS
from openiop.organization.models import Organization, Track


@service
def measure_schedule_set(
    *,
    actor: User,
    track: Track,
    items: Mapping[str, int],
    request: HttpRequest | None = None,
) -> list[MeasureSchedule]:
    """Replace a track's repeated measures: instrument -> every N weeks (empty: defaults)."""
    require_configure(actor, track.program.site.organization_id)
    errors: dict[str, str] = {}
    for instrument, weeks in items.items():
        if instrument not in INSTRUMENTS:
            errors[instrument] = "Unknown instrument."
        elif isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 26:
            errors[instrument] = "Give a whole number of weeks from 1 to 26."
    if errors:
        raise ValidationError(errors)
    MeasureSchedule.objects.filter(track=track).delete()
    rows = MeasureSchedule.objects.bulk_create(
        [
            MeasureSchedule(track=track, instrument=i, every_weeks=w)
            for i, w in sorted(items.items())
        ]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type="care.measureschedule",
        object_id=str(track.pk),
        fields=sorted(items),
        request=request,
        detail=f"measure schedule of track {track.pk}",
        part2=False,
    )
    return rows


@service
def reliability_set(
    *,
    actor: User,
    organization: Organization,
    instrument: str,
    sd: Decimal,
    reliability: Decimal,
    source: str,
    request: HttpRequest | None = None,
) -> ReliabilitySetting:
    """An organization's SD and reliability for an instrument's reliable change (cited)."""
    require_configure(actor, organization.pk)
    errors: dict[str, str] = {}
    if instrument not in INSTRUMENTS or INSTRUMENTS[instrument].total_range is None:
        errors["instrument"] = "Choose an instrument with a total score."
    if not Decimal("0.1") <= sd <= Decimal("100"):
        errors["sd"] = "Give a standard deviation from 0.1 to 100."
    if not Decimal("0") <= reliability < Decimal("1"):
        errors["reliability"] = "Give a reliability from 0 to 0.999."
    if len((source or "").strip()) < 5:
        errors["source"] = "Cite where the values come from."
    if errors:
        raise ValidationError(errors)
    setting, _ = ReliabilitySetting.objects.update_or_create(
        organization=organization,
        instrument=instrument,
        defaults={"sd": sd, "reliability": reliability, "source": source.strip()[:300]},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=setting,
        fields=["sd", "reliability", "source"],
        request=request,
        part2=False,
    )
    return setting
