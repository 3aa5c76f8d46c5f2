"""Session, header, password and deployment security (OWASP ASVS 5.0.0, Level 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import get_hasher, make_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD, World, login


def test_security_headers_on_every_page(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.get(reverse("patients:list"))
    csp = response["Content-Security-Policy"]
    assert (
        "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    )
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_without_nonce(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    html = client.get(reverse("patients:chart", args=[world.patient_a1.pk])).content.decode()
    for chunk in html.split("<script")[1:]:
        assert "nonce=" in chunk.split(">")[0]
        assert "src=" in chunk.split(">")[0]


def test_hsts_is_sent_over_https(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    response = client.get(reverse("patients:list"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


def test_argon2id_is_the_hasher_with_asvs_parameters() -> None:
    from openiop.config import settings as prod

    assert prod.PASSWORD_HASHERS[0] == "openiop.accounts.hashers.OpenIOPArgon2PasswordHasher"
    hasher = get_hasher("argon2")
    encoded = make_password("a very long passphrase here", hasher="argon2")
    assert encoded.startswith("argon2$argon2id$")
    # ASVS 5.0 Appendix C: argon2id t=2 needs m >= 19 MiB, p=1.
    assert hasher.time_cost >= 2 and hasher.memory_cost >= 19 * 1024 and hasher.parallelism == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short-pw-1", False),
        ("password1234", False),  # common
        ("123456789012345", False),  # numeric
        ("x" * 300, False),  # absurdly long
        ("violet-kayak-orbit-9", True),
        ("a" * 3 + "-" + "long passphrase of sixty-four characters is allowed ok!!!"[:60], True),
    ],
)
def test_password_rules(password: str, ok: bool) -> None:
    if ok:
        password_validation.validate_password(password)
    else:
        with pytest.raises(ValidationError):
            password_validation.validate_password(password)


def test_idle_timeout_logs_out_after_15_minutes(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=14 + 16)):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get(reverse("patients:list")).status_code == 302  # session is gone


def test_absolute_timeout_after_12_hours_even_when_active(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    start = timezone.now()
    assert client.get(reverse("patients:list")).status_code == 200
    for minutes in range(10, 12 * 60, 10):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1)):
        assert client.get(reverse("patients:list")).status_code == 302


def test_logout_ends_the_session_server_side(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post(reverse("accounts:logout")).status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(reverse("patients:chart", args=[world.patient_a1.pk]))
    assert response.status_code == 302 and b"Quintero" not in response.content


def test_logout_needs_post(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_login_rotates_the_session_key(client: Client, world: World) -> None:
    client.get(reverse("accounts:login"))
    client.session["x"] = 1
    before = client.session.session_key
    client.post(
        reverse("accounts:login"),
        {"username": "counselor_a1", "password": PASSWORD},
        REMOTE_ADDR="10.1.1.1",
    )
    assert client.session.session_key != before


def _attempt(client: Client, username: str, password: str, ip: str) -> int:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    ).status_code


def test_brute_force_locks_the_username_ip_pair_not_the_user(world: World) -> None:
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(attacker, "counselor_a1", "wrong-password-123", "203.0.113.9")
    # Even the right password is refused from the attacker's address now.
    assert _attempt(attacker, "counselor_a1", PASSWORD, "203.0.113.9") == 429
    # The clinician at the clinic's address still logs in.
    clinic = Client()
    assert _attempt(clinic, "counselor_a1", PASSWORD, "198.51.100.7") == 302
    assert AuditEvent.objects.filter(action="login_failed").count() >= settings.AXES_FAILURE_LIMIT


def test_password_login_leads_to_the_totp_step(client: Client, world: World) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "counselor_a1", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:mfa")
    assert client.get(reverse("patients:list"))["Location"] == reverse("accounts:mfa")
    assert AuditEvent.objects.filter(action="login", username="counselor_a1").exists()


def test_wrong_login_gives_a_generic_message(client: Client, world: World) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 200 and b"correct username and password" in response.content


def test_healthz_is_public_and_tiny(client: Client, db: None) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_admin_is_for_verified_superusers_only(client: Client, world: World) -> None:
    login(client, world.admin_a)
    assert client.get("/admin/").status_code == 302  # not a superuser: sent to admin login


@override_settings(DEBUG=False)
def test_unknown_page_is_a_plain_404(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    assert client.get("/no/such/page/").status_code == 404


def test_check_deploy_is_clean_with_production_variables() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openiop.config.settings",
        "SECRET_KEY": "q8Vd2-LmZp9!rT4wXy7#Kb3nHs6@Jc1fGa5^Ue0oPi" * 2,
        "ALLOWED_HOSTS": "iop.example.org",
        "DEBUG": "0",
    }
    env.pop("OPENIOP_INSECURE_HTTP", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "openiop.config.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_malformed_boolean_setting_fails_loudly() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openiop.config.settings",
        "SECRET_KEY": "k" * 50,
        "DEBUG": "maybe",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and "DEBUG must be one of" in result.stderr
