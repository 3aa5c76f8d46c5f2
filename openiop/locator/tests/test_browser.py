"""End to end on a phone-sized screen in headless Chromium: a parent
searches near a ZIP code for an adolescent IOP with evening groups that accepts Medicaid, sees
distances and openings, gets a cost estimate, and sends a referral request that arrives in the
intake pipeline. No log-in, no PHI in any URL or in browser storage, no CSP violation."""

from __future__ import annotations

import time
from typing import Any

import pytest

from openiop.core.browser import chromium_browser, phone
from openiop.core.testing import build_world
from openiop.intake.models import Referral
from openiop.locator import services
from openiop.locator.codes import Payment
from openiop.locator.models import ProgramListing
from openiop.locator.tests.factories import FacilityFactory, adolescent_program
from openiop.organization.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_parent_finds_an_evening_adolescent_program_gets_an_estimate_and_asks_for_a_referral(
    live_server: Any,
) -> None:
    world = build_world()
    program = Program.objects.create(site=world.site_a1, name="Teen Evening IOP")
    adolescent_program(program, enrolled=4, max_group=10, evening=True)
    ProgramListing.objects.create(
        program=program, payments=Payment.mask_of(["medicaid", "private_insurance"])
    )
    services.directory_publish(actor=None, organization=world.org_a)
    FacilityFactory.create(  # an imported facility that takes Medicaid but has no evening groups
        name="Daytime Youth Clinic", payments=Payment.MEDICAID.mask, evenings=False
    )
    base = live_server.url
    with chromium_browser() as browser:
        context, page, errors = phone(browser)

        page.goto(f"{base}/accounts/login/")
        page.get_by_role("link", name="Find a program").click()
        page.wait_for_url("**/public/locator/")
        page.get_by_label("ZIP code").fill("01609")
        page.get_by_label("Type of care").select_option("intensive_outpatient")
        page.get_by_label("Serves").select_option("adolescents")
        page.get_by_label("Accepts").select_option("medicaid")
        page.get_by_label("Evening groups").check()
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/public/locator/?zip=01609*")

        card = page.locator("li.locator-card", has_text="Teen Evening IOP")
        card.wait_for()
        assert page.get_by_text("Daytime Youth Clinic").count() == 0
        card_text = card.inner_text()
        assert "miles" in card_text and "6 openings of 10 places" in card_text
        assert "from the published group schedule" in card_text and "Medicaid" in card_text
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll

        card.get_by_role("link", name="Cost estimate").click()
        page.wait_for_url("**/public/cost-estimate/?facility=*")
        page.get_by_label("Program days a week").fill("3")
        page.get_by_label("Number of weeks").fill("6")
        page.get_by_label("Program for").select_option("adolescents")
        page.get_by_role("button", name="Estimate").click()
        page.get_by_role("heading", name="Estimate for 18 program days").wait_for()
        assert page.get_by_text("$4,500.00 to $6,300.00").first.is_visible()
        assert "cost-estimate" in page.url and "adolescent" not in page.url  # a POST
        assert page.get_by_text("not a quote").is_visible()

        started = time.monotonic()
        page.get_by_role("link", name="Request a referral").click()
        page.wait_for_url("**/public/referral/?facility=*")
        page.get_by_label("A family member or friend").check()
        page.get_by_label("Their first name").fill("Jordan")
        page.get_by_label("Their last name").fill("Whitaker")
        page.get_by_label("Phone number to reach them").fill("(508) 555-0161")
        page.get_by_label("Preferred language").select_option("english")
        page.get_by_label("Your name (if you ask for someone else)").fill("Renee Whitaker")
        page.get_by_label("Anything the program should know first (optional)").fill(
            "Jordan is 15 and has been skipping school."
        )
        assert page.get_by_text("may store what I wrote here").is_visible()
        page.get_by_label("I agree to the statement above").check()
        time.sleep(max(0.0, 3.3 - (time.monotonic() - started)))  # a person takes > 3 s
        page.get_by_role("button", name="Send request").click()
        page.wait_for_url(f"{base}/public/referral/thanks/")
        assert page.get_by_role("heading", name="Thank you: your request was sent").is_visible()
        assert "whitaker" not in page.url.lower() and "jordan" not in page.content().lower()

        local, session = page.evaluate(
            "() => [Object.entries(localStorage), Object.entries(sessionStorage)]"
        )
        stored = " ".join(str(v) for _, v in [*local, *session]).lower()
        assert "whitaker" not in stored and "skipping" not in stored
        assert errors == [], errors  # no CSP violations or script errors
        context.close()

    referral = Referral.objects.get()
    assert referral.stage == "inquiry" and referral.program == program
    assert referral.organization == world.org_a and referral.source == "family"
    assert referral.last_name == "Whitaker" and referral.referrer_name == "Renee Whitaker"
    assert referral.submitted_publicly and referral.consent_text.startswith("I agree")
