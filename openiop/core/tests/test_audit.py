"""The audit trail is hash-chained and detects every kind of tampering."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from openiop.core import audit
from openiop.core.models import AuditEvent, AuditHead
from openiop.core.testdb import audit_triggers_lifted
from openiop.core.testing import PatientFactory

pytestmark = pytest.mark.django_db


@contextmanager
def tamper() -> Iterator[None]:
    """Act as an attacker with direct database access: lift the append-only triggers."""
    with audit_triggers_lifted(connection):
        yield


def _events(n: int = 6) -> list[AuditEvent]:
    patient = PatientFactory()
    return [
        audit.record(
            actor=None,
            action="view",
            patient=patient,
            obj=patient,
            fields=["demographics"],
            detail=f"event {i}",
        )
        for i in range(n)
    ]


def test_events_chain_and_verify() -> None:
    events = _events()
    assert [e.seq for e in events] == list(range(1, 7))
    assert events[1].prev_hash == events[0].hash
    assert AuditHead.objects.get().hash == events[-1].hash
    result = audit.verify()
    assert result.ok and result.checked == 6


def test_event_records_the_astm_fields() -> None:
    patient = PatientFactory()
    event = audit.record(
        actor=None, action="change", patient=patient, obj=patient, fields=["phone", "email"]
    )
    assert event.occurred_at.tzinfo is not None
    assert event.patient_id_value == patient.pk
    assert event.action == "change"
    assert event.object_type == "patients.patient" and event.object_id == str(patient.pk)
    assert event.fields == ["email", "phone"]
    assert event.part2 is True


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        audit.record(actor=None, action="peek")


def test_the_database_refuses_updates_to_audit_rows() -> None:
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(detail="rewritten")


def test_the_database_refuses_deletes_of_audit_rows() -> None:
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 2


@pytest.mark.postgres
def test_postgres_refuses_truncate_of_the_audit_table() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is the PostgreSQL path; SQLite has only DELETE")
    _events(2)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() == 2


def test_a_flush_through_the_stock_backend_is_refused() -> None:
    """`openiop flush` against a real database (stock backends) cannot empty the trail."""
    _events(2)
    # The backend's own flush: the first Django class in the test operations' lineage.
    stock = next(
        c for c in type(connection.ops).__mro__ if c.__module__.startswith("django.db.backends.")
    )
    statements = connection.ops.sql_flush(no_style(), ["core_auditevent"])
    with pytest.raises(DatabaseError):
        stock.execute_sql_flush(connection.ops, statements)
    assert AuditEvent.objects.count() == 2


def test_the_test_database_flush_lifts_the_triggers_and_restores_them() -> None:
    _events(3)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), ["core_auditevent"]))
    assert not AuditEvent.objects.exists()
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(detail="rewritten")
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_that_writes_audit_events_can_be_torn_down() -> None:
    """The runner empties the tables after this test (flush); it must not hit the triggers."""
    _events(2)
    assert AuditEvent.objects.count() == 2


def test_verify_detects_an_edited_row() -> None:
    _events()
    with tamper():
        AuditEvent.objects.filter(seq=3).update(detail="nothing to see")
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 3 and "edited" in result.problem


def test_verify_detects_a_deleted_row() -> None:
    _events()
    with tamper():
        AuditEvent.objects.filter(seq=4).delete()
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 5


def test_verify_detects_a_deleted_last_row() -> None:
    _events()
    with tamper():
        AuditEvent.objects.filter(seq=6).delete()
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 6


def test_verify_detects_an_inserted_row() -> None:
    events = _events()
    forged = AuditEvent(
        seq=4,
        occurred_at=events[2].occurred_at,
        action="view",
        detail="forged",
        prev_hash=events[2].hash,
        hash="f" * 64,
        fields=[],
    )
    with tamper():
        AuditEvent.objects.filter(seq__gte=4).update(seq=models_seq_shift())
        forged.save(force_insert=True)
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 4


def models_seq_shift():  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F("seq") + 1000


def test_verify_detects_a_reordered_pair() -> None:
    _events()
    with tamper():
        AuditEvent.objects.filter(seq=2).update(seq=-2)
        AuditEvent.objects.filter(seq=3).update(seq=2)
        AuditEvent.objects.filter(seq=-2).update(seq=3)
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 2


def test_random_tampering_is_always_detected() -> None:
    """500 random single edits over a 40-event chain: every one is caught where it happened."""
    _events(40)
    rng = random.Random(2026)
    for _ in range(500):
        seq = rng.randint(1, 40)
        field, value = rng.choice(
            [
                ("detail", "x"),
                ("username", "mallory"),
                ("action", "print"),
                ("client_ip", "6.6.6.6"),
                ("patient_id_value", 999999),
            ]
        )
        original = AuditEvent.objects.values(field).get(seq=seq)[field]
        if original == value:
            continue
        with tamper():
            AuditEvent.objects.filter(seq=seq).update(**{field: value})
        result = audit.verify()
        assert not result.ok and result.first_bad_seq == seq
        with tamper():
            AuditEvent.objects.filter(seq=seq).update(**{field: original})
    assert audit.verify().ok


def test_audit_verify_command_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    call_command("audit", "verify")
    assert "3 events verified" in capsys.readouterr().out
    with tamper():
        AuditEvent.objects.filter(seq=2).update(username="mallory")
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    assert "#2" in capsys.readouterr().err
