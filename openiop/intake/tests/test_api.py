"""`POST /api/v1/screenings/score`: the same six-key object as `openiop score` (200), or 400
problem JSON naming the items; it stores nothing; staff past MFA only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, login_password_only
from openiop.domain.screening import INSTRUMENTS, score
from openiop.domain.screening.tests.support import every_item_asked
from openiop.intake.models import SafetyTask, ScreeningResponse

URL = "/api/v1/screenings/score"
CONTRACT_KEYS = {"instrument", "total", "band", "subscores", "flags", "complete"}


def _post(client: Client, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, raw, content_type="application/json")


def test_scores_phq9_exactly_like_the_command_and_stores_nothing(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    answers = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}
    before = AuditEvent.objects.count()
    response = _post(client, {"instrument": "phq9", "answers": answers})
    assert response.status_code == 200
    assert response.json() == {
        "instrument": "phq9",
        "total": 7,
        "band": "mild",
        "subscores": {},
        "flags": ["suicidal_ideation"],
        "complete": True,
    }
    assert not ScreeningResponse.objects.exists() and not SafetyTask.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("instrument", list(INSTRUMENTS))
def test_every_instrument_answers_the_six_contract_keys(
    client: Client, world: World, instrument: str
) -> None:
    login(client, world.counselor_a1)
    answers = every_item_asked(instrument)
    response = _post(client, {"instrument": instrument, "answers": answers})
    assert response.status_code == 200
    assert set(response.json()) == CONTRACT_KEYS
    assert response.json() == score(instrument, answers).to_dict()


def test_subscores_and_null_total_come_through(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    audit = {str(n): 4 for n in range(1, 9)} | {"9": 4, "10": 4}
    body = _post(client, {"instrument": "audit", "answers": audit}).json()
    assert body["subscores"] == {"consumption": 12, "dependence": 12, "harm": 16}
    cssrs = {"1": True, "2": False, "6": True, "6b": True}
    body = _post(client, {"instrument": "cssrs", "answers": cssrs}).json()
    assert (body["total"], body["band"], body["flags"]) == (None, "high", ["cssrs_high_risk"])


def test_incomplete_or_invalid_answers_are_400_naming_each_item(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    answers = {"1": 0, "2": "1", "3": 4, "4": 1.5, "5": True, "6": 0, "7": 0, "8": 0, "10": 1}
    response = _post(client, {"instrument": "phq9", "answers": answers})
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Invalid input" and body["status"] == 400
    items = body["errors"]["answers"]
    assert set(items) == {"2", "3", "4", "5", "9", "10"}
    assert items["9"] == ["missing answer"]
    assert "unknown item" in items["10"][0]


def test_skip_logic_contradictions_are_named(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    answers = {"1": True, "2": False, "3": True, "4": False, "5": False, "6": False}
    response = _post(client, {"instrument": "cssrs", "answers": answers})
    assert response.status_code == 400
    assert "not asked" in response.json()["errors"]["answers"]["3"][0]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"instrument": "phq-9", "answers": {}}, "instrument", "Unknown instrument"),
        ({"instrument": "phq9", "answers": [0, 1]}, "answers", "JSON object"),
        ({"answers": {}}, "instrument", "required"),
        ({"instrument": "phq9"}, "answers", "required"),
    ],
)
def test_bad_requests_name_the_field(
    client: Client, world: World, body: dict[str, Any], field: str, fragment: str
) -> None:
    login(client, world.counselor_a1)
    response = _post(client, body)
    assert response.status_code == 400
    assert fragment in " ".join(response.json()["errors"][field])


def test_malformed_json_and_repeated_keys_are_400(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    broken = _post(client, '{"instrument": "phq9", "answers": {"1": ')
    assert broken.status_code == 400 and "JSON parse error" in broken.json()["title"]
    repeated = _post(client, '{"instrument": "phq9", "answers": {"1": 0, "1": 3}}')
    assert repeated.status_code == 400 and "more than once: 1" in repeated.json()["title"]


def test_score_needs_a_staff_session_past_mfa(client: Client, world: World) -> None:
    body = {"instrument": "gad7", "answers": {str(n): 0 for n in range(1, 8)}}
    assert _post(client, body).status_code == 401
    login_password_only(client, world.counselor_b1)
    assert _post(client, body).status_code == 403
    login(client, world.counselor_b1)  # any verified staff: the endpoint touches no patient
    assert _post(client, body).status_code == 200


def test_only_post_is_allowed(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    assert client.get(URL).status_code == 405
