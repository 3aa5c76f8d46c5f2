"""An empty self-check submit names the missing answers with status 422, and the self-check is
reachable from the public pages."""

from __future__ import annotations

import pytest
from django.test import Client

URL = "/public/self-check/"

pytestmark = pytest.mark.django_db


def test_an_empty_submit_shows_an_error_with_status_422(client: Client) -> None:
    response = client.post(URL, {})
    content = response.content.decode()
    assert response.status_code == 422
    assert "Please answer every question marked below." in content
    assert "Choose who you are asking for." in content and "Choose yes or no." in content
    assert 'id="result"' not in content


@pytest.mark.parametrize("url", ["/", "/public/locator/", "/public/cost-estimate/"])
def test_the_public_pages_link_to_the_self_check(client: Client, url: str) -> None:
    assert f'href="{URL}"' in client.get(url).content.decode()
