"""Clinicians read words and sources, not the developers' codes: on the demo program, a
level-of-care decision, a taper recommendation and the safety tasks show reasons citing ASAM or
the instrument in plain words; rule codes appear only once the clinician opens "Details"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.core import demo
from openiop.core.browser import chromium_browser, login
from openiop.core.testing import PASSWORD
from openiop.intake.models import PlacementDecision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODES = re.compile(r"\b(?:PL|TP)-[A-Z]{2,}|\[(?:S|V|R)\]|\b[a-z]+_[a-z_]+\b|issue #?\d|\.md\b")


def test_reasons_are_words_with_sources_and_codes_only_in_details(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENIOP_DEMO", "1")
    demo.build_demo(seed=5, patients=30, today=timezone.localdate())
    director = User.objects.filter(role=Role.CLINICAL_DIRECTOR).order_by("pk").first()
    decision = PlacementDecision.objects.order_by("pk").first()
    assert director is not None and decision is not None
    director.set_password(PASSWORD)  # the demo's passwords are random and printed once
    director.save(update_fields=["password"])
    base = live_server.url
    with chromium_browser() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        login(page, base, director)

        page.goto(f"{base}/intake/placements/{decision.pk}/")
        main = page.locator("main")
        assert "ASAM" in main.inner_text()  # reasons cite their source
        assert CODES.findall(main.inner_text()) == []
        details = page.locator("details.reason-details").first
        details.locator("summary").click()
        assert re.search(r"Rule PL-[A-Z]+", details.inner_text())  # there when asked for

        page.get_by_role("link", name=re.compile(r"^Safety tasks")).click()
        assert CODES.findall(page.locator("main").inner_text()) == []

        page.goto(f"{base}/care/")
        assert CODES.findall(page.locator("main").inner_text()) == []
        context.close()
