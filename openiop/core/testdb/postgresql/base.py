"""The stock PostgreSQL backend whose flush lifts the audit triggers (tests only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.backends.postgresql import base, operations

from openiop.core.testdb import audit_triggers_lifted


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list: Iterable[str]) -> None:
        with (
            transaction.atomic(using=self.connection.alias),
            audit_triggers_lifted(self.connection),
        ):
            super().execute_sql_flush(sql_list)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
