"""The portal's program policy page: who may change it, bad input, and its effect."""

from __future__ import annotations

import pytest
from django.test import Client

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.portal.models import PortalSettings
from openiop.portal.tests.helpers import make_portal_account
from openiop.portal.week.selectors import pick_from_list

pytestmark = pytest.mark.django_db


def _url(world: World) -> str:
    return f"/portal-access/programs/{world.program_a1.pk}/settings/"


def test_the_director_turns_picking_on_and_the_patient_may_pick(world: World) -> None:
    account = make_portal_account(world.patient_a1)
    assert pick_from_list(account) is False  # off by default
    client = login(Client(), world.director_a)
    assert client.get(_url(world)).status_code == 200
    response = client.post(_url(world), {"pick_from_list": "on", "session_reminder_hours": "2"})
    assert response.status_code == 302
    row = PortalSettings.objects.get(program=world.program_a1)
    assert row.pick_from_list and row.session_reminder_hours == 2
    assert pick_from_list(account) is True
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, detail="portal program policy changed"
    ).exists()


@pytest.mark.parametrize("hours", ["0", "49", "two", ""])
def test_bad_hours_are_refused_and_nothing_changes(world: World, hours: str) -> None:
    client = login(Client(), world.director_a)
    response = client.post(_url(world), {"session_reminder_hours": hours})
    assert response.status_code == 422
    assert not PortalSettings.objects.exists()


def test_another_organization_and_roles_without_care_settings_are_refused(
    world: World,
) -> None:
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    assert login(Client(), world.director_b).get(_url(world)).status_code == 404
    assert login(Client(), world.counselor_a2).get(_url(world)).status_code == 404
    assert login(Client(), world.counselor_a1).get(_url(world)).status_code == 403
    assert login(Client(), world.billing_a1).get(_url(world)).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 4
    refused = login(Client(), world.counselor_a1).post(
        _url(world), {"pick_from_list": "on", "session_reminder_hours": "2"}
    )
    assert refused.status_code == 403 and not PortalSettings.objects.exists()
