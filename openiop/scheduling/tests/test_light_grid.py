"""The schedule grid stays light as the week grows: each cell shows its groups and patients
as counts, a cell's groups and a group's members load on demand (htmx fragments under the
same access checks and audit as the page), the shortfall list is paged; the same queries and
a page size that does not grow with patients."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login
from openiop.patients.models import Enrollment, Patient
from openiop.scheduling import services
from openiop.scheduling.models import ScheduleWeek
from openiop.scheduling.tests.helpers import (
    STARTED,
    WEEK,
    build_sched,
    greedy_solved,
    published_week,
)

pytestmark = pytest.mark.django_db


def crowd(world: World, count: int, offset: int = 0) -> list[Patient]:
    """`count` more patients of site A1 enrolled in track A1, fast."""
    patients = Patient.objects.bulk_create(
        [
            PatientFactory.build(
                site=world.site_a1,
                organization=world.org_a,
                program=world.program_a1,
                first_name=f"Crowd{offset + i}",
                last_name=f"Gridmember{offset + i:04d}",
                mrn=f"7{offset + i:06d}",
            )
            for i in range(count)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            EnrollmentFactory.build(
                patient=p,
                track=world.track_a1,
                starts_on=STARTED,
                required_weekly_hours=Decimal("9"),
            )
            for p in patients
        ]
    )
    return patients


def greedy_week(world: World) -> ScheduleWeek:
    """A week of organization A built now and solved by the greedy schedule (the same on
    any machine)."""
    week = services.week_build(actor=world.admin_a, organization=world.org_a, week_start=WEEK)
    return greedy_solved(week)


def grid(client: Client, week: ScheduleWeek) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("scheduling:week", args=[week.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def links(body: str, name: str) -> list[str]:
    return [
        html.unescape(u) for u in re.findall(rf'href="(/schedule/weeks/\d+/{name}/\?[^"]+)"', body)
    ]


def test_the_grid_keeps_its_queries_and_size_as_the_week_grows(world: World) -> None:
    build_sched(world)
    crowd(world, 150)
    client = login(Client(), world.admin_a)
    client.get(reverse("scheduling:index"))
    small_queries, small = grid(client, greedy_week(world))
    crowd(world, 150, offset=150)
    large_queries, large = grid(client, greedy_week(world))
    assert small_queries == large_queries
    assert len(large) < 200_000
    assert len(large) - len(small) < 500, (len(small), len(large))
    assert large.count("Gridmember") <= 25  # one page of the shortfalls by name
    assert "Page 1 of" in large


def test_a_cells_groups_and_a_groups_members_load_on_demand_and_are_audited(
    world: World,
) -> None:
    build_sched(world)
    week = published_week(world)
    client = login(Client(), world.admin_a)
    body = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
    assert "Quintero" not in body and "SUD A1" not in body
    cells = links(body, "cell")
    assert cells
    fragments = "".join(client.get(url, HTTP_HX_REQUEST="true").content.decode() for url in cells)
    assert "<html" not in fragments and "SUD A1" in fragments and "Quintero" not in fragments
    members = links(fragments, "group")
    shown = "".join(client.get(url, HTTP_HX_REQUEST="true").content.decode() for url in members)
    assert "Quintero, Alma" in shown and "Okafor, Bruno" in shown
    assert AuditEvent.objects.filter(
        action="query",
        username="admin_a",
        object_id=str(week.pk),
        detail__contains=str(world.patient_a1.pk),
    ).exists()
    page = client.get(members[0])  # without htmx: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode()
    bad = client.get(reverse("scheduling:week_cell", args=[week.pk]), {"day": "someday"})
    assert bad.status_code == 400


def test_fragments_keep_their_queries_as_the_week_grows(world: World) -> None:
    s = build_sched(world, a1=6, a2=3)
    client = login(Client(), world.director_a)
    small = published_week(world)

    def counts(week: ScheduleWeek) -> list[int]:
        body = client.get(reverse("scheduling:week", args=[week.pk])).content.decode()
        cell = links(body, "cell")[0]
        member = links(client.get(cell).content.decode(), "group")[0]
        out = []
        for url in (
            cell,
            member,
            f"{reverse('scheduling:week_grid_list', args=[week.pk])}?list=shortfalls",
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    before = counts(small)
    for patient in PatientFactory.create_batch(30, site=world.site_a1, program=world.program_a1):
        EnrollmentFactory.create(
            patient=patient, track=s.track_a1, starts_on=STARTED, required_weekly_hours=9
        )
    from datetime import timedelta

    large = published_week(world, WEEK + timedelta(days=7))
    assert before == counts(large)


def _group_url(world: World, week: ScheduleWeek, site: Any) -> str:
    group = next(
        g
        for g in week.solution["groups"]
        if any(
            r
            for r in week.problem["rooms"]
            if r["id"] == g["room"] and r.get("site") == f"s{site.pk}"
        )
    )
    return f"{reverse('scheduling:week_group', args=[week.pk])}?group={group['id']}"


def test_a_group_of_another_site_is_refused_and_audited(world: World) -> None:
    build_sched(world)
    week = published_week(world)
    url = _group_url(world, week, world.site_a1)
    client = login(Client(), world.counselor_a2)
    response = client.get(url)
    assert response.status_code == 404 and b"Quintero" not in response.content
    assert (
        AuditEvent.objects.filter(
            action="denied", username="counselor_a2", object_id=str(week.pk)
        ).count()
        == 1
    )


@pytest.mark.parametrize("intruder", ["director_b", "counselor_b1"])
def test_another_organization_gets_404_on_every_fragment_audited(
    world: World, intruder: str
) -> None:
    build_sched(world)
    week = published_week(world)
    client = login(Client(), getattr(world, intruder))
    urls = [
        _group_url(world, week, world.site_a1),
        f"{reverse('scheduling:week_cell', args=[week.pk])}?site={world.site_a1.pk}&day=mon&slot=ev",
        f"{reverse('scheduling:week_grid_list', args=[week.pk])}?list=shortfalls",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404 and b"Quintero" not in response.content
    assert AuditEvent.objects.filter(
        action="denied", username=intruder, object_id=str(week.pk)
    ).count() == len(urls)


def test_a_draft_weeks_fragments_are_refused_to_a_role_that_cannot_manage(
    world: World,
) -> None:
    """Every staff role may read published schedules; only managers see drafts, so the
    refusal for the others is the page's own: 404, audited."""
    build_sched(world)
    draft = greedy_week(world)
    client = login(Client(), world.counselor_a1)
    response = client.get(_group_url(world, draft, world.site_a1))
    assert response.status_code == 404 and b"Quintero" not in response.content
    assert (
        AuditEvent.objects.filter(
            action="denied", username="counselor_a1", object_id=str(draft.pk)
        ).count()
        == 1
    )
