"""The needs pages: record a need, close it, reopen it; refusals on every endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.support.models import Need, NeedKind, NeedSource, NeedStatus
from openiop.support.needs import services

TODAY = date(2026, 12, 9)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel("2026-12-09T15:00:00+00:00", tick=False):
        yield


def open_need(world: World, kind: str = NeedKind.HOUSING, **extra: Any) -> Need:
    return services.need_record(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        kind=kind,
        identified_on=extra.pop("identified_on", date(2026, 12, 1)),
        **extra,
    )


def denied() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


def test_counselor_records_a_need_from_the_new_need_page(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("support:need_new", args=[world.patient_a1.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"New need" in page.content
    response = client.post(
        url, {"kind": "employment", "identified_on": "2026-12-08", "note": "Lost job last month"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "patients:chart_tab", args=[world.patient_a1.pk, "support"]
    )
    need = Need.objects.get(patient=world.patient_a1)
    assert (need.kind, need.source, need.status) == ("employment", NeedSource.STAFF, "open")
    assert need.identified_on == date(2026, 12, 8) and need.identified_by == world.counselor_a1
    assert AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="support.need", object_id=str(need.pk)
    ).exists()


def test_peer_specialist_may_record_a_need(client: Client, world: World) -> None:
    login(client, world.peer_a1)
    response = client.post(
        reverse("support:need_new", args=[world.patient_a1.pk]),
        {"kind": "legal", "identified_on": "2026-12-09"},
    )
    assert response.status_code == 302
    assert Need.objects.filter(patient=world.patient_a1, kind="legal").exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"kind": "", "identified_on": "2026-12-08"}, b"This field is required"),
        ({"kind": "spaceship", "identified_on": "2026-12-08"}, b"Select a valid choice"),
        ({"kind": "food", "identified_on": "2026-12-10"}, b"cannot be in the future"),
        ({"kind": "food", "identified_on": "yesterday"}, b"Enter a valid date"),
    ],
)
def test_new_need_with_bad_input_is_422_and_saves_nothing(
    client: Client, world: World, data: dict[str, str], field_error: bytes
) -> None:
    login(client, world.counselor_a1)
    response = client.post(reverse("support:need_new", args=[world.patient_a1.pk]), data)
    assert response.status_code == 422
    assert field_error in response.content
    assert not Need.objects.exists()


def test_a_second_open_need_of_the_same_kind_is_refused_with_422(
    client: Client, world: World
) -> None:
    open_need(world)
    login(client, world.counselor_a1)
    response = client.post(
        reverse("support:need_new", args=[world.patient_a1.pk]),
        {"kind": "housing", "identified_on": "2026-12-08"},
    )
    assert response.status_code == 422
    assert b"already has an open need of this kind" in response.content
    assert Need.objects.count() == 1


def test_close_page_closes_a_need_as_resolved(client: Client, world: World) -> None:
    need = open_need(world)
    login(client, world.counselor_a1)
    url = reverse("support:need_close", args=[need.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"How did it end?" in page.content
    response = client.post(url, {"status": "resolved", "closed_on": "2026-12-08", "note": ""})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.RESOLVED and need.closed_on == date(2026, 12, 8)
    assert need.closed_by == world.counselor_a1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "unresolved", "closed_on": "2026-12-08", "note": ""}, b"Say briefly why"),
        ({"status": "declined", "closed_on": "2026-12-08", "note": "x"}, b"Say briefly why"),
        ({"status": "resolved", "closed_on": "2026-11-20"}, b"before the need was found"),
        ({"status": "resolved", "closed_on": "2026-12-10"}, b"cannot be in the future"),
        ({"status": "open", "closed_on": "2026-12-08"}, b"Select a valid choice"),
    ],
)
def test_close_with_bad_input_is_422_and_the_need_stays_open(
    client: Client, world: World, data: dict[str, str], message: bytes
) -> None:
    need = open_need(world)
    login(client, world.counselor_a1)
    response = client.post(reverse("support:need_close", args=[need.pk]), data)
    assert response.status_code == 422
    assert message in response.content
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN and need.closed_on is None


def test_closing_a_closed_need_again_is_422(client: Client, world: World) -> None:
    need = open_need(world)
    services.need_close(actor=world.counselor_a1, need=need, status="resolved")
    login(client, world.counselor_a1)
    response = client.post(
        reverse("support:need_close", args=[need.pk]),
        {"status": "declined", "closed_on": "2026-12-09", "note": "changed mind"},
    )
    assert response.status_code == 422 and b"already closed" in response.content
    need.refresh_from_db()
    assert need.status == NeedStatus.RESOLVED


def test_reopen_undoes_a_close(client: Client, world: World) -> None:
    need = open_need(world)
    services.need_close(actor=world.counselor_a1, need=need, status="resolved")
    login(client, world.peer_a1)
    response = client.post(reverse("support:need_reopen", args=[need.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN and need.closed_on is None and need.closed_by is None


def test_reopen_is_refused_with_422_when_the_need_is_open_or_another_of_its_kind_is(
    client: Client, world: World
) -> None:
    need = open_need(world)
    login(client, world.counselor_a1)
    response = client.post(reverse("support:need_reopen", args=[need.pk]))
    assert response.status_code == 422 and b"open already" in response.content
    services.need_close(actor=world.counselor_a1, need=need, status="resolved")
    open_need(world, identified_on=date(2026, 12, 9))
    response = client.post(reverse("support:need_reopen", args=[need.pk]))
    assert response.status_code == 422 and b"Another need of this kind" in response.content
    need.refresh_from_db()
    assert need.status == NeedStatus.RESOLVED


def test_reopen_answers_only_post(client: Client, world: World) -> None:
    need = open_need(world)
    services.need_close(actor=world.counselor_a1, need=need, status="resolved")
    login(client, world.counselor_a1)
    assert client.get(reverse("support:need_reopen", args=[need.pk])).status_code == 405
    need.refresh_from_db()
    assert need.status == NeedStatus.RESOLVED


def _endpoints(world: World) -> list[tuple[str, str, str, dict[str, str], str]]:
    need = open_need(world)
    closed = open_need(world, kind=NeedKind.FOOD)
    services.need_close(actor=world.counselor_a1, need=closed, status="resolved")
    new = reverse("support:need_new", args=[world.patient_a1.pk])
    close = reverse("support:need_close", args=[need.pk])
    return [
        ("new form", "get", new, {}, "patients.patient"),
        ("new post", "post", new, {"kind": "legal", "identified_on": "2026-12-08"},
         "patients.patient"),
        ("close form", "get", close, {}, "patients.patient"),
        ("close post", "post", close, {"status": "resolved", "closed_on": "2026-12-08"},
         "patients.patient"),
        ("reopen", "post", reverse("support:need_reopen", args=[closed.pk]), {},
         "patients.patient"),
    ]  # fmt: skip


ENDPOINT_NAMES = ["new form", "new post", "close form", "close post", "reopen"]


def _state() -> list[tuple[Any, ...]]:
    return list(Need.objects.order_by("pk").values_list("pk", "kind", "status"))


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_user_of_another_organization_gets_404_and_one_audited_denial(
    client: Client, world: World, name: str
) -> None:
    endpoint = {e[0]: e for e in _endpoints(world)}[name]
    _, method, url, data, _ = endpoint
    before_state = _state()
    login(client, world.counselor_b1)
    before = denied()
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    assert b"Quintero" not in response.content
    assert denied() == before + 1
    last = AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("seq").last()
    assert last is not None and last.username == "counselor_b1"
    assert _state() == before_state


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_role_without_support_services_gets_403_and_is_audited(
    client: Client, world: World, name: str
) -> None:
    endpoint = {e[0]: e for e in _endpoints(world)}[name]
    _, method, url, data, _ = endpoint
    before_state = _state()
    login(client, world.frontdesk_a1)
    before = denied()
    response = getattr(client, method)(url, data)
    assert response.status_code == 403
    assert denied() == before + 1
    assert _state() == before_state


def test_user_of_another_site_gets_404(client: Client, world: World) -> None:
    need = open_need(world)
    login(client, world.counselor_a2)
    before = denied()
    assert client.get(reverse("support:need_close", args=[need.pk])).status_code == 404
    assert denied() == before + 1


def test_an_id_too_large_for_the_database_is_an_audited_404(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    before = denied()
    assert client.get("/support/needs/99999999999999999999/close/").status_code == 404
    assert denied() == before + 1
