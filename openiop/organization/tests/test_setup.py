"""Administrator setup pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from openiop.accounts.models import User
from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, without_tokens
from openiop.organization.models import Program, Room, Site, StaffProfile, Track


def test_setup_page_lists_only_my_organization(client: Client, world: World) -> None:
    login(client, world.admin_a)
    response = client.get(reverse("organization:setup"))
    assert response.status_code == 200
    page = without_tokens(response.content)
    assert "A1" in page and "B1" not in page


@pytest.mark.parametrize("who", ["counselor_a1", "director_a", "billing_a1", "frontdesk_a1"])
def test_only_administrators_reach_setup(client: Client, world: World, who: str) -> None:
    login(client, getattr(world, who))
    assert client.get(reverse("organization:setup")).status_code == 403
    assert (
        client.post(reverse("organization:new", args=["sites"]), {"name": "X"}).status_code == 403
    )


def test_admin_creates_a_site_program_track_and_room(client: Client, world: World) -> None:
    login(client, world.admin_a)
    r = client.post(
        reverse("organization:new", args=["sites"]),
        {
            "name": "Beacon",
            "address": "2 Elm St",
            "city": "Boston",
            "state": "MA",
            "zip_code": "02108",
            "timezone": "America/New_York",
        },
    )
    assert r.status_code == 302, r.content
    site = Site.objects.get(name="Beacon")
    assert site.organization == world.org_a
    assert (
        client.post(
            reverse("organization:new", args=["programs"]),
            {"site": site.pk, "name": "Weekend IOP", "accepting_new_patients": "on"},
        ).status_code
        == 302
    )
    program = Program.objects.get(name="Weekend IOP")
    assert (
        client.post(
            reverse("organization:new", args=["tracks"]),
            {
                "program": program.pk,
                "kind": "adolescents",
                "name": "Teens",
                "min_group": 3,
                "max_group": 10,
                "min_age": 13,
                "max_age": 17,
            },
        ).status_code
        == 302
    )
    assert str(Track.objects.get(name="Teens").min_weekly_hours) == "6.0"  # ASAM adolescent default
    assert (
        client.post(
            reverse("organization:new", args=["rooms"]),
            {"name": "Zoom 1", "capacity": 12, "virtual": "on"},
        ).status_code
        == 302
    )
    assert Room.objects.get(name="Zoom 1").site is None
    assert AuditEvent.objects.filter(action="add", object_type="organization.site").exists()


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        (
            "sites",
            {
                "name": "X",
                "address": "a",
                "city": "b",
                "state": "MA",
                "zip_code": "1",
                "timezone": "America/New_York",
            },
            "zip_code",
        ),
        (
            "sites",
            {
                "name": "X",
                "address": "a",
                "city": "b",
                "state": "MA",
                "zip_code": "02108",
                "timezone": "Mars/Olympus",
            },
            "timezone",
        ),
        (
            "tracks",
            {
                "kind": "alcohol",
                "name": "T",
                "min_group": 9,
                "max_group": 3,
                "min_age": 18,
                "max_age": 99,
            },
            "max_group",
        ),
        ("rooms", {"name": "R", "capacity": 0}, "capacity"),
        ("rooms", {"name": "R", "capacity": 5}, "site"),
    ],
)
def test_bad_setup_input_gets_field_errors(
    client: Client, world: World, kind: str, data: dict[str, object], field: str
) -> None:
    login(client, world.admin_a)
    if kind == "tracks":
        data = {**data, "program": world.program_a1.pk}
    counts = (Site.objects.count(), Track.objects.count(), Room.objects.count())
    response = client.post(reverse("organization:new", args=[kind]), data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert (Site.objects.count(), Track.objects.count(), Room.objects.count()) == counts


def test_admin_of_another_organization_cannot_edit_or_pick_my_objects(
    client: Client, world: World
) -> None:
    login(client, world.admin_b)
    assert (
        client.get(reverse("organization:edit", args=["sites", world.site_a1.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("organization:edit", args=["sites", world.site_a1.pk]), {"name": "Pwned"}
        ).status_code
        == 404
    )
    r = client.post(
        reverse("organization:new", args=["programs"]), {"site": world.site_a1.pk, "name": "Sneaky"}
    )
    assert r.status_code == 422 and not Program.objects.filter(name="Sneaky").exists()
    staff = StaffProfile.objects.get(user=world.counselor_a1)
    assert client.get(reverse("organization:staff_edit", args=[staff.pk])).status_code == 404


def _staff_data(world: World, **extra: object) -> dict[str, object]:
    return {
        "username": "new.counselor",
        "first_name": "Nia",
        "last_name": "Ford",
        "email": "nia@example.org",
        "role": "counselor",
        "password": "lantern-orbit-meadow-7",
        "is_active": "on",
        "credentials": "LADC",
        "max_weekly_hours": 32,
        "sites": [world.site_a1.pk],
        "programs": [world.program_a1.pk],
        "tracks": [world.track_a1.pk],
        "start_0": "09:00",
        "end_0": "12:00",
        "start_2": "18:00",
        "end_2": "21:00",
        **extra,
    }


def test_admin_adds_staff_with_tracks_and_availability(client: Client, world: World) -> None:
    login(client, world.admin_a)
    response = client.post(reverse("organization:staff_new"), _staff_data(world))
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    user = User.objects.get(username="new.counselor")
    assert user.organization == world.org_a and user.check_password("lantern-orbit-meadow-7")
    profile = user.staff_profile
    assert list(profile.tracks.all()) == [world.track_a1]
    assert [(a.weekday, a.start.hour, a.end.hour) for a in profile.availability.all()] == [
        (0, 9, 12),
        (2, 18, 21),
    ]
    page = client.get(reverse("organization:setup"))
    assert b"Nia Ford" in page.content


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"password": "short"}, "password"),
        ({"username": "counselor_a1"}, "username"),
        ({"start_0": "12:00", "end_0": "09:00"}, "end_0"),
        ({"start_1": "09:00"}, "end_1"),
        ({"role": "wizard"}, "role"),
        # Portal accounts come only by invitation, never from the staff form.
        ({"role": "patient"}, "role"),
        ({"role": "family"}, "role"),
        ({"tracks": [999999]}, "tracks"),
    ],
)
def test_bad_staff_input_saves_nothing(
    client: Client, world: World, extra: dict[str, object], field: str
) -> None:
    login(client, world.admin_a)
    before = User.objects.count()
    response = client.post(reverse("organization:staff_new"), _staff_data(world, **extra))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert User.objects.count() == before


def test_staff_list_query_count_is_flat(
    client: Client, world: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from openiop.accounts.models import Role
    from openiop.core.testing import make_staff

    login(client, world.admin_a)
    client.get(reverse("organization:setup"))
    for i in range(30):
        make_staff(
            f"extra{i}",
            Role.COUNSELOR,
            world.org_a,
            sites=[world.site_a1],
            programs=[world.program_a1],
        )
    with django_assert_max_num_queries(16):
        assert client.get(reverse("organization:setup")).status_code == 200


@pytest.mark.parametrize(
    ("kind", "hours", "floor"),
    [
        ("substance_use", "0", "9"),
        ("substance_use", "-3", "9"),
        ("substance_use", "6", "9"),  # the adolescent floor is not enough for an adult track
        ("mental_health", "8.5", "9"),
        ("adolescents", "5", "6"),
        ("adolescents", "-1", "6"),
    ],
)
def test_track_minimum_hours_below_the_asam_floor_are_refused(
    client: Client, world: World, kind: str, hours: str, floor: str
) -> None:
    login(client, world.admin_a)
    count = Track.objects.count()
    response = client.post(
        reverse("organization:new", args=["tracks"]),
        {
            "program": world.program_a1.pk,
            "kind": kind,
            "name": "Too light",
            "min_weekly_hours": hours,
            "min_group": 3,
            "max_group": 10,
            "min_age": 13 if kind == "adolescents" else 18,
            "max_age": 17 if kind == "adolescents" else 99,
        },
    )
    assert response.status_code == 422
    errors = " ".join(response.context["form"].errors["min_weekly_hours"])
    assert f"At least {floor} hours a week" in errors and "ASAM Level 2.1" in errors
    assert "min_weekly_hours" not in errors  # the message names no field
    assert Track.objects.count() == count


def test_a_track_at_the_floor_is_accepted(client: Client, world: World) -> None:
    login(client, world.admin_a)
    response = client.post(
        reverse("organization:new", args=["tracks"]),
        {
            "program": world.program_a1.pk,
            "kind": "adolescents",
            "name": "Teens at the floor",
            "min_weekly_hours": "6",
            "min_group": 3,
            "max_group": 10,
            "min_age": 13,
            "max_age": 17,
        },
    )
    assert response.status_code == 302
