"""The care page stays light as the program grows: one page of each list with its total, the
other pages on demand (an htmx fragment of one list, audited), the same queries and a page
size that does not grow with patients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.care.models import RelapseEvent, RelapseStatus
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login
from openiop.patients.models import Enrollment, Patient

pytestmark = pytest.mark.django_db


def crowd(world: World, count: int, offset: int = 0) -> list[Patient]:
    """`count` patients of site A1 in track A1, each with an open relapse response and the
    baseline measures due (bulk-created: fast)."""
    from django.utils import timezone

    today = timezone.localdate()
    patients = Patient.objects.bulk_create(
        [
            PatientFactory.build(
                site=world.site_a1,
                organization=world.org_a,
                program=world.program_a1,
                first_name=f"Care{offset + i}",
                last_name=f"Overview{offset + i:04d}",
                mrn=f"8{offset + i:06d}",
            )
            for i in range(count)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            EnrollmentFactory.build(
                patient=p, track=world.track_a1, starts_on=today - timedelta(weeks=3)
            )
            for p in patients
        ]
    )
    RelapseEvent.objects.bulk_create(
        [
            RelapseEvent(
                patient=p,
                status=RelapseStatus.OPEN,
                source="self_report",
                occurred_on=today,
                opened_by=world.counselor_a1,
                opened_at=timezone.now(),
            )
            for p in patients
        ]
    )
    return patients


def fetch(client: Client, **params: Any) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("care:dashboard"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_care_page_keeps_its_queries_and_size_as_patients_grow(world: World) -> None:
    client = login(Client(), world.counselor_a1)
    crowd(world, 5)
    client.get(reverse("care:dashboard"))  # warm per-session lookups
    small_queries, _ = fetch(client)
    crowd(world, 295, offset=5)
    large_queries, large = fetch(client)
    crowd(world, 300, offset=300)
    double_queries, double = fetch(client)
    assert small_queries == large_queries == double_queries
    assert len(double) < 200_000
    assert len(double) - len(large) < 500
    assert "Open relapse responses (600)" in double
    assert double.count("Overview") <= 4 * 25 + 10


def test_each_list_pages_on_its_own_and_the_page_shown_is_audited(world: World) -> None:
    patients = crowd(world, 30)
    client = login(Client(), world.counselor_a1)
    first = client.get(reverse("care:dashboard")).content.decode()
    relapses = first.split('id="rel-h"')[1].split("</section>")[0]
    assert relapses.count("Overview") == 25 and "Page 1 of 2" in relapses
    second = client.get(
        reverse("care:dashboard"), {"list": "relapses", "page": "2"}, HTTP_HX_REQUEST="true"
    )
    body = second.content.decode()
    assert second.status_code == 200 and "<html" not in body and 'id="relapses"' in body
    assert body.count("Overview") == 5 and "Measures due" not in body
    event = AuditEvent.objects.filter(action="query", username="counselor_a1").latest("pk")
    shown = {int(x) for x in event.detail.split("shown ids: ")[1].split(",")}
    assert len(shown) == 5 and shown <= {p.pk for p in patients}
    bad = client.get(reverse("care:dashboard"), {"list": "everything"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400


def test_the_care_page_and_its_fragments_refuse_other_roles_and_show_no_one_elsewhere(
    world: World,
) -> None:
    crowd(world, 3)
    login_as = {
        "front": world.frontdesk_a1,
        "other": world.counselor_b1,
        "site": world.counselor_a2,
    }
    response = login(Client(), login_as["front"]).get(
        reverse("care:dashboard"), {"list": "relapses", "page": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403 and b"Overview" not in response.content
    assert AuditEvent.objects.filter(action="denied", username="frontdesk_a1").count() == 1
    for who in ("other", "site"):
        response = login(Client(), login_as[who]).get(
            reverse("care:dashboard"), {"list": "relapses"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200 and b"Overview" not in response.content
