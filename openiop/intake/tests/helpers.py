"""Small builders for intake tests (on top of core.testing's world)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from openiop.accounts.models import User
from openiop.core.testing import World
from openiop.intake.models import Referral, ReferralStage
from openiop.intake.services import referral_create, screening_record
from openiop.organization.models import Program

PERSON = {"first_name": "Jo", "last_name": "Rivera", "phone": "508-555-0123"}
PHQ9_ZERO = {str(n): 0 for n in range(1, 10)}
PHQ9_ITEM9 = {**PHQ9_ZERO, "1": 2, "2": 2, "9": 1}
CSSRS_HIGH = {"1": True, "2": True, "3": True, "4": True, "5": False, "6": False}
RATINGS = {n: (2, f"evidence for dimension {n}") for n in range(1, 7)}
CHANGE_REASONS = {n: f"Interview findings for dimension {n} differ." for n in range(1, 7)}


_DEFAULT: Any = object()


def referral(
    world: World,
    *,
    program: Program | None = _DEFAULT,
    actor: User | None = None,
    stage: str = ReferralStage.INQUIRY,
    days_ago: int = 0,
    **person: Any,
) -> Referral:
    made = referral_create(
        actor=actor or world.intake_a1,
        organization=world.org_a,
        program=world.program_a1 if program is _DEFAULT else program,
        source="physician",
        person={**PERSON, **person},
    )
    if stage != ReferralStage.INQUIRY or days_ago:
        made.stage = stage
        made.stage_changed_at = timezone.now() - timedelta(days=days_ago)
        made.save(update_fields=["stage", "stage_changed_at"])
    return made


def phq9(world: World, answers: dict[str, Any] | None = None, actor: User | None = None) -> Any:
    return screening_record(
        actor=actor or world.counselor_a1,
        patient=world.patient_a1,
        instrument_id="phq9",
        answers=answers or PHQ9_ZERO,
    )


def placement_post(**overrides: str) -> dict[str, str]:
    data = {}
    for n in range(1, 7):
        data[f"d{n}_rating"] = "2"
        data[f"d{n}_evidence"] = f"Evidence for dimension {n}"
    data.update({"must_work_or_attend_school": "on", "conditions": "substance_use"})
    data.update(overrides)
    return data
