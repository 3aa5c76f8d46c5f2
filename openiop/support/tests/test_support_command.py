"""`openiop support report --json`: the report's figures as JSON, for one organization."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from openiop.core.models import AuditEvent
from openiop.core.testing import World
from openiop.support.tests.test_report import _data

pytestmark = pytest.mark.django_db
D = date


@pytest.fixture(autouse=True)
def _clock() -> object:
    with time_machine.travel("2026-06-15T15:00:00+00:00", tick=False) as t:
        yield t


def _run(*args: str) -> dict:  # type: ignore[type-arg]
    out = io.StringIO()
    call_command("support", "report", "--json", *args, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_json_has_the_same_figures_as_the_page(world: World) -> None:
    _data(world)
    data = _run("--organization", str(world.org_a.pk))
    assert data["organization"] == world.org_a.pk
    assert (data["from"], data["to"], data["as_of"]) == ("2026-03-18", "2026-06-15", "2026-06-15")
    total = data["total"]
    assert (total["needs_found"], total["needs_referred"], total["needs_resolved"]) == (3, 3, 2)
    assert total["resolution_rate"] == 0.6667
    assert total["median_days_to_resolution"] == 6.5
    assert (total["referrals_sent"], total["referrals_overdue"]) == (3, 1)
    assert [k["kind"] for k in data["by_kind"]] == ["food", "housing"]
    assert [p["partner"] for p in data["by_partner"]] == [
        "County Housing Authority",
        "Harvest Food Bank",
    ]
    # The food bank declined its referral and staff closed the need as resolved: the need is
    # resolved in the totals, not credited to the food bank.
    food = data["by_partner"][1]
    assert (food["needs_resolved"], food["median_days_to_resolution"]) == (0, None)
    assert (food["referrals_declined"], data["by_partner"][0]["needs_resolved"]) == (1, 1)
    assert "Quintero" not in json.dumps(data) and "0000001" not in json.dumps(data)
    event = AuditEvent.objects.get(action="export", object_type="support.need")
    assert event.organization_id_value == world.org_a.pk


def test_period_options(world: World) -> None:
    _data(world)
    data = _run("--organization", str(world.org_a.pk), "--from", "2026-05-01", "--to", "2026-05-31")
    assert data["total"]["needs_found"] == 2
    older = _run(
        "--organization", str(world.org_a.pk), "--from", "2026-03-01", "--to", "2026-03-31"
    )
    assert (
        older["total"]["needs_found"] == 1 and older["total"]["median_days_to_resolution"] is None
    )


def test_other_organization_is_separate(world: World) -> None:
    _data(world)
    data = _run("--organization", str(world.org_b.pk))
    assert data["total"]["needs_found"] == 1
    assert [p["partner"] for p in data["by_partner"]] == ["B Shelter"]


def test_the_only_organization_is_used_without_the_option(db: None) -> None:
    from openiop.core.testing import OrganizationFactory

    org = OrganizationFactory.create(name="Only")
    data = _run()
    assert data["organization"] == org.pk and data["total"]["needs_found"] == 0
    assert data["total"]["resolution_rate"] is None


def test_text_output(world: World) -> None:
    _data(world)
    out = io.StringIO()
    call_command("support", "report", "--organization", str(world.org_a.pk), stdout=out)
    assert "All needs: 3 found, 3 referred, 2 resolved (67%, median 6.5 days)" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-30"], "--from must be a date as YYYY-MM-DD"),
        (["--to", "soon"], "--to must be a date as YYYY-MM-DD"),
        (["--from", "2026-06-01", "--to", "2026-05-01"], "--to is before --from"),
        (["--organization", "abc"], "--organization must be an id"),
        (["--organization", "999999"], "no organization with id 999999"),
        ([], "name the organization with --organization"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    world: World, args: list[str], message: str
) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("support", "report", "--json", *args, stdout=io.StringIO(), stderr=err)
    assert exc.value.code == 2
    assert message in err.getvalue()
    assert not AuditEvent.objects.filter(action="export", object_type="support.need").exists()
