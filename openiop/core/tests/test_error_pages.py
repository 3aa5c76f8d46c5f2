"""Refusals and errors answer with the site's own pages: a header, a plain reason and a way
back; a refusal is logged as one line, not a traceback."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.test import Client
from django.urls import reverse

from openiop.core.logfilters import RefusalsOneLine
from openiop.core.testing import World, login


def test_a_403_shows_the_reason_in_the_site_page_with_a_way_back(
    client: Client, world: World
) -> None:
    login(client, world.billing_a1)
    response = client.get(reverse("patients:chart_tab", args=[world.patient_a1.pk, "notes"]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "Clinical notes are open to counselors and clinical directors only." in body
    assert 'href="/"' in body and "Back to the home page" in body
    assert 'class="top"' in body  # the site header


def test_a_404_is_the_site_page_and_says_nothing_about_the_object(
    client: Client, world: World
) -> None:
    login(client, world.counselor_b1)
    response = client.get(reverse("patients:chart", args=[world.patient_a1.pk]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in body and "Back to the home page" in body
    assert world.patient_a1.last_name not in body


def test_the_500_page_stands_alone() -> None:
    from django.template.loader import get_template

    html = get_template("500.html").render({})
    assert "Something went wrong" in html and 'href="/"' in html


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionDenied_()
    except PermissionDenied_:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden", None, sys.exc_info()
        )
    record.status_code = status
    return record


class PermissionDenied_(Exception):
    pass


def test_refusals_are_logged_without_a_traceback_and_server_errors_with_one() -> None:
    assert "refusals_one_line" in settings.LOGGING["handlers"]["console"]["filters"]
    refusal = _record(403)
    assert RefusalsOneLine().filter(refusal) and refusal.exc_info is None
    crash = _record(500)
    assert RefusalsOneLine().filter(crash) and crash.exc_info is not None


def test_the_log_never_holds_the_secret_of_a_link() -> None:
    """A 404 on a partner's referral link is logged by Django with its path: the handler's
    filter keeps the route and drops the token (and so for portal invitations and calendar
    feeds)."""
    from openiop.core.logfilters import RedactLinkSecrets

    secret = "7:AbCdEfGhIjKlMnOp:1xSyBc:XlzvGSefDq_zFYHQHP6v6hTBm37GE1WU8It"
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Not Found", f"/public/partner-referrals/7/{secret}/"),
        None,
    )
    RedactLinkSecrets().filter(record)
    assert secret not in record.getMessage()
    assert "/public/partner-referrals/7/[redacted]/" in record.getMessage()
    for path in ("/portal/welcome/abcdefghijklmnop/", "/public/calendar/abcdefghijklmnop.ics"):
        record = logging.LogRecord(
            "django.server", logging.INFO, __file__, 1, f'"GET {path} HTTP/1.1" 404', None, None
        )
        RedactLinkSecrets().filter(record)
        assert "abcdefghijklmnop" not in record.getMessage()
