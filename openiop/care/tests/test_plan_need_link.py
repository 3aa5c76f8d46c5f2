"""A treatment-plan goal addresses a social need of the same patient: chosen on the plan page,
validated by the service, shown with its status on the plan and the chart's Plan tab, and
carried into a revision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.care.models import Goal, TreatmentPlan
from openiop.care.plans.services import goal_add, goal_set_need, plan_create, plan_revise
from openiop.care.tests.factories import enrol, signed_plan
from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.patients.models import Patient
from openiop.support.models import Need, NeedSource, NeedStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 5, 20, 15, 0, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _need(
    world: World, patient: Patient | None = None, *, kind: str = "housing", closed: bool = False
) -> Need:
    patient = patient or world.patient_a1
    return Need.objects.create(
        organization=patient.organization,
        patient=patient,
        kind=kind,
        source=NeedSource.STAFF,
        identified_on=date(2027, 5, 3),
        identified_by=world.counselor_a1,
        status=NeedStatus.RESOLVED if closed else NeedStatus.OPEN,
        closed_on=date(2027, 5, 15) if closed else None,
        closed_by=world.counselor_a1 if closed else None,
    )


def _draft(world: World) -> TreatmentPlan:
    return plan_create(
        actor=world.counselor_a1,
        enrollment=enrol(world),
        review_on=timezone.localdate() + timedelta(days=30),
    )


def _url(world: World, plan: TreatmentPlan) -> str:
    return reverse("care:plan", args=[world.patient_a1.pk, plan.pk])


def test_the_goal_form_offers_the_patient_s_open_needs(client: Client, world: World) -> None:
    plan = _draft(world)
    _need(world)
    _need(world, kind="food", closed=True)  # closed and never linked: not offered
    _need(world, world.patient_a2, kind="legal")  # another patient's
    login(client, world.counselor_a1)
    body = client.get(_url(world, plan)).content.decode()
    assert "Addresses need" in body
    assert "Housing (found 3 May 2027)" in body
    assert "Food (found" not in body and "Legal help" not in body


def test_a_goal_saved_with_a_need_shows_its_status(client: Client, world: World) -> None:
    plan = _draft(world)
    need = _need(world)
    login(client, world.counselor_a1)
    response = client.post(
        _url(world, plan),
        {
            "form": "goal",
            "goal-description": "Find stable housing",
            "goal-skill_domain": "coping",
            "goal-need": need.pk,
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get(plan=plan)
    assert goal.need == need
    added = AuditEvent.objects.filter(action="add", object_type="care.goal").latest("id")
    assert "need" in added.fields
    body = client.get(_url(world, plan)).content.decode()
    assert "Addresses need: Housing (found 3 May 2027)" in body and "<strong>Open</strong>" in body


def test_another_patient_s_need_is_a_field_error_and_nothing_is_saved(
    client: Client, world: World
) -> None:
    plan = _draft(world)
    theirs = _need(world, world.patient_a2)
    login(client, world.counselor_a1)
    response = client.post(
        _url(world, plan),
        {
            "form": "goal",
            "goal-description": "Find stable housing",
            "goal-skill_domain": "coping",
            "goal-need": theirs.pk,
        },
    )
    assert response.status_code == 422
    assert not Goal.objects.filter(plan=plan).exists()
    with pytest.raises(ValidationError) as exc:
        goal_add(
            actor=world.counselor_a1,
            plan=plan,
            description="Find stable housing",
            skill_domain="coping",
            need=theirs,
        )
    assert "another patient" in exc.value.message_dict["need"][0]
    assert not Goal.objects.filter(plan=plan).exists()


def test_a_closed_need_not_yet_linked_is_refused(world: World) -> None:
    plan = _draft(world)
    closed = _need(world, kind="food", closed=True)
    with pytest.raises(ValidationError) as exc:
        goal_add(
            actor=world.counselor_a1,
            plan=plan,
            description="Eat well",
            skill_domain="coping",
            need=closed,
        )
    assert "closed" in exc.value.message_dict["need"][0]


def test_linking_an_existing_goal_through_the_page(client: Client, world: World) -> None:
    plan = _draft(world)
    goal = goal_add(
        actor=world.counselor_a1, plan=plan, description="Keep a job", skill_domain="coping"
    )
    need = _need(world, kind="employment")
    login(client, world.counselor_a1)
    url = _url(world, plan)
    bad = client.post(
        url, {"form": "goal_need", "goal_need-goal": goal.pk, "goal_need-need": 99999}
    )
    assert bad.status_code == 422
    goal.refresh_from_db()
    assert goal.need_id is None
    ok = client.post(
        url, {"form": "goal_need", "goal_need-goal": goal.pk, "goal_need-need": need.pk}
    )
    assert ok.status_code == 302
    goal.refresh_from_db()
    assert goal.need == need
    ok = client.post(url, {"form": "goal_need", "goal_need-goal": goal.pk, "goal_need-need": ""})
    goal.refresh_from_db()
    assert goal.need_id is None


def test_a_reader_without_care_write_cannot_link(client: Client, world: World) -> None:
    plan = _draft(world)
    goal = goal_add(
        actor=world.counselor_a1, plan=plan, description="Keep a job", skill_domain="coping"
    )
    need = _need(world, kind="employment")
    with pytest.raises(PermissionDenied):
        goal_set_need(actor=world.billing_a1, goal=goal, need=need)
    login(client, world.billing_a1)
    response = client.post(
        _url(world, plan),
        {"form": "goal_need", "goal_need-goal": goal.pk, "goal_need-need": need.pk},
    )
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.need_id is None


def test_another_organization_gets_a_404_and_it_is_audited(client: Client, world: World) -> None:
    plan = _draft(world)
    login(client, world.counselor_b1)
    before = AuditEvent.objects.filter(action="denied", username="counselor_b1").count()
    response = client.post(_url(world, plan), {"form": "goal_need"})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="denied", username="counselor_b1").count() == before + 1


def test_a_revision_carries_the_link_and_a_closed_need_stays_linkable(world: World) -> None:
    c = world.counselor_a1
    plan = signed_plan(c, enrol(world))
    need = _need(world)
    goal = plan.goals.get()
    Goal.objects.filter(pk=goal.pk).update(need=need)  # linked while the draft was written
    need.status, need.closed_on, need.closed_by = NeedStatus.RESOLVED, date(2027, 5, 18), c
    need.save()
    draft = plan_revise(actor=c, plan=plan, reason="Housing found, new goals")
    copied = draft.goals.get()
    assert copied.need == need
    # The closed need stays linkable in the revision; it is offered with how it closed.
    other = goal_add(
        actor=c, plan=draft, description="Keep the apartment", skill_domain="coping", need=need
    )
    assert other.need == need


def test_the_chart_plan_tab_shows_the_need_and_its_status(client: Client, world: World) -> None:
    plan = signed_plan(world.counselor_a1, enrol(world))
    need = _need(world, closed=True)
    Goal.objects.filter(plan=plan).update(need=need)
    login(client, world.counselor_a1)
    body = client.get(reverse("patients:chart_tab", args=[world.patient_a1.pk, "plan"])).content
    text = body.decode()
    assert "Addresses need: Housing (found 3 May 2027)" in text
    assert "Resolved" in text and "15 May 2027" in text
