"""Playwright helpers for the browser tests: system Chromium only, never a downloaded one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags for a closed network (no background calls to Google services) and root in CI.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium_browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls from the test body
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="openiop-chromium-")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def totp_now(user: object) -> str:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.last_t = -1  # allow a fresh log-in of the same user within one 30 s step
    device.save(update_fields=["last_t"])
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def login(page: Any, base: str, user: Any, password: str | None = None) -> None:
    """Log a test persona in through the real pages: password, then the TOTP step."""
    if password is None:
        from openiop.core.testing import PASSWORD

        password = PASSWORD
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/mfa/")
    page.get_by_label("Code from your authenticator app").fill(totp_now(user))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/")


PHONE = {"width": 390, "height": 844}


def phone(browser: Any) -> tuple[Any, Any, list[str]]:
    """A phone-sized browser context, its page, and the console errors it collects."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


# axe-core impacts that fail a page (axe's own scale: minor, moderate, serious, critical).
FAILING_IMPACTS = ("serious", "critical")


def accessibility_violations(page: Any) -> list[str]:
    """Run axe-core (shipped inside the `axe-playwright-python` package, never fetched) on the
    page as it is now; the serious and critical violations, each as "rule: target (help)"."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'][:3])} ({v['help']})"
        for v in results.response["violations"]
        if v.get("impact") in FAILING_IMPACTS
    ]
