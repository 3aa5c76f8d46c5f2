"""The public self-check at /public/self-check/: no log-in, stores nothing, plain-language
result from the engine's criteria rules, crisis resources when answers indicate danger."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from openiop.intake.selfcheck import evaluate

URL = "/public/self-check/"
NO = {
    "for_whom": "me",
    "under_18": "no",
    "danger_now": "no",
    "dangerous_withdrawal": "no",
    "needs_supervision": "no",
    "serious_conditions": "no",
    "unsafe_home": "no",
    "severe_use": "no",
    "must_keep_obligations": "no",
    "has_support": "no",
    "stepping_down": "no",
    "tried_before": "no",
    "mental_and_substance": "no",
}


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_the_page_opens_without_log_in_and_shows_crisis_lines(client: Client, db: None) -> None:
    response = client.get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Is an intensive outpatient program right for me?" in content
    assert "988" in content and "911" in content
    assert "/public/locator/" in content and "/public/cost-estimate/" in content


def test_answers_are_posted_and_nothing_is_stored(client: Client, db: None) -> None:
    before = _row_counts()
    response = client.post(URL, {**NO, "must_keep_obligations": "yes", "stepping_down": "yes"})
    assert response.status_code == 200
    assert _row_counts() == before  # no referral, no audit event, no session
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"] == "no-store"
    content = response.content.decode()
    assert "An intensive outpatient program may be right for you" in content
    assert "needing to keep working" in content and "stepping down from a hospital" in content
    assert "Nothing you entered has been stored" in content


def test_danger_shows_988_and_911_above_the_result(client: Client, db: None) -> None:
    content = client.post(URL, {**NO, "danger_now": "yes"}).content.decode()
    assert "Please get help now" in content
    assert content.index("988") < content.index('id="result"')
    assert "911" in content


def test_inpatient_criteria_explain_why_residential_care_may_fit_better(
    client: Client, db: None
) -> None:
    content = client.post(
        URL, {**NO, "for_whom": "other", "unsafe_home": "yes", "must_keep_obligations": "yes"}
    ).content.decode()
    assert "Inpatient or residential care may fit better right now" in content
    assert "Their answers mention a home setting that makes recovery hard" in content


def test_dangerous_withdrawal_means_stopping_safely_first(client: Client, db: None) -> None:
    content = client.post(URL, {**NO, "dangerous_withdrawal": "yes"}).content.decode()
    assert "Stopping safely comes first" in content


def test_missing_answers_are_named_with_status_422(client: Client, db: None) -> None:
    answers = dict(NO)
    del answers["severe_use"]
    response = client.post(URL, answers)
    assert response.status_code == 422
    assert b"Choose yes or no." in response.content and b'id="result"' not in response.content


@pytest.mark.parametrize(
    ("answers", "fit", "rules"),
    [
        ({}, "iop_or_outpatient", set()),
        ({"tried_before": True}, "iop", {"PL-CRIT-3"}),
        ({"mental_and_substance": True}, "iop", {"PL-CRIT-2", "PL-CRIT-3"}),
        ({"needs_supervision": True, "must_keep_obligations": True}, "inpatient", {"PL-CRIT-1", "PL-CONFLICT-FIT"}),
        ({"dangerous_withdrawal": True}, "iop_or_outpatient", {"PL-WM-6"}),
    ],
)  # fmt: skip
def test_the_result_comes_from_the_placement_rules(
    answers: dict[str, Any], fit: str, rules: set[str]
) -> None:
    result = evaluate(answers, for_self=True)
    assert result.fit == fit
    assert rules <= set(result.rules)


def test_under_18_mentions_programs_for_teenagers(client: Client, db: None) -> None:
    content = client.post(URL, {**NO, "under_18": "yes"}).content.decode()
    assert "programs for teenagers" in content
