"""Every intake page and action refuses a user of another site or another organization with
404 (the object's existence does not leak), and the attempt is audited as a denial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, login_password_only
from openiop.intake import services
from openiop.intake.models import SafetyTask
from openiop.intake.placement import Assessment
from openiop.intake.tests.helpers import (
    CHANGE_REASONS,
    PHQ9_ITEM9,
    RATINGS,
    phq9,
    placement_post,
    referral,
)

Objects = dict[str, Any]


def _objects(world: World) -> Objects:
    screening = phq9(world, PHQ9_ITEM9)
    decision = services.placement_decide(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        assessment=Assessment(
            ratings=dict(RATINGS),
            criteria={},
            conditions=frozenset(),
            screening_facts={},
            change_reasons=dict(CHANGE_REASONS),
        ),
        accept=True,
    )
    return {
        "referral": referral(world),
        "patient": world.patient_a1,
        "screening": screening,
        "task": SafetyTask.objects.get(screening=screening),
        "decision": decision,
        "program": world.program_a1,
    }


# (name, method, url builder, POST data, object type of the audited denial)
ENDPOINTS: list[tuple[str, str, Callable[[Objects], str], dict[str, str], str]] = [
    ("referral", "get", lambda o: reverse("intake:referral", args=[o["referral"].pk]), {}, "intake.referral"),
    ("referral move", "post", lambda o: reverse("intake:referral_move", args=[o["referral"].pk]),
     {"to_stage": "declined", "reason": "no"}, "intake.referral"),
    ("referral link", "post", lambda o: reverse("intake:referral_link", args=[o["referral"].pk]),
     {"mrn": "0000001"}, "intake.referral"),
    ("referral register", "get", lambda o: reverse("intake:referral_register", args=[o["referral"].pk]),
     {}, "intake.referral"),
    ("referral register post", "post",
     lambda o: reverse("intake:referral_register", args=[o["referral"].pk]), {}, "intake.referral"),
    ("screening choose", "get", lambda o: reverse("intake:screening_choose", args=[o["patient"].pk]),
     {}, "patients.patient"),
    ("screening form", "get", lambda o: reverse("intake:screening_new", args=[o["patient"].pk, "phq9"]),
     {}, "patients.patient"),
    ("screening post", "post",
     lambda o: reverse("intake:screening_new", args=[o["patient"].pk, "phq9"]),
     {f"item_{n}": "0" for n in range(1, 10)}, "patients.patient"),
    ("screening result", "get", lambda o: reverse("intake:screening", args=[o["screening"].pk]),
     {}, "patients.patient"),
    ("safety task", "get", lambda o: reverse("intake:safety_task", args=[o["task"].pk]), {},
     "patients.patient"),
    ("safety task assign", "post", lambda o: reverse("intake:safety_task_assign", args=[o["task"].pk]),
     {"assignee": "1"}, "patients.patient"),
    ("safety task complete", "post",
     lambda o: reverse("intake:safety_task_complete", args=[o["task"].pk]),
     {"note": "trying to close it"}, "patients.patient"),
    ("placement form", "get", lambda o: reverse("intake:placement_new", args=[o["patient"].pk]), {},
     "patients.patient"),
    ("placement post", "post", lambda o: reverse("intake:placement_new", args=[o["patient"].pk]),
     {**placement_post(), "action": "save", "decision": "accept"}, "patients.patient"),
    ("placement decision", "get", lambda o: reverse("intake:placement", args=[o["decision"].pk]), {},
     "patients.patient"),
    ("admit form", "get", lambda o: reverse("intake:admit", args=[o["patient"].pk]), {},
     "patients.patient"),
    ("admit post", "post", lambda o: reverse("intake:admit", args=[o["patient"].pk]),
     {"program": "1"}, "patients.patient"),
    ("availability", "get", lambda o: reverse("intake:availability", args=[o["patient"].pk]), {},
     "patients.patient"),
    ("availability post", "post", lambda o: reverse("intake:availability", args=[o["patient"].pk]),
     {"avail_0_morning": "on"}, "patients.patient"),
    ("policy", "get", lambda o: reverse("intake:policy", args=[o["program"].pk]), {},
     "organization.program"),
    ("chart tab", "get", lambda o: reverse("patients:chart_tab", args=[o["patient"].pk, "intake"]), {},
     "patients.patient"),
]  # fmt: skip


@pytest.mark.parametrize("outsider", ["other_site", "other_org"])
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "object_type"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_user_of_another_site_or_organization_is_refused_and_audited(
    client: Client,
    world: World,
    outsider: str,
    name: str,
    method: str,
    url: Callable[[Objects], str],
    data: dict[str, str],
    object_type: str,
) -> None:
    objects = _objects(world)
    user = {"other_site": world.director_b, "other_org": world.counselor_b1}[outsider]
    if outsider == "other_site" and object_type != "organization.program":
        user = world.counselor_a2
    login(client, user)
    before = AuditEvent.objects.filter(action="denied").count()
    response = getattr(client, method)(url(objects), data)
    assert response.status_code == 404, name
    assert b"Quintero" not in response.content and b"Rivera" not in response.content
    denied = AuditEvent.objects.filter(action="denied").order_by("seq")
    assert denied.count() == before + 1
    last = denied.last()
    assert last is not None and last.username == user.username
    assert last.object_type == object_type
    objects["referral"].refresh_from_db()
    assert objects["referral"].stage == "inquiry"  # nothing changed


def test_lists_show_nothing_of_another_site_or_organization(client: Client, world: World) -> None:
    _objects(world)
    for outsider in (world.counselor_a2, world.counselor_b1, world.director_b):
        login(client, outsider)
        for url in (reverse("intake:board"), reverse("intake:safety_tasks")):
            response = client.get(url)
            assert response.status_code == 200
            assert b"Rivera" not in response.content and b"Quintero" not in response.content


def test_read_only_role_is_refused_every_write_and_audited(client: Client, world: World) -> None:
    objects = _objects(world)
    login(client, world.billing_a1)
    assert client.get(reverse("intake:referral", args=[objects["referral"].pk])).status_code == 403
    move = client.post(
        reverse("intake:referral_move", args=[objects["referral"].pk]),
        {"to_stage": "declined", "reason": "billing should not"},
    )
    assert move.status_code == 403
    for url in (
        reverse("intake:screening_new", args=[world.patient_a1.pk, "phq9"]),
        reverse("intake:availability", args=[world.patient_a1.pk]),
        reverse("intake:referral_create"),
    ):
        assert client.post(url, {}).status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="billing_a1").count() >= 2


@pytest.mark.parametrize(
    "url",
    [
        "/intake/",
        "/intake/safety-tasks/",
        "/intake/referrals/new/",
        "/intake/patients/1/screening/",
        "/intake/policy/",
    ],
)
def test_intake_pages_need_a_session_past_mfa(client: Client, world: World, url: str) -> None:
    assert client.get(url)["Location"].endswith("/accounts/login/")
    login_password_only(client, world.director_a)
    assert client.get(url)["Location"].endswith("/accounts/mfa/")


def test_policy_list_is_for_directors_and_administrators_only(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    assert client.get(reverse("intake:policy_list")).status_code == 403
    login(client, world.admin_a)
    response = client.get(reverse("intake:policy_list"))
    assert response.status_code == 200 and b"Evening IOP A1" in response.content
    assert b"Evening IOP B1" not in response.content
