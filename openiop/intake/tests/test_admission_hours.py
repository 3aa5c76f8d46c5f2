"""Hours at admission: the ASAM Level 2.1 minimum cannot be lowered (fewer hours only through
an approved step-down later), and a warning when the availability given cannot hold the
patient's one weekly requirement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.care.models import EnrollmentPhase, RecommendationStatus, TaperRecommendation
from openiop.care.taper.services import taper_approve, taper_recommend
from openiop.core.testing import TrackFactory, World, login
from openiop.intake import selectors, services
from openiop.intake.models import Admission, PatientAvailability
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment

pytestmark = pytest.mark.django_db

WARNING = "The availability given holds only"


def _post(world: World, *blocks: str, **overrides: str) -> dict[str, str]:
    data = {
        "program": str(world.program_a1.pk),
        f"track_{world.track_a1.pk}": "on",
        f"hours_{world.track_a1.pk}": "9",
        "starts_on": timezone.localdate().isoformat(),
        "primary_counselor": str(world.counselor_a1.pk),
        "notice": "paper",
    }
    data.update({f"avail_{b}": "on" for b in blocks})
    data.update(overrides)
    return data


def test_an_adult_track_set_below_nine_hours_still_admits_no_fewer_than_nine(
    world: World,
) -> None:
    """ASAM Level 2.1 is the floor whatever a track's own minimum says."""
    light = TrackFactory.create(
        program=world.program_a1, name="Light", min_weekly_hours=Decimal("6")
    )
    with pytest.raises(ValidationError) as exc:
        services.patient_admit(
            actor=world.counselor_a1,
            patient=world.patient_a1,
            program=world.program_a1,
            tracks=[(light, Decimal("6"))],
            starts_on=timezone.localdate(),
            primary_counselor=world.counselor_a1,
            hours_change_reason="The track says six hours a week.",
        )
    assert "Light needs at least 9 hours a week (ASAM Level 2.1)" in exc.value.messages[0]
    assert not Enrollment.objects.exists()


def test_an_adolescent_may_be_admitted_at_six_hours_but_not_fewer(world: World) -> None:
    teen = world.patient_a1
    teen.date_of_birth = date(timezone.localdate().year - 15, 1, 1)
    teen.save(update_fields=["date_of_birth"])
    track = TrackFactory.create(
        program=world.program_a1,
        kind=TrackKind.ADOLESCENTS,
        name="Teens",
        min_weekly_hours=Decimal("6"),
        min_age=13,
        max_age=17,
    )
    arguments = {
        "actor": world.counselor_a1,
        "patient": teen,
        "program": world.program_a1,
        "starts_on": timezone.localdate(),
        "primary_counselor": world.counselor_a1,
        "hours_change_reason": "School hours leave little time.",
    }
    with pytest.raises(ValidationError):
        services.patient_admit(tracks=[(track, Decimal("5"))], **arguments)  # type: ignore[arg-type]
    admission = services.patient_admit(tracks=[(track, Decimal("6"))], **arguments)  # type: ignore[arg-type]
    assert admission.enrollments.get().required_weekly_hours == Decimal("6")


def test_fewer_hours_come_only_from_an_approved_step_down(world: World) -> None:
    """Admission refuses 6 h for an adult even with a reason; a pending step-down changes
    nothing; approving it is what lowers the required hours."""
    with pytest.raises(ValidationError):
        services.patient_admit(
            actor=world.counselor_a1,
            patient=world.patient_a1,
            program=world.program_a1,
            tracks=[(world.track_a1, Decimal("6"))],
            starts_on=timezone.localdate(),
            primary_counselor=world.counselor_a1,
            hours_change_reason="Works nights; fewer hours agreed.",
        )
    admission = services.patient_admit(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        program=world.program_a1,
        tracks=[(world.track_a1, Decimal("9"))],
        starts_on=timezone.localdate(),
        primary_counselor=world.counselor_a1,
    )
    enrollment = admission.enrollments.get()
    rec = taper_recommend(actor=world.counselor_a1, enrollment=enrollment)
    TaperRecommendation.objects.filter(pk=rec.pk).update(
        decision="step_down", target_phase="step-down", target_level="2.1", weekly_hours=6
    )
    enrollment.refresh_from_db()
    assert enrollment.required_weekly_hours == Decimal("9")  # pending: nothing changes
    taper_approve(actor=world.counselor_a1, recommendation=rec)
    enrollment.refresh_from_db()
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.APPROVED
    assert enrollment.required_weekly_hours == Decimal("6")
    assert EnrollmentPhase.objects.get(enrollment=enrollment).phase_id == "step-down"


def test_the_check_counts_only_free_blocks_when_groups_meet(world: World) -> None:
    adult = date(1990, 1, 1)
    on = date(2026, 11, 2)
    mh = TrackFactory.create(program=world.program_a1, kind=TrackKind.MENTAL_HEALTH, name="MH")
    two_tracks = [(world.track_a1, Decimal("9")), (mh, Decimal("9"))]
    # Two evenings and a Sunday morning: 6 h of group time (no groups on Sunday).
    check = selectors.admission_availability(
        {(0, "evening"), (2, "evening"), (6, "morning")}, two_tracks, born=adult, on=on
    )
    assert (check.available_minutes, check.required_minutes, check.enough) == (360, 540, False)
    # One requirement across both tracks: 9 h, not 18.
    enough = selectors.admission_availability(
        {(0, "evening"), (2, "evening"), (4, "evening")}, two_tracks, born=adult, on=on
    )
    assert enough.enough and enough.warning == ""


def test_admission_page_warns_when_the_saved_availability_cannot_hold_the_hours(
    client: Client, world: World
) -> None:
    services.availability_set(
        actor=world.counselor_a1, patient=world.patient_a1, blocks={(1, "morning")}
    )
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    page = client.get(url, {"program": world.program_a1.pk}).content.decode()
    assert WARNING in page
    assert "holds only 3 h of group time a week, less than the 9 h required" in page


def test_admission_page_has_no_warning_when_the_availability_holds_the_hours(
    client: Client, world: World
) -> None:
    services.availability_set(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        blocks={(0, "evening"), (2, "evening"), (4, "evening")},
    )
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    assert WARNING not in client.get(url, {"program": world.program_a1.pk}).content.decode()


def test_live_check_returns_the_warning_and_saves_nothing(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.post(url, {**_post(world, "0_evening"), "check": "1"})
    assert response.status_code == 200
    assert WARNING in response.content.decode()
    fine = client.post(url, {**_post(world, "0_evening", "2_evening", "4_evening"), "check": "1"})
    assert WARNING not in fine.content.decode()
    assert not Admission.objects.exists() and not PatientAvailability.objects.exists()


def test_invalid_admission_shows_the_warning_with_the_errors(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.post(url, _post(world, "5_morning", starts_on=""))
    assert response.status_code == 422
    assert WARNING in response.content.decode()


def test_admission_is_not_refused_but_the_warning_follows_it(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.post(url, _post(world, "0_evening", "2_evening"))
    assert response.status_code == 302
    assert Admission.objects.count() == 1
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith(WARNING) and "6 h of group time" in m for m in shown)
