"""core.access referral getters: who sees which referral."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from openiop.core import access
from openiop.core.models import AuditEvent
from openiop.core.testing import World
from openiop.intake.tests.helpers import referral


def _visible(user: object) -> set[int]:
    return set(access.referrals_visible_to(user).values_list("pk", flat=True))  # type: ignore[arg-type]


def test_staff_see_referrals_of_their_sites_and_programs_only(world: World) -> None:
    at_a1 = referral(world, program=world.program_a1)
    at_a2 = referral(world, program=world.program_a2, actor=world.director_a)
    assert _visible(world.counselor_a1) == {at_a1.pk}
    assert _visible(world.counselor_a2) == {at_a2.pk}
    assert _visible(world.intake_a1) == {at_a1.pk}  # site A1 through the profile's sites


def test_clinical_director_sees_the_whole_organization_and_nothing_of_another(
    world: World,
) -> None:
    at_a1 = referral(world, program=world.program_a1)
    at_a2 = referral(world, program=world.program_a2, actor=world.director_a)
    assert _visible(world.director_a) == {at_a1.pk, at_a2.pk}
    assert _visible(world.director_b) == set()
    assert _visible(world.counselor_b1) == set()


def test_unassigned_referrals_are_seen_by_intake_coordinators_and_directors_only(
    world: World,
) -> None:
    unassigned = referral(world, program=None)
    assert unassigned.pk in _visible(world.intake_a1)
    assert unassigned.pk in _visible(world.director_a)
    assert unassigned.pk not in _visible(world.counselor_a1)
    assert unassigned.pk not in _visible(world.admin_a)


def test_referral_of_another_site_answers_404_and_the_attempt_is_audited(world: World) -> None:
    at_a1 = referral(world)
    with pytest.raises(Http404):
        access.referral_for(world.counselor_a2, at_a1.pk)
    with pytest.raises(Http404):
        access.referral_for(world.counselor_b1, at_a1.pk)
    denied = AuditEvent.objects.filter(
        action="denied", object_type="intake.referral", object_id=str(at_a1.pk)
    )
    assert set(denied.values_list("username", flat=True)) == {"counselor_a2", "counselor_b1"}


def test_billing_may_neither_read_nor_change_a_referral(world: World) -> None:
    """Minimum necessary: a referral's reason is clinical; billing's work does not need it."""
    at_a1 = referral(world)
    with pytest.raises(PermissionDenied):
        access.referral_for(world.billing_a1, at_a1.pk)
    with pytest.raises(PermissionDenied):
        access.referral_for(world.billing_a1, at_a1.pk, write=True)
    assert AuditEvent.objects.filter(action="denied", username="billing_a1").count() == 2
    assert access.referral_for(world.counselor_a1, at_a1.pk) == at_a1


def test_a_malformed_referral_id_is_a_404(world: World) -> None:
    with pytest.raises(Http404):
        access.referral_for(world.director_a, "abc")
