"""Which status changes a claim may make, and who or what makes them."""

from __future__ import annotations

import pytest

from openiop.domain.claims.lifecycle import ALLOWED, Source, Status, refusal

S = Status


@pytest.mark.parametrize(
    ("current", "target", "source"),
    [
        (S.READY, S.SUBMITTED, Source.STAFF),
        (S.SUBMITTED, S.REJECTED, Source.ACK_999),
        (S.SUBMITTED, S.ACCEPTED, Source.ACK_277CA),
        (S.ACCEPTED, S.REJECTED, Source.ACK_277CA),
        (S.ACCEPTED, S.PAID, Source.REMITTANCE),
        (S.DENIED, S.APPEALED, Source.STAFF),
        (S.APPEALED, S.PAID, Source.REMITTANCE),
        (S.REJECTED, S.VOID, Source.STAFF),
        (S.CHECKING, S.READY, Source.BUILD),
    ],
)
def test_the_usual_path_is_allowed(current: Status, target: Status, source: Source) -> None:
    assert refusal(current, target, source) is None


@pytest.mark.parametrize(
    ("current", "target", "source", "words"),
    [
        (S.DRAFT, S.SUBMITTED, Source.STAFF, "problems to fix"),
        (S.PAID, S.VOID, Source.STAFF, "has been paid"),
        (S.SUBMITTED, S.VOID, Source.STAFF, "no answer has come yet"),
        (S.REJECTED, S.APPEALED, Source.STAFF, "withdraw it and build it again"),
        (S.VOID, S.PAID, Source.REMITTANCE, "withdrawn"),
        (S.SUBMITTED, S.PAID, Source.STAFF, "no answer"),  # only a remittance pays
        (S.READY, S.ACCEPTED, Source.ACK_277CA, "not been sent"),
    ],
)
def test_other_changes_are_refused_in_words(
    current: Status, target: Status, source: Source, words: str
) -> None:
    reason = refusal(current, target, source)
    assert reason is not None and words in reason


def test_no_change_leaves_a_withdrawn_claim() -> None:
    assert not [pair for pair in ALLOWED if pair[0] == S.VOID]


def test_every_pair_is_answered_without_error() -> None:
    for current in Status:
        for target in Status:
            for source in Source:
                allowed = source in ALLOWED.get((current, target), frozenset())
                reason = refusal(current, target, source)
                assert (reason is None) == allowed
                assert reason is None or reason.startswith("The claim cannot be ")
