"""The intake coordinator who raised a safety task sees who it is assigned to: on the list,
on the task's page and on the screening result, also after the patient is out of their scope
(an emergency grant that ended). Only the task: not the chart, and no action on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.accounts.models import Role
from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, make_staff
from openiop.intake import services
from openiop.intake.models import SafetyTask
from openiop.intake.tests.helpers import PHQ9_ITEM9
from openiop.patients.services import break_glass_start

T0 = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _raise(world: World, patient: Any) -> SafetyTask:
    screening = services.screening_record(
        actor=world.intake_a1, patient=patient, instrument_id="phq9", answers=PHQ9_ITEM9
    )
    return SafetyTask.objects.get(screening=screening)


def test_coordinator_sees_the_assignee_of_a_task_they_raised(
    client: Client, world: World, clock: Any
) -> None:
    task = _raise(world, world.patient_a1)
    assert task.created_by == world.intake_a1 and task.assigned_to is None
    login(client, world.intake_a1)
    listing = client.get(reverse("intake:safety_tasks")).content.decode()
    assert "unassigned" in listing and "<td>You</td>" in listing
    services.safety_task_assign(actor=world.counselor_a1, task=task, assignee=world.director_a)
    listing = client.get(reverse("intake:safety_tasks")).content.decode()
    assert "Quintero, Alma" in listing and "<td>Director_A</td>" in listing
    page = client.get(reverse("intake:safety_task", args=[task.pk])).content.decode()
    assert "<dt>Assigned to</dt><dd>Director_A</dd>" in page and "Open the chart" in page
    result = client.get(reverse("intake:screening", args=[task.screening_id])).content.decode()
    assert "assigned to Director_A" in result


def test_after_an_emergency_grant_ends_the_raiser_still_sees_the_task_and_its_assignee(
    client: Client, world: World, clock: Any
) -> None:
    break_glass_start(
        actor=world.intake_a1, mrn=world.patient_a2.mrn, reason="Walk-in in crisis at A1", hours=1
    )
    task = _raise(world, world.patient_a2)  # a patient of site A2, under the grant
    services.safety_task_assign(actor=world.counselor_a2, task=task, assignee=world.counselor_a2)
    clock.shift(timedelta(hours=2))  # the grant has ended

    login(client, world.intake_a1)
    listing = client.get(reverse("intake:safety_tasks")).content.decode()
    assert "Okafor, Bruno" in listing and "<td>Counselor_A2</td>" in listing
    assert "You (patient no longer at your sites and programs)" in listing
    page = client.get(reverse("intake:safety_task", args=[task.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<dt>Assigned to</dt><dd>Counselor_A2</dd>" in body
    assert "Open the chart" not in body and "the chart stays closed to you" in body
    # Once done, the raiser sees that and when, not the clinician's evaluation note.
    services.safety_task_complete(
        actor=world.counselor_a2, task=task, note="Evaluated: passive ideation, safety plan made"
    )
    body = client.get(reverse("intake:safety_task", args=[task.pk])).content.decode()
    assert "Completed" in body and "passive ideation" not in body
    assert AuditEvent.objects.filter(
        action="view", username="intake_a1", object_type="intake.safetytask"
    ).exists()
    # The chart and the screening stay closed: the grant has ended.
    assert client.get(reverse("patients:chart", args=[world.patient_a2.pk])).status_code == 404
    screening = reverse("intake:screening", args=[task.screening_id])
    assert client.get(screening).status_code == 404


def test_only_the_raiser_keeps_the_task_and_only_to_read_it(
    client: Client, world: World, clock: Any
) -> None:
    break_glass_start(
        actor=world.intake_a1, mrn=world.patient_a2.mrn, reason="Walk-in in crisis at A1", hours=1
    )
    task = _raise(world, world.patient_a2)
    clock.shift(timedelta(hours=2))
    colleague = make_staff(
        "intake_a1b", Role.INTAKE_COORDINATOR, world.org_a, sites=[world.site_a1]
    )
    login(client, colleague)
    assert "Okafor" not in client.get(reverse("intake:safety_tasks")).content.decode()
    assert client.get(reverse("intake:safety_task", args=[task.pk])).status_code == 404
    for outsider in (world.director_b, world.counselor_a1):
        login(client, outsider)
        assert client.get(reverse("intake:safety_task", args=[task.pk])).status_code == 404
        assert "Okafor" not in client.get(reverse("intake:safety_tasks")).content.decode()
    # The raiser may read it, not act on it (their role, and the patient out of scope).
    login(client, world.intake_a1)
    url = reverse("intake:safety_task_complete", args=[task.pk])
    assert client.post(url, {"note": "Evaluated in person, safe."}).status_code in (403, 404)
    task.refresh_from_db()
    assert task.status == "open"


def test_the_raiser_counts_the_task_in_the_navigation(
    client: Client, world: World, clock: Any
) -> None:
    break_glass_start(
        actor=world.intake_a1, mrn=world.patient_a2.mrn, reason="Walk-in in crisis at A1", hours=1
    )
    _raise(world, world.patient_a2)
    clock.shift(timedelta(hours=2))
    login(client, world.intake_a1)
    body = client.get(reverse("patients:list")).content.decode()
    assert "Safety tasks, 1 urgent open" in body
