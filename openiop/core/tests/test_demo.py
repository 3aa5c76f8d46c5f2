"""The seeded demo generator."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.core import audit, demo
from openiop.organization.models import Room, Site, StaffAvailability, Track
from openiop.patients.models import Enrollment, Patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """`demo-data` runs only with OPENIOP_DEMO=1, as `make demo` sets it."""
    monkeypatch.setenv("OPENIOP_DEMO", "1")


def _signature() -> list[tuple[str, str, str]]:
    return list(Patient.objects.order_by("mrn").values_list("mrn", "last_name", "date_of_birth"))  # type: ignore[arg-type]


def test_demo_is_realistic() -> None:
    today = timezone.localdate()
    demo.build_demo(seed=3, patients=300, today=today)
    assert Site.objects.count() == 3 and len({s.timezone for s in Site.objects.all()}) == 2
    assert Room.objects.filter(virtual=True).exists()
    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}
    assert StaffAvailability.objects.exists()
    assert Track.objects.filter(kind="adolescents", min_weekly_hours=6).exists()
    # The 300 current patients (record numbers 1-300); the outcomes demo's past patients follow.
    current = Patient.objects.filter(mrn__lte=f"{300:07d}")
    assert current.count() == 300 and Patient.objects.count() > 300
    ages = [p.age_on(p.created_at.date()) for p in current]
    assert min(ages) >= 13 and 20 < sum(a < 18 for a in ages) < 70  # about 12% adolescents
    co_occurring = Patient.objects.filter(enrollments__track__kind="mental_health").filter(
        enrollments__track__kind__in=["substance_use", "alcohol"]
    )
    assert co_occurring.count() > 10
    # Ages are taken on the demo's own "today" (the clock the generator used), never a fixed date.
    minors = [p for p in current if p.age_on(today) < 18]
    assert minors
    for p in minors[:20]:
        assert Enrollment.objects.get(patient=p).track.kind == "adolescents"
    assert audit.verify().ok


class _Rollback(Exception):
    pass


def _build_and_rollback(seed: int) -> list[tuple[str, str, str]]:
    try:
        with transaction.atomic():
            demo.build_demo(seed=seed, patients=40, today=date(2026, 11, 26))
            signature = _signature()
            raise _Rollback
    except _Rollback:
        pass
    assert not Patient.objects.exists()
    return signature


def test_same_seed_same_data_other_seed_other_data() -> None:
    first, second, other = _build_and_rollback(11), _build_and_rollback(11), _build_and_rollback(12)
    assert sum(mrn <= f"{40:07d}" for mrn, _, _ in first) == 40 < len(first)
    assert first == second
    assert first != other


def test_command_prints_logins_with_totp_and_refuses_twice() -> None:
    out = io.StringIO()
    call_command("demo-data", "--patients", "20", "--seed", "5", stdout=out)
    text = out.getvalue()
    assert "Loaded 20 synthetic patients" in text
    rows = re.findall(r"^  (\S+)\s+(\S+)\s+(\S+)\s+TOTP key ([A-Z2-7]+)", text, re.M)
    assert {r[0] for r in rows} >= {"admin", "director", "counselor.main", "counselor.harbor"}
    user = User.objects.get(username="counselor.main")
    assert user.check_password(next(r[1] for r in rows if r[0] == "counselor.main"))
    with pytest.raises(CommandError):
        call_command("demo-data", "--patients", "20", stdout=io.StringIO())
    again = io.StringIO()
    call_command("demo-data", "--if-empty", stdout=again)
    assert "already loaded" in again.getvalue()


def test_patient_count_is_checked() -> None:
    with pytest.raises(CommandError):
        call_command("demo-data", "--patients", "0", stdout=io.StringIO())


def test_demo_totp_needs_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("demo-data", "--patients", "10", stdout=io.StringIO())
    monkeypatch.delenv("OPENIOP_DEMO", raising=False)
    with pytest.raises(CommandError):
        call_command("demo-totp", "admin", stdout=io.StringIO())
    monkeypatch.setenv("OPENIOP_DEMO", "1")
    out = io.StringIO()
    call_command("demo-totp", "admin", stdout=out)
    assert re.fullmatch(r"\d{6}\n", out.getvalue())
