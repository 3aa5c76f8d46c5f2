"""Object-level access rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from openiop.core import access
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, TrackFactory, World
from openiop.patients import services


def _visible(user) -> set[str]:  # type: ignore[no-untyped-def]
    return set(access.patients_visible_to(user).values_list("first_name", flat=True))


def test_counselor_sees_only_patients_of_their_site(world: World) -> None:
    assert _visible(world.counselor_a1) == {"Alma"}
    assert _visible(world.counselor_a2) == {"Bruno"}


def test_clinical_director_sees_their_whole_organization_only(world: World) -> None:
    assert _visible(world.director_a) == {"Alma", "Bruno"}
    assert _visible(world.director_b) == {"Cora"}


def test_enrolment_in_a_track_of_my_program_makes_a_patient_visible(world: World) -> None:
    track_a2 = TrackFactory(program=world.program_a2)
    EnrollmentFactory(patient=world.patient_a1, track=track_a2)
    assert "Alma" in _visible(world.counselor_a2)


def test_counselor_from_other_site_is_refused_and_audited(world: World) -> None:
    before = AuditEvent.objects.filter(action="denied").count()
    with pytest.raises(Http404):
        access.patient_for(world.counselor_a2, world.patient_a1.pk)
    assert AuditEvent.objects.filter(action="denied").count() == before + 1
    event = AuditEvent.objects.filter(action="denied").last()
    assert event is not None and event.username == "counselor_a2"
    assert event.object_id == str(world.patient_a1.pk)


def test_user_of_other_organization_is_refused_even_as_director(world: World) -> None:
    with pytest.raises(Http404):
        access.patient_for(world.director_b, world.patient_a1.pk)


def test_garbage_patient_id_is_a_404(world: World) -> None:
    with pytest.raises(Http404):
        access.patient_for(world.counselor_a1, "1; DROP TABLE x")


def test_billing_reads_but_cannot_write(world: World) -> None:
    assert access.patient_for(world.billing_a1, world.patient_a1.pk) == world.patient_a1
    with pytest.raises(PermissionDenied):
        access.patient_for(world.billing_a1, world.patient_a1.pk, write=True)


def test_unverified_user_gets_nothing(world: World) -> None:
    world.counselor_a1.is_verified = lambda: False  # type: ignore[method-assign]
    assert _visible(world.counselor_a1) == set()
    with pytest.raises(PermissionDenied):
        access.patient_for(world.counselor_a1, world.patient_a1.pk)


def test_break_glass_needs_the_preset_group(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.break_glass_start(
            actor=world.counselor_a2,
            mrn=world.patient_a1.mrn,
            reason="patient collapsed in lobby",
            hours=1,
        )


def test_break_glass_needs_a_reason_and_at_most_four_hours(world: World) -> None:
    from django.core.exceptions import ValidationError

    user = world.intake_a1
    with pytest.raises(ValidationError) as exc:
        services.break_glass_start(actor=user, mrn=world.patient_a2.mrn, reason="  ", hours=5)
    assert set(exc.value.message_dict) == {"reason", "hours"}


def test_break_glass_cannot_reach_another_organization(world: World) -> None:
    from django.core.exceptions import ValidationError

    user = world.intake_a1
    with pytest.raises(ValidationError) as exc:
        services.break_glass_start(
            actor=user, mrn="9999999", reason="unknown person emergency", hours=1
        )
    assert "mrn" in exc.value.message_dict


def test_break_glass_grants_access_that_expires_and_flags_audit(world: World) -> None:
    user = world.intake_a1
    with pytest.raises(Http404):
        access.patient_for(user, world.patient_a2.pk)
    grant = services.break_glass_start(
        actor=user, mrn=world.patient_a2.mrn, reason="overdose reported by family", hours=2
    )
    assert grant.expires_at - grant.started_at == timedelta(hours=2)
    assert AuditEvent.objects.filter(
        action="break_glass", break_glass=True, patient_id_value=world.patient_a2.pk
    ).exists()

    class Req:
        META = {"REMOTE_ADDR": "10.0.0.9"}

    request = Req()
    assert access.patient_for(user, world.patient_a2.pk, request=request) == world.patient_a2  # type: ignore[arg-type]
    assert request.break_glass_active is True  # type: ignore[attr-defined]
    with (
        time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)),
        pytest.raises(Http404),
    ):
        access.patient_for(user, world.patient_a2.pk)
