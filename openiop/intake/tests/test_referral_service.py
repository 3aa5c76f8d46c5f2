"""referral_create: the one write path for new referrals (staff and public)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openiop.core.models import AuditEvent
from openiop.core.testing import World
from openiop.intake.models import ReferralEvent
from openiop.intake.services import referral_create

PERSON = {"first_name": "Jo", "last_name": "Rivera", "phone": "508-555-0123"}


def test_staff_referral_starts_at_inquiry_with_history_and_audit(world: World) -> None:
    referral = referral_create(
        actor=world.intake_a1,
        organization=world.org_a,
        program=world.program_a1,
        source="physician",
        person=PERSON,
        referrer={"referrer_name": "Dr. Ames"},
    )
    assert referral.stage == "inquiry" and not referral.submitted_publicly
    assert ReferralEvent.objects.get(referral=referral).to_stage == "inquiry"
    event = AuditEvent.objects.get(object_type="intake.referral", object_id=str(referral.pk))
    assert event.organization_id_value == world.org_a.pk and event.username == "intake_a1"


def test_public_referral_needs_consent_text(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        referral_create(
            actor=None, organization=world.org_a, program=None, source="family", person=PERSON
        )
    assert "consent_text" in exc.value.message_dict
    referral = referral_create(
        actor=None,
        organization=world.org_a,
        program=None,
        source="family",
        person=PERSON,
        consent_text="I agree that the program may contact me.",
    )
    assert referral.submitted_publicly


def test_referral_into_another_organization_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        referral_create(
            actor=world.intake_a1,
            organization=world.org_b,
            program=None,
            source="self",
            person=PERSON,
        )
    with pytest.raises(ValidationError):
        referral_create(
            actor=world.intake_a1,
            organization=world.org_a,
            program=world.program_b1,
            source="self",
            person=PERSON,
        )


@pytest.mark.parametrize(
    ("source", "person", "field"),
    [
        ("witchcraft", PERSON, "source"),
        ("self", {**PERSON, "first_name": ""}, "first_name"),
        ("self", {**PERSON, "ssn": "1"}, "ssn"),
    ],
)
def test_bad_referral_input_names_the_field(
    world: World, source: str, person: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        referral_create(
            actor=world.intake_a1,
            organization=world.org_a,
            program=None,
            source=source,
            person=person,
        )
    assert field in exc.value.message_dict
