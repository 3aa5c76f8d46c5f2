"""A housing need found by the needs screen, referred, answered by the partner through the
signed link, and resolved on the chart: in headless system Chromium, on a phone, with axe-core
on each page.

1. The counselor opens the chart's Support tab and sees the housing need the screen opened.
2. They refer it to a housing partner the patient's consent names; the referral page gives
   the partner's link.
3. The partner, not signed in, opens the link: it shows this referral and nothing of another
   patient's; they record that they accepted and then that the service was given.
4. The counselor sees the partner's answers and closes the referral with the need resolved;
   the chart shows the need resolved.
5. The closed referral's link shows nothing more; another, still open, stops working once it
   expires (the clock moves past the program's link days); an altered link shows nothing.

The server's clock is frozen (time_machine, same process as the live server).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from openiop.core.browser import accessibility_violations, chromium_browser, login, phone
from openiop.core.testing import build_world
from openiop.delivery.tests.factories import enrolled_patient
from openiop.intake.services import screening_record
from openiop.support.models import Need, NeedKind, NeedStatus, PartnerReferral, ReferralStatus
from openiop.support.referrals.services import partner_link_url
from openiop.support.tests.test_referrals import consent_for, make_partner, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)


def _accessible(page: Any, where: str) -> None:
    problems = accessibility_violations(page)
    assert problems == [], f"{where}: {problems}"


def _housing_screen() -> dict[str, object]:
    """The CMS AHC HRSN core questions with only the living situation positive ("no steady
    place to live")."""
    answers: dict[str, object] = {"1": 2, "3": 0, "4": 0, "5": False, "6": 0}
    answers.update(dict.fromkeys(("2a", "2b", "2c", "2d", "2e", "2f", "2g"), False))
    answers.update(dict.fromkeys(("7", "8", "9", "10"), 1))
    return answers


def test_a_housing_need_is_referred_answered_by_the_partner_and_resolved(
    live_server: Any, settings: Any
) -> None:
    with time_machine.travel(datetime.combine(DAY, time(10, 0), tzinfo=NY), tick=False) as clock:
        world = build_world()
        ana = enrolled_patient(world.track_a1, first_name="Ana", last_name="Arriaga")
        other = enrolled_patient(world.track_a1, first_name="Bea", last_name="Okonkwo")
        screening_record(
            actor=world.counselor_a1,
            patient=ana,
            instrument_id="ahc_hrsn",
            answers=_housing_screen(),
        )
        need = Need.objects.get(patient=ana)
        assert need.kind == NeedKind.HOUSING and need.status == NeedStatus.OPEN
        harbor = make_partner(world.org_a, "Harbor Housing Authority")
        make_partner(world.org_a, "Eastside Food Bank", kind=NeedKind.FOOD)
        consent_for(world, ana, harbor)
        # Another patient's referral to the same partner: never on Ana's link.
        bea_referral = send(world, patient=other, partner=harbor)

        with chromium_browser() as browser:
            base = live_server.url
            context, page, errors = phone(browser)
            login(page, base, world.counselor_a1)

            # 1. The need from the screen on the chart.
            page.goto(f"{base}/patients/{ana.pk}/support/")
            tab = page.locator("main").inner_text()
            assert "Housing" in tab and "Needs screen" in tab, tab
            _accessible(page, "support tab")

            # 2. Refer it to the partner the consent names.
            page.get_by_role("link", name="Refer to a partner").first.click()
            page.wait_for_url("**/refer/")
            assert "consent covers this partner" in page.locator("main").inner_text()
            _accessible(page, "refer")
            page.get_by_label("Harbor Housing Authority").check()
            page.get_by_label("What help is asked of the partner").fill(
                "Ana has no steady place to live; she asks for a shelter bed and housing help."
            )
            page.get_by_role("button", name="Send the referral").click()
            page.wait_for_url("**/support/referrals/*/")
            referral = PartnerReferral.objects.get(patient=ana)
            assert referral.status == ReferralStatus.SENT and referral.disclosure is not None
            link = page.get_by_label("Copy this link and give it to the partner").input_value()
            assert link.startswith("http") and f"/{referral.pk}/" in link
            _accessible(page, "referral")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

            # 3. The partner, not signed in, opens the link.
            partner_context, partner, partner_errors = phone(browser)
            partner.goto(link)
            shown = partner.locator("main").inner_text()
            assert "Ana Arriaga" in shown and "Housing" in shown, shown
            assert "Okonkwo" not in shown and "Bea" not in shown
            assert "42 CFR part 2" in shown
            _accessible(partner, "partner link")
            partner.get_by_label("What happened").select_option(label="We can help (accepted)")
            partner.get_by_label("Your name").fill("Dana Reyes")
            partner.get_by_role("button", name="Send").click()
            partner.get_by_role("status").wait_for()
            referral.refresh_from_db()
            assert referral.status == ReferralStatus.ACCEPTED

            clock.move_to(datetime.combine(DAY + timedelta(days=3), time(11, 0), tzinfo=NY))
            partner.goto(link)
            partner.get_by_label("What happened").select_option(label="The service was given")
            partner.get_by_label("Your name").fill("Dana Reyes")
            partner.get_by_label("Note for the program").fill("Bed at Harbor House from today.")
            partner.get_by_role("button", name="Send").click()
            partner.get_by_role("status").wait_for()
            referral.refresh_from_db()
            assert referral.status == ReferralStatus.DELIVERED

            # 4. The counselor (signed in again: sessions last at most a day) sees the
            # partner's answers and closes the loop.
            login(page, base, world.counselor_a1)
            page.goto(f"{base}/support/referrals/{referral.pk}/")
            history = page.locator("main").inner_text()
            assert "partner: Dana Reyes" in history and "Bed at Harbor House" in history
            page.get_by_label("What happened").select_option(label="Closed")
            page.get_by_label("Was the need resolved?").select_option(label="Need resolved")
            page.get_by_role("button", name="Record").click()
            page.wait_for_load_state()
            need.refresh_from_db()
            assert need.status == NeedStatus.RESOLVED
            page.goto(f"{base}/patients/{ana.pk}/support/")
            assert "Resolved" in page.locator("main").inner_text()

            # 5. The closed referral's link shows nothing more of Ana.
            answer = partner.goto(link)
            assert answer is not None and answer.status == 410
            assert "closed" in partner.locator("main").inner_text()
            assert "Arriaga" not in partner.content()
            # Bea's referral, still open, works until the link days (14) have passed.
            bea_link = partner_link_url(bea_referral, base)
            partner.goto(bea_link)
            assert "Okonkwo" in partner.locator("main").inner_text()
            clock.move_to(datetime.combine(DAY + timedelta(days=15), time(11, 0), tzinfo=NY))
            answer = partner.goto(bea_link)
            assert answer is not None and answer.status == 410
            assert "expired" in partner.locator("main").inner_text()
            assert "Okonkwo" not in partner.content()
            head, token = link.rstrip("/").rsplit("/", 1)
            altered = token[:-4] + ("x" if token[-4] != "x" else "y") + token[-3:]
            answer = partner.goto(f"{head}/{altered}/")
            assert answer is not None and answer.status == 404
            assert "Arriaga" not in partner.content()
            partner_context.close()
            context.close()
            expected = ("status of 404", "status of 410", "status of 422")
            assert [e for e in errors + partner_errors if not any(x in e for x in expected)] == []
