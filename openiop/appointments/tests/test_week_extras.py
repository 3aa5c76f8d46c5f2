"""The week page's primary-counselor shortcut and its list of due appointments missed, and the
chart's attendance tab saying so."""

from __future__ import annotations

from datetime import timedelta

from openiop.appointments.models import Appointment, PrimaryCounselor
from openiop.appointments.tests.conftest import DAY, NAME, Setup, client_for
from openiop.core.models import AuditEvent


def test_the_week_page_assigns_primary_counselors_to_those_without(setup: Setup) -> None:
    w = setup.world
    w.counselor_a1.staff_profile.tracks.add(w.track_a1)
    PrimaryCounselor.objects.filter(patient__in=[setup.patient, setup.other]).delete()
    page = client_for(w.director_a).get("/appointments/week/").content.decode()
    assert "have no primary counselor" in page and "Assign them" in page
    response = client_for(w.director_a).post("/appointments/primary-counselors/")
    assert response.status_code == 302
    current = PrimaryCounselor.objects.filter(ended_at__isnull=True)
    assert {p.patient_id for p in current} >= {setup.patient.pk, setup.other.pk}
    assert {p.counselor_id for p in current if p.patient_id == setup.patient.pk} == {
        w.counselor_a1.pk
    }
    assert (
        "have no primary counselor"
        not in client_for(w.director_a).get("/appointments/week/").content.decode()
    )


def test_a_counselor_may_not_assign_primary_counselors(setup: Setup) -> None:
    w = setup.world
    before = AuditEvent.objects.filter(action="denied").count()
    response = client_for(w.counselor_a1).post("/appointments/primary-counselors/")
    assert response.status_code == 403 and NAME.encode() not in response.content
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


def test_missed_individual_sessions_show_on_the_week_page_and_the_chart(setup: Setup) -> None:
    w = setup.world
    # The only individual session was three weeks ago and attended.
    Appointment.objects.filter(pk=setup.individual.pk).update(
        starts_at=setup.individual.starts_at - timedelta(weeks=3),
        ends_at=setup.individual.ends_at - timedelta(weeks=3),
        week_start=setup.individual.week_start - timedelta(weeks=3),
        attendance="present",
    )
    page = client_for(w.director_a).get(f"/appointments/week/?week={DAY}").content.decode()
    assert "No individual counselling in 3 weeks (due weekly)" in page
    chart = client_for(w.counselor_a1).get(f"/patients/{setup.patient.pk}/attendance/")
    assert "No individual counselling in 3 weeks (due weekly)" in chart.content.decode()
    # Another organization's director sees none of it.
    other = client_for(w.director_b).get(f"/appointments/week/?week={DAY}").content.decode()
    assert NAME not in other
