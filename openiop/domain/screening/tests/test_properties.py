"""Properties over generated answer sets (hypothesis): the total is the sum of the points of the
answers given, any dropped answer is refused by name, and the contract keeps its six keys."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.domain.screening import INSTRUMENTS, Instrument, InvalidAnswers, ItemKind, score
from openiop.domain.screening.rules import AnswerValue, Facts

CONTRACT_KEYS = {"instrument", "total", "band", "subscores", "flags", "complete"}


@st.composite
def valid_answers(draw: st.DrawFn, instrument: Instrument) -> dict[str, AnswerValue]:
    """Answers drawn from each item's options, following the skip logic as a respondent would."""
    answers: dict[str, AnswerValue] = {}
    skipped: set[str] = set()
    for item in instrument.items:
        if item.enable_when is not None and not item.enable_when.evaluate(
            Facts(answers, frozenset(skipped))
        ):
            skipped.add(item.key)
            continue
        if item.kind is ItemKind.COUNT:
            top = item.maximum
            if item.not_above is not None:
                limit = answers[item.not_above]
                assert not isinstance(limit, bool)
                top = min(top, limit)
            answers[item.key] = draw(st.integers(item.minimum, top))
        else:
            answers[item.key] = draw(st.sampled_from([o.value for o in item.options]))
    return answers


def expected_total(instrument: Instrument, answers: dict[str, AnswerValue]) -> int:
    """Sum of the option points of the given answers to total items (skipped items add 0)."""
    total = 0
    for key in instrument.total_items or ():
        if key in answers:
            given = answers[key]
            options = instrument.item(key).options
            total += next(
                o.points for o in options if type(o.value) is type(given) and o.value == given
            )
    return total


INSTRUMENT_IDS = list(INSTRUMENTS)


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
@settings(database=None)  # write no .hypothesis/ example database into the repo
@given(data=st.data())
def test_total_is_the_sum_of_the_points_of_the_answers(
    instrument_id: str, data: st.DataObject
) -> None:
    instrument = INSTRUMENTS[instrument_id]
    answers = data.draw(valid_answers(instrument))
    result = score(instrument_id, answers)
    assert result.complete
    if instrument.total_items is None:
        assert result.total is None
    else:
        assert result.total == expected_total(instrument, answers)
        assert result.band is not None
    if instrument.bands:
        assert result.band in {b.code for b in instrument.bands}
    as_json = json.loads(json.dumps(result.to_dict()))
    assert set(as_json) == CONTRACT_KEYS


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
@settings(database=None)  # write no .hypothesis/ example database into the repo
@given(data=st.data())
def test_any_dropped_answer_is_refused_by_name(instrument_id: str, data: st.DataObject) -> None:
    answers = data.draw(valid_answers(INSTRUMENTS[instrument_id]))
    dropped = data.draw(st.sampled_from(sorted(answers)))
    del answers[dropped]
    with pytest.raises(InvalidAnswers) as caught:
        score(instrument_id, answers)
    assert dropped in caught.value.items
    assert f"item {dropped}:" in str(caught.value)


ASCENDING_BANDS = [
    "phq9",
    "gad7",
    "audit",
    "audit-c",
    "dast10",
    "crafft",
    "scoff",
    "ciwa-ar",
    "cows",
]


@pytest.mark.parametrize("instrument_id", ASCENDING_BANDS)
@settings(database=None)  # write no .hypothesis/ example database into the repo
@given(data=st.data())
def test_a_worse_answer_never_lowers_the_total_or_the_band(
    instrument_id: str, data: st.DataObject
) -> None:
    instrument = INSTRUMENTS[instrument_id]
    answers = data.draw(valid_answers(instrument))
    key = data.draw(st.sampled_from(sorted(set(answers) & set(instrument.total_items or ()))))
    item = instrument.item(key)
    current = next(
        o.points
        for o in item.options
        if type(o.value) is type(answers[key]) and o.value == answers[key]
    )
    worse = [o.value for o in item.options if o.points > current]
    if not worse:
        return
    before = score(instrument_id, answers)
    after = score(instrument_id, answers | {key: data.draw(st.sampled_from(worse))})
    assert before.total is not None and after.total is not None
    assert after.total > before.total
    codes = [band.code for band in instrument.bands]
    assert codes.index(after.band or "") >= codes.index(before.band or "")
