"""The stock PostgreSQL backend whose flush lifts the audit triggers (tests only)."""

from __future__ import annotations

from django.db.backends.postgresql import base, operations

from openiop.core.testdb import FlushLiftsAuditTriggers


class DatabaseOperations(FlushLiftsAuditTriggers, operations.DatabaseOperations):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
