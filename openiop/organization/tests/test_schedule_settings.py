"""Setup pages for what the weekly scheduler reads: a room's hours, a site's own hours for
a part of the day, and the days and parts of the day a track meets in."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import RoomFactory, World, login, without_tokens
from openiop.organization.models import Room, RoomAvailability, Site, Track

SITE = {
    "name": "Beacon",
    "address": "2 Elm St",
    "city": "Boston",
    "state": "MA",
    "zip_code": "02108",
    "timezone": "America/New_York",
}


@pytest.fixture
def room(world: World) -> Room:
    return RoomFactory.create(site=world.site_a1, name="Room 7", capacity=10)


def test_admin_sets_a_rooms_weekly_hours(client: Client, world: World, room: Room) -> None:
    login(client, world.admin_a)
    url = reverse("organization:room_hours", args=[room.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Hours of Room 7" in without_tokens(page.content)
    response = client.post(
        url, {"start_0": "08:00", "end_0": "12:30", "start_5": "09:00", "end_5": "13:00"}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert [(a.weekday, a.start, a.end) for a in room.availability.all()] == [
        (0, time(8), time(12, 30)),
        (5, time(9), time(13)),
    ]
    assert AuditEvent.objects.filter(
        action="change", object_type="organization.room", fields=["availability"]
    ).exists()
    setup = without_tokens(client.get(reverse("organization:setup")).content)
    assert "Mon 08:00\u201312:30; Sat 09:00\u201313:00" in setup
    client.post(url, {})  # nothing: open whenever groups meet again
    assert not room.availability.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_0": "12:00", "end_0": "09:00"}, "end_0"),
        ({"start_2": "12:00", "end_2": "12:00"}, "end_2"),
        ({"start_1": "09:00"}, "end_1"),
        ({"start_3": "25:00", "end_3": "26:00"}, "start_3"),
    ],
)
def test_bad_room_hours_are_refused_and_nothing_changes(
    client: Client, world: World, room: Room, data: dict[str, str], field: str
) -> None:
    RoomAvailability.objects.create(room=room, weekday=4, start=time(9), end=time(12))
    login(client, world.admin_a)
    response = client.post(reverse("organization:room_hours", args=[room.pk]), data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert [(a.weekday, a.start) for a in room.availability.all()] == [(4, time(9))]


def test_room_hours_of_another_organization_or_for_another_role_are_refused(
    client: Client, world: World, room: Room
) -> None:
    url = reverse("organization:room_hours", args=[room.pk])
    login(client, world.admin_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"start_0": "08:00", "end_0": "12:00"}).status_code == 404
    denied = AuditEvent.objects.filter(action="denied", object_type="organization.room")
    assert denied.filter(user_id_value=world.admin_b.pk).count() == 2
    for who in (world.counselor_a1, world.director_a):
        login(client, who)
        assert client.post(url, {"start_0": "08:00", "end_0": "12:00"}).status_code == 403
    assert not room.availability.exists()


def test_admin_gives_a_site_its_own_evening(client: Client, world: World) -> None:
    login(client, world.admin_a)
    data = {**SITE, "evening_start": "17:30", "evening_end": "20:30"}
    assert client.post(reverse("organization:new", args=["sites"]), data).status_code == 302
    site = Site.objects.get(name="Beacon")
    assert site.own_hours() == {"ev": (time(17, 30), time(20, 30))}
    assert "own hours: evening 17:30-20:30" in without_tokens(
        client.get(reverse("organization:setup")).content
    )
    page = without_tokens(client.get(reverse("organization:edit", args=["sites", site.pk])).content)
    assert "17:30" in page and "standard evening, 18:00 to 21:00" in page


@pytest.mark.parametrize(
    ("hours", "field", "message"),
    [
        ({"evening_start": "20:30", "evening_end": "17:30"}, "evening_end", "must end after"),
        ({"afternoon_start": "15:30"}, "afternoon_end", "Give both times"),
        ({"morning_end": "12:00"}, "morning_end", "Give both times"),
    ],
)
def test_bad_site_hours_are_refused(
    client: Client, world: World, hours: dict[str, str], field: str, message: str
) -> None:
    login(client, world.admin_a)
    response = client.post(reverse("organization:new", args=["sites"]), {**SITE, **hours})
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not Site.objects.filter(name="Beacon").exists()


def _track(world: World, **extra: object) -> dict[str, object]:
    return {
        "program": world.program_a1.pk,
        "kind": "alcohol",
        "name": "Alcohol (evening)",
        "min_group": 3,
        "max_group": 12,
        "min_age": 18,
        "max_age": 99,
        **extra,
    }


def test_admin_keeps_a_track_to_weekday_evenings(client: Client, world: World) -> None:
    login(client, world.admin_a)
    data = _track(world, meeting_days=["0", "1", "2", "3", "4"], meeting_parts=["ev"])
    assert client.post(reverse("organization:new", args=["tracks"]), data).status_code == 302
    track = Track.objects.get(name="Alcohol (evening)")
    assert (track.meeting_days, track.meeting_parts) == ([0, 1, 2, 3, 4], ["ev"])
    setup = without_tokens(client.get(reverse("organization:setup")).content)
    assert "meets Monday, Tuesday, Wednesday, Thursday, Friday · evening" in setup
    edit = reverse("organization:edit", args=["tracks", track.pk])
    assert client.post(edit, _track(world)).status_code == 302  # none ticked: any time
    track.refresh_from_db()
    assert (track.meeting_days, track.meeting_parts) == ([], [])


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"meeting_days": ["9"]}, "meeting_days"), ({"meeting_parts": ["night"]}, "meeting_parts")],
)
def test_bad_track_hours_are_refused(
    client: Client, world: World, extra: dict[str, object], field: str
) -> None:
    login(client, world.admin_a)
    response = client.post(reverse("organization:new", args=["tracks"]), _track(world, **extra))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not Track.objects.filter(name="Alcohol (evening)").exists()


def test_site_and_track_hours_of_another_organization_are_refused(
    client: Client, world: World
) -> None:
    login(client, world.admin_b)
    edit = reverse("organization:edit", args=["tracks", world.track_a1.pk])
    assert client.post(edit, _track(world, meeting_parts=["ev"])).status_code == 404
    site = reverse("organization:edit", args=["sites", world.site_a1.pk])
    assert (
        client.post(site, {**SITE, "evening_start": "17:30", "evening_end": "20:30"}).status_code
        == 404
    )
    world.track_a1.refresh_from_db()
    world.site_a1.refresh_from_db()
    assert world.track_a1.meeting_parts == [] and world.site_a1.own_hours() == {}


def test_the_demo_keeps_evening_and_adolescent_tracks_to_their_hours(world: World) -> None:
    import random
    from datetime import date

    from openiop.core.testing import TrackFactory
    from openiop.organization import demo

    alcohol = TrackFactory.create(
        program=world.program_a1, kind="alcohol", name="Alcohol (evening)"
    )
    teens = TrackFactory.create(
        program=world.program_a2, kind="adolescents", name="Adolescents", min_age=13, max_age=17
    )
    street = RoomFactory.create(site=world.site_a1, name="Street room 3", capacity=12)
    for _ in range(2):  # the same settings however often it runs
        demo.extend_demo(org=world.org_a, rng=random.Random(1), today=date(2026, 12, 7))
    alcohol.refresh_from_db()
    teens.refresh_from_db()
    assert (alcohol.meeting_days, alcohol.meeting_parts) == ([0, 1, 2, 3, 4], ["ev"])
    assert (teens.meeting_days, teens.meeting_parts) == ([0, 1, 2, 3, 4], ["pm"])
    world.site_a1.refresh_from_db()
    assert world.site_a1.own_hours() == {"pm": (time(15, 30), time(18, 30))}
    assert sorted(a.weekday for a in street.availability.all()) == [0, 1, 2, 3, 4]
    world.track_a1.refresh_from_db()
    assert world.track_a1.meeting_parts == []  # other tracks meet at any time
    world.site_b1.refresh_from_db()
    assert world.site_b1.own_hours() == {}  # another organization is untouched
