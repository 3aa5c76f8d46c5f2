"""Billing's tasks on the one task queue (openiop.core.tasks): the check of a claim file.

``check_claim_file`` is enqueued by ``services.build_claims`` (from the claims page) for each
file it built, after the build commits. It runs ``services.claim_file_check``: the file's 837
text is checked against the implementation guide (pyx12, some 0.2 ms a segment: seconds for a
file of a thousand claims, which is why nobody waits for it on the page), then the file and its
claims become ready, or drafts with their problems. One task per file, so that several workers
share the files of a large build.

It is idempotent: a file that is no longer being checked (checked already by an earlier
attempt, or by the command line) is left as it is. An exception (the database went away) is
retried with back-off; after the last attempt the file and its claims become drafts with a
problem saying that the check could not run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openiop.billing import services
from openiop.core.tasks import retrying_task

CHECK_ATTEMPTS = 3
CHECK_BACKOFF = timedelta(seconds=30)


def _giving_up(kwargs: dict[str, Any], *, error: BaseException, attempt: int) -> None:
    services.claim_file_check_give_up(claim_file_id=int(kwargs["claim_file_id"]))


@retrying_task(max_attempts=CHECK_ATTEMPTS, backoff=CHECK_BACKOFF, on_give_up=_giving_up)
def check_claim_file(*, claim_file_id: int, attempt: int = 1) -> str:
    """Check one claim file; returns what happened (stored as the task's result: ids and
    counts only)."""
    checked = services.claim_file_check(claim_file_id=claim_file_id)
    if checked is None:
        return f"file {claim_file_id}: skipped, not being checked"
    return f"file {claim_file_id}: {checked.status}, {len(checked.problems)} problems"
