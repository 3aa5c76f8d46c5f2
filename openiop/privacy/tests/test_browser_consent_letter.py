"""In headless Chromium on a phone: a counselor records the patient's written consent to
disclose attendance to an employer (42 CFR 2.31), makes the proof-of-attendance letter for
that employer under it, and the patient's accounting of disclosures (42 CFR 2.25) lists it.
Then the patient revokes the consent and the letter can no longer be made."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import build_world
from openiop.delivery.tests.factories import enrolled_patient
from openiop.privacy.models import Consent, Disclosure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMPLOYER = "Northside Logistics HR"


def test_counselor_records_an_employer_consent_makes_the_letter_and_the_accounting_shows_it(
    live_server: Any,
) -> None:
    world = build_world()
    patient = enrolled_patient(world.track_a1, first_name="Rosa", last_name="Quintero")
    today = timezone.localdate()
    base = live_server.url
    with chromium_browser() as browser:
        context, page, errors = phone(browser)
        login(page, base, world.counselor_a1)

        # From the chart to the patient's consents.
        page.goto(f"{base}/patients/{patient.pk}/")
        page.get_by_role("link", name="Consents and disclosures").click()
        page.get_by_role("link", name="Record a consent").click()

        # A named-recipient consent for the employer, signed on screen.
        page.get_by_label("Named recipient").check()
        page.get_by_label("Kind of recipient").select_option("employer")
        page.get_by_label("To whom").fill(EMPLOYER)
        page.get_by_label("Purpose", exact=True).select_option("employment")
        page.get_by_label("Dates and hours attended").check()
        page.get_by_label("Expires on").fill((today + timedelta(days=90)).isoformat())
        page.get_by_label("Signed by", exact=True).fill("Rosa Quintero")
        page.get_by_label("Signed on", exact=True).fill(today.isoformat())
        page.get_by_label("Signer types their full name").fill("Rosa Quintero")
        page.get_by_label("I have read this consent and sign it").check()
        page.get_by_role("button", name="Save the consent").click()
        page.wait_for_url(f"**/privacy/patients/{patient.pk}/consents/")
        assert page.get_by_text(EMPLOYER).first.is_visible()
        consent = Consent.objects.get(patient=patient, recipient_name=EMPLOYER)

        # The letter for that employer, under that consent.
        page.goto(f"{base}/delivery/patients/{patient.pk}/letter/")
        page.locator("#id_period_start").fill((today - timedelta(days=14)).isoformat())
        page.locator("#id_period_end").fill(today.isoformat())
        with page.expect_download() as download:
            page.get_by_role("button", name="Make the PDF letter").click()
        assert download.value.suggested_filename.endswith(".pdf")
        assert (
            Disclosure.objects.filter(
                patient=patient, consent=consent, channel="letter", recipient_name=EMPLOYER
            ).count()
            == 1
        )

        # The patient's accounting lists the letter to the employer.
        page.goto(f"{base}/privacy/patients/{patient.pk}/consents/")
        page.get_by_role("link", name="Accounting of disclosures").click()
        row = page.get_by_role("row").filter(has_text=EMPLOYER)
        assert row.count() == 1
        assert "Dates and hours attended" in row.inner_text()

        # The patient revokes the consent in writing: no letter can be made under it.
        page.goto(f"{base}/privacy/consents/{consent.pk}/")
        page.get_by_label("In writing").check()
        page.get_by_role("button", name="Revoke the consent").click()
        page.wait_for_url(f"**/privacy/consents/{consent.pk}/")
        page.goto(f"{base}/delivery/patients/{patient.pk}/letter/")
        assert page.get_by_role("button", name="Make the PDF letter").count() == 0
        assert page.get_by_text("no written consent in effect").is_visible()

        assert [e for e in errors if "Failed to load resource" not in e] == [], errors
        context.close()
