"""The one service decorator: one transaction per write, refusals audited even on rollback.

Every write of every app goes through a `services.py` function wrapped in `@service`
(ARCHITECTURE.md: one write path per mutation). The function runs in one transaction; when it
raises a policy refusal (`policy.Refused`) or an audited invalid input (`AuditedInvalid`, e.g.
a wrong signing password), the transaction rolls back and the refusal's audit event is then
written outside it, so the attempt stays on the record (45 CFR 164.312(b), audit controls).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.core.policy import Refused

P = ParamSpec("P")
R = TypeVar("R")


class AuditedRefusal(Refused):
    """A refusal decided inside a service; its audit event is written once the service's
    transaction has rolled back."""

    def __init__(self, message: str, **event: Any) -> None:
        super().__init__(message, {"action": AuditAction.DENIED, **event}, None)


class AuditedInvalid(ValidationError):
    """Invalid input (e.g. a wrong signing password) that is audited as a denial."""

    def __init__(self, errors: dict[str, str], **event: Any) -> None:
        super().__init__(errors)
        self.event = event


def service(fn: Callable[P, R]) -> Callable[P, R]:
    """One transaction per service call; audited refusals survive its rollback."""
    atomic = transaction.atomic(fn)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return atomic(*args, **kwargs)
        except Refused as exc:
            exc.ensure_recorded()
            raise
        except AuditedInvalid as exc:
            audit.record(action=AuditAction.DENIED, **exc.event)
            raise

    return wrapper
