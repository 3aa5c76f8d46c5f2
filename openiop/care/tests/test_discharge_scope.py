"""Discharge ends treatment: every open enrolment ends and the patient's group sessions not
yet begun are cancelled, in one audited transaction. "This track only" ends one enrolment and
says the other tracks continue. A change in level of care is never track-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from openiop.care.discharge.services import discharge_record
from openiop.care.models import Discharge, DischargeScope
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, TrackFactory, World, login
from openiop.delivery.models import DropIn
from openiop.delivery.tests.factories import assign, group_session
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment, EnrollmentStatus
from openiop.scheduling.models import SessionAssignment

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 4, 17, 0, tzinfo=UTC)  # Wednesday, noon in New York
TODAY = date(2026, 11, 4)
SUMMARY = "Needs a more intensive level of care after two weeks of daily use."
CRISIS = "Call 988 or go to Riverside ED if unsafe."


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _two_tracks(world: World) -> dict[str, Any]:
    mh = TrackFactory.create(
        program=world.program_a1, name="Mental health A1", kind=TrackKind.MENTAL_HEALTH
    )
    patient = world.patient_a1
    sud = EnrollmentFactory.create(
        patient=patient, track=world.track_a1, starts_on=TODAY - timedelta(weeks=6)
    )
    other = EnrollmentFactory.create(
        patient=patient,
        track=mh,
        starts_on=TODAY - timedelta(weeks=4),
        required_weekly_hours=Decimal("6"),
    )
    c = world.counselor_a1
    past = group_session(track=world.track_a1, counselor=c, day=TODAY - timedelta(days=1))
    sud_next = group_session(track=world.track_a1, counselor=c, day=TODAY + timedelta(days=1))
    mh_next = group_session(track=mh, counselor=c, day=TODAY + timedelta(days=2))
    mh_drop_in = group_session(track=mh, counselor=c, day=TODAY + timedelta(days=5))
    assign(past, patient)
    assign(sud_next, patient)
    assign(mh_next, patient)
    DropIn.objects.create(session=mh_drop_in, patient=patient, reason="extra group", added_at=NOW)
    return {"sud": sud, "mh": other, "past": past, "sud_next": sud_next, "mh_next": mh_next}


def _assigned(patient_id: int) -> set[int]:
    return set(
        SessionAssignment.objects.filter(patient_id=patient_id).values_list("session_id", flat=True)
    )


def test_a_transfer_to_a_higher_level_of_care_ends_every_track_and_cancels_coming_groups(
    world: World,
) -> None:
    w = _two_tracks(world)
    discharge = discharge_record(
        actor=world.counselor_a1,
        enrollment=w["sud"],
        kind="transferred_up",
        discharged_on=TODAY,
        summary=SUMMARY,
        crisis_plan=CRISIS,
        follow_up_dates=[TODAY + timedelta(days=30)],
    )
    for key in ("sud", "mh"):
        w[key].refresh_from_db()
        assert w[key].status == EnrollmentStatus.DISCHARGED and w[key].ends_on == TODAY
    assert Discharge.objects.filter(patient=world.patient_a1).count() == 2
    assert set(Discharge.objects.values_list("scope", flat=True)) == {DischargeScope.EVERY_TRACK}
    assert discharge.enrollment_id == w["sud"].pk and discharge.follow_ups.count() == 1
    assert _assigned(world.patient_a1.pk) == {w["past"].pk}  # the group already held stays
    assert not DropIn.objects.exists()
    events = AuditEvent.objects.filter(username="counselor_a1")
    assert events.filter(action="add", object_type="care.discharge").count() == 2
    assert events.filter(action="change", object_type="patients.enrollment").count() == 2
    cancelled = events.get(action="delete")
    assert "3 group sessions not yet begun cancelled" in cancelled.detail


def test_this_track_only_leaves_the_other_track_and_its_groups(world: World) -> None:
    w = _two_tracks(world)
    discharge_record(
        actor=world.counselor_a1,
        enrollment=w["sud"],
        kind="completed",
        scope=DischargeScope.THIS_TRACK,
        discharged_on=TODAY,
        summary="Completed the substance-use track; continues mental-health work.",
        crisis_plan=CRISIS,
    )
    w["sud"].refresh_from_db()
    w["mh"].refresh_from_db()
    assert w["sud"].status == EnrollmentStatus.DISCHARGED
    assert w["mh"].status == EnrollmentStatus.ACTIVE and w["mh"].ends_on is None
    assert _assigned(world.patient_a1.pk) == {w["past"].pk, w["mh_next"].pk}
    assert DropIn.objects.count() == 1


@pytest.mark.parametrize("kind", ["transferred_up", "stepped_down"])
def test_a_change_in_level_of_care_is_never_track_only(world: World, kind: str) -> None:
    w = _two_tracks(world)
    with pytest.raises(ValidationError) as exc:
        discharge_record(
            actor=world.counselor_a1,
            enrollment=w["sud"],
            kind=kind,
            scope=DischargeScope.THIS_TRACK,
            discharged_on=TODAY,
            summary=SUMMARY,
            crisis_plan=CRISIS,
        )
    assert set(exc.value.message_dict) == {"scope"}
    assert Enrollment.objects.filter(status="active").count() == 2
    assert len(_assigned(world.patient_a1.pk)) == 3 and not Discharge.objects.exists()


def test_a_date_before_another_track_began_is_refused_for_every_track(world: World) -> None:
    w = _two_tracks(world)
    with pytest.raises(ValidationError) as exc:
        discharge_record(
            actor=world.counselor_a1,
            enrollment=w["sud"],
            kind="against_advice",
            discharged_on=TODAY - timedelta(weeks=5),
            summary=SUMMARY,
            crisis_plan=CRISIS,
        )
    assert "discharged_on" in exc.value.message_dict
    assert Enrollment.objects.filter(status="active").count() == 2


@pytest.mark.parametrize("who", ["counselor_a2", "counselor_b1", "billing_a1"])
def test_another_sites_user_cannot_discharge(world: World, who: str) -> None:
    w = _two_tracks(world)
    with pytest.raises((PermissionDenied, Http404)):
        discharge_record(
            actor=getattr(world, who),
            enrollment=w["sud"],
            kind="transferred_up",
            discharged_on=TODAY,
            summary=SUMMARY,
            crisis_plan=CRISIS,
        )
    assert Enrollment.objects.filter(status="active").count() == 2
    assert len(_assigned(world.patient_a1.pk)) == 3
    assert AuditEvent.objects.filter(action="denied", username=who).count() == 1


def test_the_page_offers_this_track_only_and_says_the_other_track_continues(
    client: Client, world: World
) -> None:
    w = _two_tracks(world)
    login(client, world.counselor_a1)
    url = reverse("care:discharge", args=[world.patient_a1.pk, w["sud"].pk])
    body = client.get(url).content.decode()
    assert "SUD A1 only: Mental health A1 continues" in body
    assert "every track (SUD A1, Mental health A1) ends" in body
    response = client.post(
        url,
        {
            "kind": "completed",
            "scope": "this_track",
            "discharged_on": TODAY.isoformat(),
            "summary": "Completed the substance-use track; continues mental-health work.",
            "crisis_plan": CRISIS,
        },
        follow=True,
    )
    assert "Discharged from SUD A1 only. Mental health A1 continues." in response.content.decode()
    w["mh"].refresh_from_db()
    assert w["mh"].status == EnrollmentStatus.ACTIVE


def test_a_refused_track_only_transfer_re_renders_with_422(client: Client, world: World) -> None:
    w = _two_tracks(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("care:discharge", args=[world.patient_a1.pk, w["sud"].pk]),
        {
            "kind": "transferred_up",
            "scope": "this_track",
            "discharged_on": TODAY.isoformat(),
            "summary": SUMMARY,
            "crisis_plan": CRISIS,
        },
    )
    assert response.status_code == 422
    assert "A change in level of care ends every track" in response.content.decode()
    assert Enrollment.objects.filter(status="active").count() == 2


def test_another_sites_counselor_gets_404_on_the_page_and_it_is_audited(
    client: Client, world: World
) -> None:
    w = _two_tracks(world)
    login(client, world.counselor_a2)
    url = reverse("care:discharge", args=[world.patient_a1.pk, w["sud"].pk])
    response = client.post(url, {"kind": "transferred_up", "discharged_on": TODAY.isoformat()})
    assert response.status_code == 404 and b"Quintero" not in response.content
    assert AuditEvent.objects.filter(action="denied", username="counselor_a2").count() == 1
    assert Enrollment.objects.filter(status="active").count() == 2


def _with_a_future_track(world: World) -> dict[str, Any]:
    """SUD began six weeks ago; the mental-health track is admitted to start in three weeks."""
    mh = TrackFactory.create(
        program=world.program_a1, name="Mental health A1", kind=TrackKind.MENTAL_HEALTH
    )
    sud = EnrollmentFactory.create(
        patient=world.patient_a1, track=world.track_a1, starts_on=TODAY - timedelta(weeks=6)
    )
    future = EnrollmentFactory.create(
        patient=world.patient_a1, track=mh, starts_on=TODAY + timedelta(weeks=3)
    )
    first_group = group_session(
        track=mh, counselor=world.counselor_a1, day=TODAY + timedelta(weeks=3)
    )
    assign(first_group, world.patient_a1)
    return {"sud": sud, "future": future}


def test_every_track_cancels_a_track_that_has_not_begun_yet(world: World) -> None:
    w = _with_a_future_track(world)
    discharge_record(
        actor=world.counselor_a1,
        enrollment=w["sud"],
        kind="completed",
        discharged_on=TODAY,
        summary="Completed the program; the planned mental-health track is not needed.",
        crisis_plan=CRISIS,
    )
    w["sud"].refresh_from_db()
    w["future"].refresh_from_db()
    assert (w["sud"].status, w["sud"].ends_on) == (EnrollmentStatus.DISCHARGED, TODAY)
    assert w["future"].status == EnrollmentStatus.DISCHARGED
    assert w["future"].ends_on == w["future"].starts_on  # it never ran
    assert not Enrollment.objects.filter(status__in=["active", "on_leave"]).exists()
    assert not _assigned(world.patient_a1.pk)  # its first group is cancelled too
    events = AuditEvent.objects.filter(username="counselor_a1", action="change")
    cancelled = events.get(object_type="patients.enrollment", object_id=str(w["future"].pk))
    assert "cancelled" in cancelled.detail
    assert events.get(object_type="patients.enrollment", object_id=str(w["sud"].pk)).detail == ""


def test_every_track_still_refuses_a_date_before_a_track_that_has_begun(world: World) -> None:
    w = _with_a_future_track(world)
    begun = EnrollmentFactory.create(
        patient=world.patient_a1,
        track=TrackFactory.create(program=world.program_a1, name="Family A1"),
        starts_on=TODAY - timedelta(days=3),
    )
    with pytest.raises(ValidationError) as exc:
        discharge_record(
            actor=world.counselor_a1,
            enrollment=w["sud"],
            kind="completed",
            discharged_on=TODAY - timedelta(days=7),
            summary="Completed the program; the planned mental-health track is not needed.",
            crisis_plan=CRISIS,
        )
    assert f"{begun.starts_on:%Y-%m-%d}" in exc.value.message_dict["discharged_on"][0]
    assert Enrollment.objects.filter(status="active").count() == 3
    assert not Discharge.objects.exists()


def test_the_discharge_page_ends_every_track_with_one_not_begun(
    client: Client, world: World
) -> None:
    w = _with_a_future_track(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("care:discharge", args=[world.patient_a1.pk, w["sud"].pk]),
        {
            "kind": "completed",
            "scope": "every_track",
            "discharged_on": TODAY.isoformat(),
            "summary": "Completed the program; the planned mental-health track is not needed.",
            "crisis_plan": CRISIS,
        },
    )
    assert response.status_code == 302
    assert not Enrollment.objects.filter(status__in=["active", "on_leave"]).exists()
