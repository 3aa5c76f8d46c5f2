"""End to end in headless Chromium on a phone-sized screen: an intake
coordinator records a referral; a counselor of that site registers the person, completes a
PHQ-9 with item 9 positive (the safety task opens and 988 shows at once), sees the level-of-care
recommendation with its reasons, accepts it, and admits the patient with weekly availability."""

from __future__ import annotations

from typing import Any

import pytest

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import build_world
from openiop.intake.models import (
    Admission,
    PatientAvailability,
    PlacementDecision,
    Referral,
    SafetyTask,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


def test_referral_screening_recommendation_and_admission_with_a_safety_task(
    live_server: Any,
) -> None:
    world = build_world()
    base = live_server.url
    with chromium_browser() as browser:
        context, page, errors = phone(browser)

        # 1. The intake coordinator records the referral.
        login(page, base, world.intake_a1)
        page.get_by_role("link", name="Intake", exact=True).click()
        page.get_by_role("link", name="Record a referral").click()
        page.get_by_label("Program").select_option(label=str(world.program_a1))
        page.get_by_label("Source").select_option("hospital")
        page.get_by_label("First name").fill("Marisol")
        page.get_by_label("Last name").fill("Ferreira")
        page.get_by_label("Date of birth").fill("1987-09-21")
        page.get_by_label("Phone", exact=True).fill("508-555-0177")
        page.get_by_label("Reason for referral").fill("Discharged after an overdose.")
        page.get_by_role("button", name="Record referral").click()
        page.wait_for_url("**/intake/referrals/*/")
        assert page.get_by_role("heading", name="Referral: Ferreira, Marisol").is_visible()
        referral_url = page.url
        _logout(page)

        # 2. A counselor of that site finds it on the board, moves it and registers the person.
        login(page, base, world.counselor_a1)
        page.get_by_role("link", name="Intake", exact=True).click()
        assert page.get_by_text("0 days in stage").is_visible()
        page.get_by_role("link", name="Ferreira, Marisol").click()
        page.wait_for_url(referral_url)
        page.get_by_label("Move to").select_option("screening")
        page.locator("#id_reason").fill("Phone screen done; coming in today.")
        page.get_by_role("button", name="Move").click()
        page.wait_for_url(referral_url)
        assert page.get_by_text("Phone screen done; coming in today.").is_visible()
        page.get_by_role("link", name="Register as a patient").click()
        assert page.get_by_label("Last name").input_value() == "Ferreira"
        page.get_by_role("button", name="Register").click()
        page.wait_for_url(referral_url)

        # 3. PHQ-9 with item 9 positive: 988 at once and an urgent safety task.
        page.get_by_role("link", name="Screen").click()
        page.get_by_role("link", name="PHQ-9").click()
        for item, value in {"1": 2, "2": 2, "3": 1, "4": 1, "5": 0, "6": 1, "7": 0, "8": 0}.items():
            page.locator(f'input[name="item_{item}"][value="{value}"]').check()
        page.get_by_role("button", name="Save and score").click()
        assert page.get_by_text("item 9: missing answer").count() == 0
        assert page.locator("#item_9-errors").get_by_text("missing answer").is_visible()
        page.locator('input[name="item_9"][value="1"]').check()
        page.get_by_role("button", name="Save and score").click()
        page.wait_for_url("**/intake/screenings/*/")
        assert page.get_by_role("heading", name="Suicide risk: act now").is_visible()
        assert page.get_by_text("988 Suicide & Crisis Lifeline").first.is_visible()
        assert page.get_by_text("Mild", exact=True).is_visible()  # total 8
        page.get_by_role("link", name="Safety tasks, 1 urgent open").click()  # the nav's count
        assert page.get_by_text("Open, urgent").is_visible()

        # C-SSRS skip logic in the browser: item 3 appears only after item 2 is Yes.
        patient_id = Referral.objects.get().patient_id
        page.goto(f"{base}/intake/patients/{patient_id}/screening/cssrs/")
        assert page.locator("#q-item_3").is_hidden()
        page.locator('input[name="item_2"][value="yes"]').check()
        assert page.locator("#q-item_3").is_visible()
        page.locator('input[name="item_2"][value="no"]').check()
        assert page.locator("#q-item_3").is_hidden()

        # 4. Level of care: recommendation with its reasons, accepted.
        page.goto(f"{base}/patients/{patient_id}/intake/")
        page.get_by_role("link", name="Level of care").click()
        for n in range(1, 7):
            page.locator(f'input[name="d{n}_rating"][value="2"]').check()
            page.get_by_label(f"Evidence for dimension {n}").fill(f"Observed at intake ({n}).")
        # PHQ-9 8 proposes 1 for dimension 3: rating it 2 needs a reason.
        page.get_by_label("Reason for changing the proposed rating of dimension 3").fill(
            "Interview: low mood worse than the screen shows."
        )
        page.get_by_label("Must keep working, studying or caring for family").check()
        page.get_by_role("button", name="Get recommendation").click()
        recommendation = page.locator("#recommendation")
        assert recommendation.get_by_role("heading", name="Recommended: level 2.1").is_visible()
        assert recommendation.get_by_text(
            "PHQ-9 item 9 positive: a clinician evaluates suicide risk now", exact=False
        ).is_visible()
        # Rule codes stay out of sight until the clinician opens a reason's details.
        assert not recommendation.get_by_text("PL-LEVEL", exact=False).first.is_visible()
        recommendation.locator("details.reason-details summary").first.click()
        assert recommendation.get_by_text("Rule PL-", exact=False).first.is_visible()
        page.locator('input[name="decision"][value="accept"]').check()
        page.get_by_role("button", name="Save decision").click()
        page.wait_for_url("**/intake/placements/*/")
        assert page.get_by_text("accepted the recommendation").is_visible()

        # 5. Admission with availability on the week grid; the referral closes.
        page.goto(referral_url)
        page.get_by_role("link", name="Admit").click()
        page.get_by_label("SUD A1 (ages 18-120)").check()
        assert page.get_by_label("Weekly hours for SUD A1").input_value() == "9.0"
        page.get_by_label("Primary counselor").select_option(index=1)
        for cell in ("Mon evening", "Wed evening", "Sat morning"):
            page.get_by_label(cell, exact=True).check()
        # The 42 CFR 2.22 notice is given at admission, and the form records how.
        page.get_by_label("Given on paper", exact=True).check()
        page.get_by_role("button", name="Admit", exact=True).click()
        page.wait_for_url("**/patients/*/intake/")
        assert page.get_by_role("cell", name="SUD A1").is_visible()
        assert page.get_by_text("Open urgent safety task").is_visible()

        assert "ferreira" not in page.url.lower()
        local = page.evaluate("() => Object.entries(localStorage)")
        assert local == []
        # No CSP violations or script errors (the refused form's 422 status is expected).
        assert [e for e in errors if "status of 422" not in e] == [], errors
        context.close()

    referral = Referral.objects.get()
    assert referral.stage == "admitted"
    assert SafetyTask.objects.filter(patient=referral.patient, status="open").count() == 1
    assert PlacementDecision.objects.get().decision == "accepted"
    assert Admission.objects.get().referral == referral
    assert PatientAvailability.objects.filter(patient=referral.patient).count() == 3
    assert referral.patient.part2_notices.get().method == "paper"
