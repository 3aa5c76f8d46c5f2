"""No page offers a link or a button that the access policy would refuse to the person who sees it.

A crawl of the demo program as each staff role: from the home page, every internal link is
followed (GET), and every form found on a reachable page is submitted once with only its own
hidden and pre-filled values, inside a transaction that is rolled back. A link that answers 403
or a form whose submission answers 403 was offered to somebody the policy refuses; a 404 on a
link means the page pointed at something out of the user's scope. Either is a defect.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from openiop.accounts.models import Role, User
from openiop.core import demo
from openiop.core.testing import login

pytestmark = pytest.mark.django_db

# Not crawled: leaving the session, the admin site (its own permission model), files and feeds.
SKIP_PREFIXES = (
    "/accounts/logout",
    "/portal/logout",
    "/admin/",
    "/static/",
    "/api/",
    "/healthz",
)
SKIP_SUFFIXES = (".ics", ".csv", ".pdf", ".json")
MAX_PAGES = 400  # per role; with PER_SHAPE, enough to reach every kind of page of the demo
PER_SHAPE = 3  # pages of one kind (same path with other ids) visited per role


# Developers' words that must not reach a page outside an opened <details>: issue numbers, file
# names, evidence tags, rule codes, Python field names (snake_case words).
JARGON = re.compile(
    r"\bissue #?\d|\b\w+\.(?:md|py)\b|\[(?:S|R|V|S1|S2)\]|\b(?:PL|TP)-[A-Z]{2,}|\b[a-z]+_[a-z_]+\b"
)
HIDDEN_TEXT = ("details", "script", "style", "template", "textarea", "code")


class _Page(HTMLParser):
    """Links, forms and visible text of one HTML page (stdlib parser: no extra dependency)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self.text: list[str] = []
        self._hidden = 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag in HIDDEN_TEXT:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = a.get("action") or a.get("hx-post") or ""
            method = (a.get("method") or ("post" if a.get("hx-post") else "get")).lower()
            self._form = {"action": action, "method": method, "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button"):
            if tag == "button" and a.get("hx-post"):
                self._form["action"] = self._form["action"] or a["hx-post"]
            name = a.get("name")
            kind = a.get("type", "text")
            if (name and tag == "input" and kind in ("hidden",)) or (name and "value" in a):
                if kind in ("checkbox", "radio") and "checked" not in a:
                    return
                self._form["fields"].setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TEXT and self._hidden:
            self._hidden -= 1
        if tag == "form":
            self._form = None


def _internal(href: str, here: str) -> str | None:
    href = urldefrag(href)[0]
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    path = parts.path if parts.path.startswith("/") else here.rsplit("/", 1)[0] + "/" + parts.path
    if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _shape(url: str) -> str:
    """`/patients/12/chart/notes/` and `/patients/97/chart/notes/` are the same kind of page."""
    return re.sub(r"/\d+(?=/|$)", "/N", url.split("?")[0])


def _crawl(client: Client, start: str = "/") -> tuple[list[str], list[str], list[str], int, int]:
    refused_links: list[str] = []
    refused_forms: list[str] = []
    seen: set[str] = {start}
    queue: deque[tuple[str, str]] = deque([(start, "start")])
    tried_forms: set[tuple[str, str]] = set()
    shapes: Counter[str] = Counter()
    jargon: set[str] = set()
    pages = 0
    while queue and pages < MAX_PAGES:
        url, came_from = queue.popleft()
        response: Any = client.get(url)
        pages += 1
        if response.status_code in (403, 404):
            refused_links.append(f"{url} -> {response.status_code} (linked from {came_from})")
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Page()
        parser.feed(response.content.decode())
        for match in JARGON.finditer(" ".join(parser.text)):
            jargon.add(f"{_shape(url)}: {match.group(0)!r}")
        for href in parser.links:
            target = _internal(href, url)
            if target and target not in seen and shapes[_shape(target)] < PER_SHAPE:
                seen.add(target)
                shapes[_shape(target)] += 1
                queue.append((target, url))
        for form in parser.forms:
            action = _internal(form["action"], url) if form["action"] else url
            if action is None or form["method"] != "post":
                continue
            key = (_shape(action), ",".join(sorted(form["fields"])))
            if key in tried_forms:
                continue
            tried_forms.add(key)
            with transaction.atomic():
                answer: Any = client.post(action, form["fields"])
                transaction.set_rollback(True)
            if answer.status_code == 403:
                refused_forms.append(f"POST {action} -> 403 (form on {url})")
    return refused_links, refused_forms, sorted(jargon), pages, len(tried_forms)


# A Wednesday evening while the demo's evening groups run: today's rosters, draft and signed
# notes, open safety tasks and this week's hours all exist, whatever day the suite runs on.
CRAWL_AT = datetime(2026, 11, 4, 19, 30, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(scope="module")
def demo_program(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with (
        time_machine.travel(CRAWL_AT, tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo.build_demo(seed=5, patients=40, today=CRAWL_AT.date())
        yield
        transaction.set_rollback(True)


ROLES = [r.value for r in Role if r != Role.ADMINISTRATOR] + ["administrator"]
# Patient and family portal accounts start at the portal's home page.
PORTAL_ROLES = (Role.PATIENT.value, Role.FAMILY.value)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_offers_what_the_policy_refuses(
    client: Client, demo_program: Any, role: str
) -> None:
    user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    if user is None:
        pytest.skip(f"the demo has no {role}")
    portal = role in PORTAL_ROLES
    with time_machine.travel(CRAWL_AT, tick=False):  # the same moment as the demo's
        login(client, user)
        start = "/portal/family/" if role == Role.FAMILY else "/portal/" if portal else "/"
        links, forms, jargon, pages, forms_tried = _crawl(client, start)
    # The crawl reached the program (or the portal), not just the home page.
    if role == Role.FAMILY:  # the family pages (home, education) have no forms
        assert pages >= 2
    else:
        assert (pages > 4 and forms_tried >= 1) if portal else (pages > 30 and forms_tried > 3)
    assert links + forms == [], "\n".join(links + forms)
    assert jargon == [], "\n".join(jargon)
