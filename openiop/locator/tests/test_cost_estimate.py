"""The public cost estimate page and API: the default ranges, insurance, a program's own fee
schedule, and field-level errors for bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from openiop.core.testing import World
from openiop.locator import services
from openiop.locator.models import Facility, FeeScheduleSetting
from openiop.locator.tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db

SELF_PAY = {"days_per_week": "3", "weeks": "4", "population": "adults", "payer": "self_pay"}


def _program_fees(world: World) -> Facility:
    FeeScheduleSetting.objects.create(
        program=world.program_a1,
        daily_rate_low=Decimal("240.00"),
        daily_rate_high=Decimal("320.00"),
        services={"family_therapy": {"label": "Family therapy", "price": "45.00", "per": "week"}},
        populations={"adolescents": "1.10"},
    )
    services.directory_publish(actor=None, organization=world.org_a)
    return Facility.objects.get(program=world.program_a1)


def test_the_page_is_public_and_posts_so_choices_stay_out_of_the_url(client: Client) -> None:
    page = client.get("/public/cost-estimate/")
    assert page.status_code == 200
    assert b'method="post"' in page.content and b"typical U.S. figures" in page.content


def test_default_figures_give_the_reference_range_for_twelve_program_days(
    client: Client,
) -> None:
    page = client.post("/public/cost-estimate/", SELF_PAY)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Estimate for 12 program days" in text
    assert "$3,600.00" in text and "range $3,000.00 to $4,200.00" in text
    assert "$3,000.00 to $4,200.00</strong>" in text  # self-pay: the patient pays it all
    assert "No insurance was given" in text and "not a quote" in text


def test_insurance_lowers_the_out_of_pocket_range(client: Client) -> None:
    page = client.post(
        "/public/cost-estimate/",
        {
            **SELF_PAY,
            "payer": "insurance",
            "deductible_remaining": "500",
            "coinsurance_percent": "20",
        },
    )
    text = page.content.decode()
    # low: 500 deductible + 20% of the other $2,500; high: 500 + 20% of $3,700
    assert "$1,000.00 to $1,240.00" in text
    assert "remaining deductible of $500.00" in text


def test_a_programs_own_fee_schedule_is_used_for_its_facility(client: Client, world: World) -> None:
    facility = _program_fees(world)
    page = client.get("/public/cost-estimate/", {"facility": facility.pk})
    assert b"own fee schedule" in page.content and b"location_cost_index" not in page.content
    page = client.post(
        "/public/cost-estimate/",
        {
            **SELF_PAY,
            "facility": facility.pk,
            "population": "adolescents",
            "services": ["family_therapy"],
        },
    )
    text = page.content.decode()
    # 12 days x $240-$320 x 1.10, plus $45 a week for 4 weeks
    assert "range $3,348.00 to $4,404.00" in text
    assert "multiplied by 1.1" in text and "Family therapy: $45.00 a week" in text
    assert "Request a referral" in text


def test_an_imported_facility_uses_the_national_figures_and_says_so(client: Client) -> None:
    facility = FacilityFactory.create()
    page = client.get("/public/cost-estimate/", {"facility": facility.pk})
    assert b"has not published its fees" in page.content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days_per_week": "9"}, "days_per_week"),
        ({"weeks": "0"}, "weeks"),
        ({"population": "martians"}, "population"),
        ({"payer": "insurance"}, "deductible_remaining"),
        ({"payer": "insurance", "coinsurance_percent": "120"}, "coinsurance_percent"),
        ({"location_cost_index": "9"}, "location_cost_index"),
    ],
)
def test_bad_input_is_422_with_a_field_error_and_no_estimate(
    client: Client, changes: dict[str, str], field: str
) -> None:
    page = client.post("/public/cost-estimate/", {**SELF_PAY, **changes})
    assert page.status_code == 422
    assert (
        f'id="id_{field}-errors"'.encode() in page.content
        or f"id_{field}_0-errors".encode() in page.content
    )
    assert b"Estimate for" not in page.content


# --- the API ----------------------------------------------------------------------------------


def test_api_returns_the_ranges_and_assumptions(client: Client, world: World) -> None:
    body: dict[str, Any] = {
        "days_per_week": 3,
        "weeks": 4,
        "insurance": {"deductible_remaining": "500.00", "coinsurance": "0.2"},
    }
    response = client.post("/api/v1/locator/cost-estimate", body, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["program_days"] == 12
    assert data["total"] == {"low": "3000.00", "expected": "3600.00", "high": "4200.00"}
    assert data["out_of_pocket"]["low"] == "1000.00" and data["out_of_pocket"]["high"] == "1240.00"
    assert any("deductible" in a for a in data["assumptions"])


def test_api_uses_a_programs_fee_schedule(client: Client, world: World) -> None:
    facility = _program_fees(world)
    response = client.post(
        "/api/v1/locator/cost-estimate",
        {"facility": facility.pk, "days_per_week": 3, "weeks": 4},
        content_type="application/json",
    )
    assert response.json()["total"]["low"] == "2880.00"  # 12 x $240


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days_per_week": 8, "weeks": 4}, "days_per_week"),
        ({"days_per_week": 3}, "weeks"),
        ({"days_per_week": 3, "weeks": 4, "services": ["massage"]}, "services"),
        ({"days_per_week": 3, "weeks": 4, "population": "martians"}, "population"),
        ({"days_per_week": 3, "weeks": 4, "facility": 999999}, "facility"),
        ({"days_per_week": 3, "weeks": 4, "insurance": {"coinsurance": "2"}}, "insurance"),
        ({"days_per_week": 3, "weeks": 4, "location_cost_index": "9.00"}, "location_cost_index"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(
    client: Client, world: World, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/locator/cost-estimate", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("deductible_remaining", "1000000000", "Give an amount from $0 to $100,000."),
        ("deductible_remaining", "100000.01", "Give an amount from $0 to $100,000."),
        ("deductible_remaining", "-1", "Give an amount from $0 to $100,000."),
        ("out_of_pocket_max_remaining", "250000", "Give an amount from $0 to $100,000."),
        ("copay_per_day", "50000", "Give an amount from $0 to $10,000."),
    ],
)
def test_plan_amounts_beyond_sane_bounds_are_refused_with_a_clear_sentence(
    client: Client, field: str, value: str, sentence: str
) -> None:
    page = client.post(
        "/public/cost-estimate/",
        {**SELF_PAY, "payer": "insurance", "coinsurance_percent": "20", field: value},
    )
    assert page.status_code == 422
    text = page.content.decode()
    assert f'id="id_{field}-errors"' in text and sentence in text
    assert "Estimate for" not in text


def test_the_api_refuses_a_billion_dollar_deductible(client: Client) -> None:
    body = {"days_per_week": 3, "weeks": 4, "insurance": {"deductible_remaining": "1000000000"}}
    response = client.post("/api/v1/locator/cost-estimate", body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]["insurance"]["deductible_remaining"]
    assert errors == ["Give an amount from $0 to $100,000."]


def test_the_domain_refuses_plan_amounts_beyond_the_bound() -> None:
    from openiop.domain.costing import CostingInputError, Insurance

    with pytest.raises(CostingInputError) as refused:
        Insurance(deductible_remaining=Decimal("1000000000.00"))
    assert refused.value.field == "deductible_remaining"
    Insurance(deductible_remaining=Decimal("100000.00"))  # the bound itself is accepted
