"""Default deny with one exception: the exact path `/` is open to visitors who are not logged
in (the public home); logged-in staff still get their own home, and nothing else opens."""

from __future__ import annotations

import pytest
from django.test import Client

from openiop.core.testing import World, login, login_password_only

pytestmark = pytest.mark.django_db


def test_a_visitor_gets_the_public_home_at_the_root(client: Client, world: World) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "locator/home.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("path", ["/patients/", "/locator/", "/intake/", "/audit/", "/setup/"])
def test_every_other_staff_path_still_sends_a_visitor_to_log_in(
    client: Client, world: World, path: str
) -> None:
    """The middleware redirects before URL resolution, so never a 404 (which would also tell
    a visitor which staff paths exist)."""
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_the_api_still_answers_401_to_a_visitor(client: Client, world: World) -> None:
    assert client.get("/api/v1/patients/").status_code == 401


def test_logged_in_staff_get_the_staff_home(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.get("/")
    templates = [t.name for t in response.templates]
    assert response.status_code == 200
    assert "core/home.html" in templates and "locator/home.html" not in templates


def test_a_user_past_the_password_but_not_the_second_factor_is_sent_to_it(
    client: Client, world: World
) -> None:
    login_password_only(client, world.counselor_a1)
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/mfa" in response["Location"]
