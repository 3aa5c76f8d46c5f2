"""Fixes for security review findings: open redirects after log-in, ids too large for the
database, repetitive passwords, client addresses behind a proxy, and demo credentials."""

from __future__ import annotations

import dataclasses
import io
import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.throttling import AnonRateThrottle

from openiop.accounts.models import User
from openiop.core import clientip, demo
from openiop.core.converters import IdConverter
from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD, World, login
from openiop.patients.models import Patient

# -- Open redirect after the second factor --------------------------------------------------


def _code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _password_login(client: Client, username: str, query: str = "") -> str:
    response = client.post(
        reverse("accounts:login") + query,
        {"username": username, "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 302
    return str(response["Location"])


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/patients/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "\\/evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        " https://evil.example/",
        "http://testserver.evil.example/",
    ],
)
def test_second_factor_never_redirects_to_another_site(world: World, target: str) -> None:
    client = Client()
    _password_login(client, "counselor_a1")
    response = client.post(
        reverse("accounts:mfa") + "?" + urlencode({"next": target}),
        {"token": _code(TOTPDevice.objects.get(user=world.counselor_a1))},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert AuditEvent.objects.filter(action="login", username="counselor_a1").exists()


def test_second_factor_follows_a_relative_next_on_this_site(world: World) -> None:
    client = Client()
    _password_login(client, "counselor_a1")
    target = reverse("patients:list") + "?page=2"
    response = client.post(
        reverse("accounts:mfa") + "?" + urlencode({"next": target}),
        {"token": _code(TOTPDevice.objects.get(user=world.counselor_a1))},
    )
    assert response.status_code == 302 and response["Location"] == target


def test_https_request_refuses_a_plain_http_next_on_the_same_host(world: World) -> None:
    client = Client()
    _password_login(client, "counselor_a1")
    response = client.post(
        reverse("accounts:mfa") + "?" + urlencode({"next": "http://testserver/patients/"}),
        {"token": _code(TOTPDevice.objects.get(user=world.counselor_a1))},
        secure=True,
    )
    assert response["Location"] == reverse("core:home")


def test_password_step_ignores_next_and_always_asks_for_the_second_factor(world: World) -> None:
    client = Client()
    location = _password_login(
        client, "counselor_a1", "?" + urlencode({"next": "https://evil.example/"})
    )
    assert location == reverse("accounts:mfa")


# -- Ids too large for a 64-bit primary key ------------------------------------------------


def _id_routes() -> list[str]:
    """Every route of the site that takes a database id, as a template with `{id}`."""
    routes: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, has_id: bool) -> None:
        for entry in patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue  # regex routes (the admin's) take no id converter
            route = prefix + str(entry.pattern)
            takes_id = has_id or any(
                isinstance(c, IdConverter | IntConverter) for c in entry.pattern.converters.values()
            )
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route, takes_id)
            elif takes_id:
                routes.append(route)

    walk(get_resolver().url_patterns, "/", False)
    return routes


ID_ROUTES = _id_routes()


def test_every_id_in_our_routes_uses_the_bounded_converter() -> None:
    """Only third-party admin routes (superusers only) may still use Django's `int`."""
    assert len(ID_ROUTES) > 50
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "<int:" in path.read_text() and path != Path(__file__).resolve()
    ]
    assert offenders == []


def _fill(route: str, value: str) -> str:
    url = re.sub(r"<(id|int):\w+>", value, route)
    return re.sub(r"<slug:\w+>", "phq9", url)


@pytest.mark.parametrize("route", ID_ROUTES)
def test_huge_ids_never_cause_a_server_error(world: World, route: str) -> None:
    client = login(Client(raise_request_exception=False), world.counselor_a1)
    for value in ("9223372036854775808", "99999999999999999999", "99999999999999999999999", "0"):
        url = _fill(route, value)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in {302, 400, 403, 404, 405, 415}, (
                method,
                url,
                response.status_code,
            )


def test_huge_patient_id_is_refused_with_an_audited_denial(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    before = AuditEvent.objects.filter(action="denied").count()
    response = client.get(f"/patients/{2**63}/")
    assert response.status_code == 404
    assert b"Quintero" not in response.content
    denied = AuditEvent.objects.filter(action="denied").order_by("seq")
    assert denied.count() == before + 1
    last = denied.last()
    assert last is not None and last.username == "counselor_a1"
    assert last.object_type == "patients.patient"


def test_id_converter_keeps_every_real_id_and_maps_the_rest_to_zero() -> None:
    converter = IdConverter()
    assert converter.to_python("1") == 1
    assert converter.to_python(str(2**63 - 1)) == 2**63 - 1
    assert converter.to_python(str(2**63)) == 0
    assert converter.to_python("0") == 0
    assert converter.to_python("00000000000000000007") == 7
    assert converter.to_url(42) == "42"
    assert reverse("patients:chart", args=[2**63 - 1]) == f"/patients/{2**63 - 1}/"


# -- Repetitive passwords ----------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "121212121212",
        "AbcABCabcaBC",  # case does not hide the repetition
        "abcdabcdabcdab",  # a last partial copy
        "passwordpassword",
        "!!!!!!!!!!!!!!!!!!!!",
        "xy" * 40,
    ],
)
def test_repetitive_password_is_refused_with_a_clear_message(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password)
    assert "password_repetitive" in [e.code for e in refused.value.error_list]
    assert any("repeats the same few characters" in m for m in refused.value.messages)


@pytest.mark.parametrize(
    "password",
    [
        "violet-kayak-orbit-9",
        "aaaa-kayak-orbit-19",  # a run inside is fine; only a whole repetition is refused
        "lantern-meadow-44" * 2,  # a long piece may repeat
    ],
)
def test_varied_password_is_accepted(password: str) -> None:
    password_validation.validate_password(password)


def test_password_help_names_the_repetition_rule() -> None:
    assert any("repeated" in text for text in password_validation.password_validators_help_texts())


# -- Client address behind the TLS proxy --------------------------------------------------

PROXY = "10.0.0.1"  # the proxy's own address: REMOTE_ADDR of every request behind it


def _behind_proxy(hops: int = 1) -> override_settings:
    return override_settings(BEHIND_TLS_PROXY=True, TRUSTED_PROXY_HOPS=hops)


def _via(forwarded: str | None) -> dict[str, str]:
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


@pytest.mark.parametrize(
    ("behind", "hops", "forwarded", "expected"),
    [
        (False, 1, "203.0.113.5", PROXY),  # no proxy configured: the header is anyone's
        (True, 1, "203.0.113.5", "203.0.113.5"),
        (True, 1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the left part is the client's
        (True, 2, "6.6.6.6, 203.0.113.5, 198.51.100.1", "203.0.113.5"),
        (True, 2, "203.0.113.5", PROXY),  # fewer entries than proxies
        (True, 1, None, PROXY),
        (True, 1, "", PROXY),
        (True, 1, "not-an-address", PROXY),
        (True, 1, "203.0.113.5, ", PROXY),
        (True, 1, "203.0.113.5:4711", PROXY),
        (True, 1, " 2001:DB8::1 ", "2001:db8::1"),
    ],
)
def test_client_address_comes_from_the_trusted_proxy_hop_only(
    behind: bool, hops: int, forwarded: str | None, expected: str
) -> None:
    request = RequestFactory().get("/", **_via(forwarded))
    with override_settings(BEHIND_TLS_PROXY=behind, TRUSTED_PROXY_HOPS=hops):
        assert clientip.client_ip(request) == expected


def _login_attempt(client: Client, password: str, forwarded: str) -> int:
    return client.post(
        reverse("accounts:login"),
        {"username": "counselor_a1", "password": password},
        **_via(forwarded),
    ).status_code


def _lock_out_from(forwarded: str) -> None:
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login_attempt(attacker, "wrong-password-123", forwarded)
    assert _login_attempt(attacker, PASSWORD, forwarded) == 429


def test_login_lockout_behind_the_proxy_counts_each_client_apart(world: World) -> None:
    with _behind_proxy():
        _lock_out_from("203.0.113.9")
        # Another client behind the same proxy still logs in.
        assert _login_attempt(Client(), PASSWORD, "198.51.100.7") == 302
    failed = AuditEvent.objects.filter(action="login_failed")
    assert set(failed.values_list("client_ip", flat=True)) == {"203.0.113.9"}


def test_login_lockout_without_the_proxy_ignores_a_forged_forwarded_for(world: World) -> None:
    _lock_out_from("203.0.113.9")
    # Changing the header does not give the attacker a fresh count...
    assert _login_attempt(Client(), PASSWORD, "198.51.100.7") == 429
    # ...and the audit trail records the connection's address, not the forged one.
    failed = AuditEvent.objects.filter(action="login_failed")
    assert set(failed.values_list("client_ip", flat=True)) == {PROXY}


@pytest.fixture
def checkin_limit_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    from openiop.delivery import services as delivery_services

    monkeypatch.setattr(
        delivery_services,
        "SETTINGS",
        dataclasses.replace(delivery_services.SETTINGS, checkin_rate_limit=2),
    )


def _check_in(client: Client, forwarded: str) -> int:
    wrong = {"code": "ZZZZZZ", "mrn": "0000001", "date_of_birth": "1990-05-17", "leaving": "0"}
    return client.post("/public/check-in/", wrong, **_via(forwarded)).status_code


@pytest.mark.usefixtures("checkin_limit_of_two")
def test_phone_check_in_limit_behind_the_proxy_counts_each_phone_apart(world: World) -> None:
    with _behind_proxy():
        assert [_check_in(Client(), "203.0.113.9") for _ in range(3)] == [422, 422, 429]
        assert _check_in(Client(), "198.51.100.7") == 422


@pytest.mark.usefixtures("checkin_limit_of_two")
def test_phone_check_in_limit_without_the_proxy_ignores_a_forged_forwarded_for(
    world: World,
) -> None:
    assert [_check_in(Client(), "203.0.113.9") for _ in range(3)] == [422, 422, 429]
    assert _check_in(Client(), "198.51.100.7") == 429


def _search(client: Client, forwarded: str) -> int:
    return client.get("/public/locator/", {"zip": "01608"}, **_via(forwarded)).status_code


@override_settings(LOCATOR_SEARCH_LIMIT_PER_MINUTE=2)
def test_public_search_page_is_limited_per_minute_with_a_friendly_page(db: None) -> None:
    client = Client()
    assert [_search(client, "203.0.113.9") for _ in range(2)] == [200, 200]
    refused = client.get("/public/locator/", {"zip": "01608"}, REMOTE_ADDR=PROXY)
    assert refused.status_code == 429
    assert b"Too many searches" in refused.content and b"wait a minute" in refused.content
    # the page itself (no search yet) is not counted, and the count ends after a minute
    assert client.get("/public/locator/", REMOTE_ADDR=PROXY).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert _search(client, "203.0.113.9") == 200
    # referral requests from the same address have their own count: no RateLimited here
    from openiop.locator import services as locator_services

    with override_settings(LOCATOR_REFERRAL_LIMIT_PER_HOUR=2):
        locator_services.referral_request_reject(client_ip=PROXY, reason="honeypot")


@override_settings(LOCATOR_SEARCH_LIMIT_PER_MINUTE=2)
def test_search_limit_behind_the_proxy_counts_each_client_apart(db: None) -> None:
    with _behind_proxy():
        assert [_search(Client(), "203.0.113.9") for _ in range(3)] == [200, 200, 429]
        assert _search(Client(), "198.51.100.7") == 200


@override_settings(LOCATOR_SEARCH_LIMIT_PER_MINUTE=2)
def test_search_limit_without_the_proxy_ignores_a_forged_forwarded_for(db: None) -> None:
    assert [_search(Client(), "203.0.113.9") for _ in range(3)] == [200, 200, 429]
    assert _search(Client(), "198.51.100.7") == 429


def _referral_bot(client: Client, forwarded: str) -> int:
    # A filled honeypot: answered as a success, but counted against the address.
    return client.post(
        "/public/referral/", {"website": "spam", "form_token": "x"}, **_via(forwarded)
    ).status_code


@override_settings(LOCATOR_REFERRAL_LIMIT_PER_HOUR=1)
def test_referral_limit_behind_the_proxy_counts_each_client_apart(db: None) -> None:
    with _behind_proxy():
        assert [_referral_bot(Client(), "203.0.113.9") for _ in range(2)] == [302, 429]
        assert _referral_bot(Client(), "198.51.100.7") == 302


@override_settings(LOCATOR_REFERRAL_LIMIT_PER_HOUR=1)
def test_referral_limit_without_the_proxy_ignores_a_forged_forwarded_for(db: None) -> None:
    assert [_referral_bot(Client(), "203.0.113.9") for _ in range(2)] == [302, 429]
    assert _referral_bot(Client(), "198.51.100.7") == 429


@pytest.fixture
def api_rate_of_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    cache.clear()
    yield
    cache.clear()


def _api_search(forwarded: str) -> int:
    return Client().get("/api/v1/locator/search", {"zip": "01608"}, **_via(forwarded)).status_code


@pytest.mark.usefixtures("api_rate_of_two")
def test_api_throttle_behind_the_proxy_counts_each_client_apart(db: None) -> None:
    with _behind_proxy():
        assert [_api_search("203.0.113.9") for _ in range(3)] == [200, 200, 429]
        assert _api_search("198.51.100.7") == 200


@pytest.mark.usefixtures("api_rate_of_two")
def test_api_throttle_without_the_proxy_ignores_a_forged_forwarded_for(db: None) -> None:
    assert [_api_search("203.0.113.9") for _ in range(3)] == [200, 200, 429]
    assert _api_search("198.51.100.7") == 429


# -- Demo credentials ------------------------------------------------------------------------


def test_demo_data_refuses_without_demo_mode(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENIOP_DEMO", raising=False)
    with pytest.raises(CommandError, match="OPENIOP_DEMO=1"):
        call_command("demo-data", "--patients", "10", stdout=io.StringIO())
    monkeypatch.setenv("OPENIOP_DEMO", "0")
    with pytest.raises(CommandError, match="OPENIOP_DEMO=1"):
        call_command("demo-data", "--patients", "10", "--if-empty", stdout=io.StringIO())
    assert not User.objects.exists() and not Patient.objects.exists()


class _Rollback(Exception):
    pass


def _demo_build(seed: int) -> tuple[list[tuple[str, str, str]], dict[str, tuple[str, str]]]:
    """Build the demo, check its returned logins against the database, roll it back."""
    try:
        with transaction.atomic():
            result = demo.build_demo(seed=seed, patients=30, today=date(2026, 11, 26))
            patients = list(
                Patient.objects.order_by("mrn").values_list("mrn", "last_name", "first_name")
            )
            logins = {x.username: (x.password, x.totp_key_hex) for x in result.logins}
            for username, (password, key) in logins.items():
                user = User.objects.get(username=username)
                assert user.check_password(password)
                assert TOTPDevice.objects.get(user=user).key == key
            raise _Rollback
    except _Rollback:
        pass
    return patients, logins


def test_same_seed_gives_the_same_patients_but_new_credentials(db: None) -> None:
    first_patients, first_logins = _demo_build(7)
    second_patients, second_logins = _demo_build(7)
    current = [p for p in first_patients if p[0] <= f"{30:07d}"]  # then the past patients
    assert len(current) == 30 and first_patients == second_patients
    assert first_logins.keys() == second_logins.keys() and len(first_logins) >= 8
    for username in first_logins:
        (password_1, key_1), (password_2, key_2) = first_logins[username], second_logins[username]
        assert password_1 != password_2 and key_1 != key_2
        assert len(bytes.fromhex(key_1)) == 20
    # within one build every user has their own password and key
    assert len({p for p, _ in first_logins.values()}) == len(first_logins)
    assert len({k for _, k in first_logins.values()}) == len(first_logins)


def test_demo_credentials_come_from_the_system_random_source(db: None) -> None:
    """Reseeding Python's `random` (as the seed does) cannot reproduce them."""
    random.seed(7)
    _, first = _demo_build(7)
    random.seed(7)
    _, second = _demo_build(7)
    assert all(first[u] != second[u] for u in first)
