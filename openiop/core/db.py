"""Small database seams: planner statistics after bulk loads, and the statement time limit.

`analyze()` runs ANALYZE after a bulk load (the demo data, a facility import). PostgreSQL
plans every query from its statistics; a table filled in one go and queried before autovacuum
has analyzed it is planned from guesses, which can turn a join of a few thousand rows into
a nested loop of millions (PostgreSQL documentation, "14.2. Statistics Used by the Planner"
and "ANALYZE": <https://www.postgresql.org/docs/current/planner-stats.html>). On SQLite,
ANALYZE fills `sqlite_stat1`, which its planner uses the same way; harmless either way.

`is_statement_timeout()` recognises a statement that PostgreSQL cancelled because it ran
longer than `statement_timeout` (SQLSTATE 57014, query_canceled, Appendix A of the
PostgreSQL documentation), so that the request answers a clear 503 instead of a 500.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

QUERY_CANCELED = "57014"


def analyze(*models: type[Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the planner statistics of `models`' tables (with their many-to-many tables),
    or of the whole database when no model is given."""
    connection = connections[using]
    tables: list[str] = []
    for model in models:
        tables.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through is not None and through._meta.auto_created:
                tables.append(through._meta.db_table)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not tables:
            cursor.execute("ANALYZE")
        for table in dict.fromkeys(tables):
            cursor.execute(f"ANALYZE {quote(table)}")


def is_statement_timeout(exc: BaseException) -> bool:
    """Whether `exc` (a Django database error) is PostgreSQL cancelling a statement."""
    for error in (exc, exc.__cause__):
        if error is None:
            continue
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if code == QUERY_CANCELED:
            return True
    return False
