"""Billing staff on a phone, on the demo program (a fixed Wednesday evening): the authorization
work list shows one running out and its concurrent-review packet opens; this week's claims are
built and checked; a file is sent, the payer's acknowledgment rejects one claim, which is
withdrawn; a payment file with a denial is posted and the denial reads in words."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.accounts.models import Role, User
from openiop.billing.demo import remittance_text
from openiop.billing.models import BillingProvider, Claim, ClaimFile, ClaimStatus, Remittance
from openiop.core import demo
from openiop.core.browser import chromium_browser, login, phone
from openiop.core.testing import PASSWORD
from openiop.core.testing_tasks import run_tasks
from openiop.domain.claims.ack_text import ClaimStatus as Answer
from openiop.domain.claims.ack_text import write_277ca
from openiop.privacy.models import Disclosure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEDNESDAY = datetime(2026, 11, 4, 19, 30, tzinfo=ZoneInfo("America/New_York"))


def test_billing_staff_forecast_build_claims_and_post_a_denial(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setenv("OPENIOP_DEMO", "1")
    with time_machine.travel(WEDNESDAY, tick=False):
        demo.build_demo(seed=5, patients=40, today=WEDNESDAY.date())
        biller = User.objects.filter(role=Role.BILLING).order_by("pk").first()
        assert biller is not None
        biller.set_password(PASSWORD)  # the demo's passwords are random and printed once
        biller.save(update_fields=["password"])
        built_before = Claim.objects.count()
        base = live_server.url
        with chromium_browser() as browser:
            context, page, errors = phone(browser)
            login(page, base, biller)

            page.get_by_role("link", name="Billing", exact=True).click()
            page.get_by_role("link", name="Authorizations running out").click()
            rows = page.locator("table tbody tr")
            assert rows.count() >= 1 and "No authorization runs out" not in rows.first.inner_text()
            assert re.search(r"\d+ of \d+ \w+ used", rows.first.inner_text())
            rows.first.get_by_role("link").click()
            # Making the packet discloses to the payer: a button (a POST with the CSRF token).
            detail = page.url
            with page.expect_response(lambda r: "review-packet" in r.url) as made:
                page.get_by_role("button", name="Make the review packet (PDF)").click()
            answer = made.value
            assert answer.request.method == "POST"
            # (Chromium shows it in its PDF viewer, whose page replaces the body read here.)
            assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
            assert Disclosure.objects.filter(channel="packet").count() == 1
            page.goto(detail)

            # This week's ready charges (Monday, Tuesday) are not on a claim yet: build them.
            page.get_by_role("link", name="Billing", exact=True).click()
            page.get_by_role("link", name="Claims", exact=True).click()
            page.wait_for_url("**/billing/claims*")
            page.goto(f"{base}/billing/claims?first_day=2026-11-02&last_day=2026-11-08")
            page.get_by_role("button", name="Build claims from this period's ready charges").click()
            page.wait_for_load_state("load")
            assert Claim.objects.count() > built_before
            assert "No claims in this period" not in page.locator("main").inner_text()

            # The files are checked on the task queue; then one is sent and answered.
            run_tasks()
            page.get_by_role("link", name="Claim files").first.click()
            page.wait_for_url("**/billing/files")
            built = ClaimFile.objects.filter(status=ClaimStatus.READY).order_by("-pk").first()
            assert built is not None
            page.get_by_role("button", name=f"Mark file {built.pk} as sent").click()
            page.wait_for_load_state("load")
            assert f"File {built.pk} is marked as sent" in page.locator("main").inner_text()
            sent = list(built.claims.filter(status=ClaimStatus.SUBMITTED).order_by("pk"))
            assert sent
            answer = _answer_277ca(sent)
            page.get_by_role("link", name="Import an acknowledgment").first.click()
            page.get_by_label(
                "Acknowledgment file (999 or 277CA) from the clearinghouse or payer"
            ).set_input_files(
                files=[{"name": "ack.277", "mimeType": "text/plain", "buffer": answer.encode()}]
            )
            page.get_by_role("button", name="Import").click()
            page.wait_for_load_state("load")
            assert "1 rejected" in page.locator("main").inner_text()

            # The rejected claim is on the work list; billing staff withdraw it to build again.
            page.get_by_role("link", name="Billing", exact=True).click()
            page.get_by_role("link", name="Denied and rejected claims").first.click()
            page.get_by_role("link", name=sent[0].control_number).click()
            page.get_by_label("Why it is withdrawn").fill("Member id corrected on the coverage")
            page.get_by_role("button", name="Withdraw the claim").click()
            page.wait_for_load_state("load")
            assert "The claim is withdrawn" in page.locator("main").inner_text()
            assert Claim.objects.get(pk=sent[0].pk).status == ClaimStatus.VOID

            # The payer's payment file for ready claims, the last one denied.
            text = remittance_text(biller, WEDNESDAY.date())
            assert text is not None
            page.get_by_role("link", name="Billing", exact=True).click()
            page.get_by_role("link", name="Post a payment file").first.click()
            page.get_by_label("Payment file (835) from the payer or clearinghouse").set_input_files(
                files=[{"name": "era.835", "mimeType": "text/plain", "buffer": text.encode()}]
            )
            page.get_by_role("button", name="Post payments").click()
            page.wait_for_load_state("load")
            assert Remittance.objects.count() == 2  # the demo's and this one
            page.get_by_role("link", name="Billing", exact=True).click()
            page.get_by_role("link", name="Denied and rejected claims").first.click()
            denials = page.locator("main").inner_text()
            assert "authorization" in denials.lower()  # CO-197 in words
            assert Claim.objects.filter(status=ClaimStatus.DENIED).count() == 2
            assert [e for e in errors if "Failed to load resource" not in e] == [], errors
            context.close()


def _answer_277ca(claims: list[Claim]) -> str:
    """The payer's 277CA: the first claim rejected for invalid information, the others accepted."""
    bp = BillingProvider.objects.get(organization_id=claims[0].organization_id)
    return write_277ca(
        [
            Answer(
                c.control_number,
                c.patient.last_name.upper(),
                c.patient.first_name.upper(),
                c.coverage.member_id.upper(),
                "A7" if n == 0 else "A2",
                "21" if n == 0 else "20",
                c.total,
                c.first_day,
                c.last_day,
            )
            for n, c in enumerate(claims)
        ],
        payer_name="DEMO PAYER",
        payer_id=claims[0].payer.payer_id,
        submitter_name="DEMO RECOVERY IOP",
        submitter_id=bp.submitter_id,
        provider_name="DEMO RECOVERY IOP",
        provider_npi=bp.npi,
        interchange_control_number=990001,
        created=WEDNESDAY.replace(tzinfo=None),
    )
