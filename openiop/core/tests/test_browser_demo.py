"""The demo's printed log-in works in a real browser: password, then the TOTP key that
`openiop demo-data` printed."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP

from openiop.core.browser import chromium_browser
from openiop.patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_printed_demo_login_with_mfa_works(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENIOP_DEMO", "1")
    out = io.StringIO()
    call_command("demo-data", "--patients", "30", "--seed", "7", stdout=out)
    rows = re.findall(r"^  (\S+)\s+(\S+)\s+\S+\s+TOTP key ([A-Z2-7]+)", out.getvalue(), re.M)
    username, password, key = next(r for r in rows if r[0] == "director")
    code = f"{TOTP(base64.b32decode(key)).token():06d}"
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Code from your authenticator app").fill(code)
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(f"{live_server.url}/")
        # The 30 current patients and the outcomes demo's past ones, all at the director's sites.
        total = Patient.objects.count()
        assert total > 30
        assert page.get_by_text(f"{total} patients at your sites and programs").is_visible()
        page.get_by_role("link", name="Audit").click()
        assert page.get_by_role("heading", name="Audit report").is_visible()
        assert page.locator("#audit-table tbody tr").count() > 1
