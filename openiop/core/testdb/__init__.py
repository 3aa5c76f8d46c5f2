"""Test-only database backends: the stock SQLite and PostgreSQL backends, except that
flushing the database lifts the audit table's append-only triggers for the duration.

Django's test runner empties every table after each transactional test (`flush`: TRUNCATE on
PostgreSQL, DELETE on SQLite), which those triggers refuse. Only `openiop.config.settings_test`
selects these backends; the application's settings use the stock ones, so a `flush` against a
real database is refused. Lifting needs what an attacker would need anyway: on PostgreSQL the
table owner (`ALTER TABLE ... DISABLE TRIGGER`), on SQLite write access to the database file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "core_auditevent"


@contextmanager
def audit_triggers_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Suspend the audit table's triggers (all of them), then restore them as they were."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", [AUDIT_TABLE])
            row = cur.fetchone()
            present = row is not None and row[0] is not None
            if present:
                cur.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            if present:
                with connection.cursor() as cur:
                    cur.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [AUDIT_TABLE],
            )
            triggers = list(cur.fetchall())
            for name, _sql in triggers:
                cur.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            with connection.cursor() as cur:
                for _name, sql in triggers:
                    cur.execute(sql)
    else:
        yield


class FlushLiftsAuditTriggers:
    """Mixin for a backend's `DatabaseOperations`: flush with the audit triggers lifted."""

    def execute_sql_flush(self, sql_list: Iterable[str]) -> None:
        from django.db import transaction

        connection: BaseDatabaseWrapper = cast(Any, self).connection
        with transaction.atomic(using=connection.alias), audit_triggers_lifted(connection):
            super().execute_sql_flush(sql_list)  # type: ignore[misc]
