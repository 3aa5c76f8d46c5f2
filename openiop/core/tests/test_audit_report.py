"""Audit report page and CSV export (45 CFR 170.315(d)(3))."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login


def _activity(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    client.get(reverse("patients:chart", args=[world.patient_a1.pk]))
    client.get(reverse("patients:chart", args=[world.patient_a2.pk]))  # refused


def test_report_filters_by_user_patient_action_and_period(client: Client, world: World) -> None:
    _activity(client, world)
    login(client, world.director_a)
    url = reverse("core:audit_report")
    page = client.get(url, {"username": "counselor_a1", "action": "denied"})
    assert page.status_code == 200
    events = list(page.context["page"])
    assert events and all(e.action == "denied" and e.username == "counselor_a1" for e in events)
    by_patient = list(client.get(url, {"patient": world.patient_a1.pk}).context["page"])
    assert by_patient and all(e.patient_id_value == world.patient_a1.pk for e in by_patient)
    empty = client.get(url, {"start": "2001-01-01", "end": "2001-01-02"}).context["page"]
    assert len(empty) == 0
    sorted_page = client.get(url, {"sort": "username"}).context["page"]
    names = [e.username for e in sorted_page]
    assert names == sorted(names)


def test_bad_filters_get_a_400_with_the_reason(client: Client, world: World) -> None:
    login(client, world.director_a)
    response = client.get(
        reverse("core:audit_report"),
        {"start": "2026-05-02", "end": "2026-05-01", "patient": "abc", "sort": "DROP"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"end", "patient", "sort"} <= set(errors)


def test_csv_export_contains_the_events_and_is_itself_audited(client: Client, world: World) -> None:
    _activity(client, world)
    login(client, world.director_a)
    response = client.get(
        reverse("core:audit_report"), {"username": "counselor_a1", "format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows and {r["username"] for r in rows} == {"counselor_a1"}
    assert AuditEvent.objects.filter(action="export", username="director_a").exists()


@pytest.mark.parametrize("who", ["counselor_a1", "billing_a1", "frontdesk_a1"])
def test_audit_report_is_for_administrators_and_directors(
    client: Client, world: World, who: str
) -> None:
    login(client, getattr(world, who))
    assert client.get(reverse("core:audit_report")).status_code == 403
    assert client.get(reverse("core:audit_report"), {"format": "csv"}).status_code == 403


def test_director_of_another_organization_sees_nothing_of_mine(
    client: Client, world: World
) -> None:
    _activity(client, world)
    login(client, world.director_b)
    events = list(client.get(reverse("core:audit_report")).context["page"])
    assert all(e.username not in {"counselor_a1"} for e in events)
