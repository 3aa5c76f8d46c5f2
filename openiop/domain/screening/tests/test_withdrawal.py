"""CIWA-Ar (ASAM 2020 bands, configurable withdrawal flag) and COWS (uneven item steps, bands)."""

from __future__ import annotations

import pytest

from openiop.domain.screening import INSTRUMENTS, InvalidAnswers, score
from openiop.domain.screening.tests.support import answers_for_total

CIWA_ZERO = {str(n): 0 for n in range(1, 11)}


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "mild"), (9, "mild"), (10, "moderate"), (18, "moderate"), (19, "severe"), (67, "severe")],
)
def test_ciwa_ar_asam_2020_bands(total: int, band: str) -> None:
    result = score("ciwa-ar", answers_for_total("ciwa-ar", total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "flagged"), [(18, False), (19, True), (67, True)])
def test_ciwa_ar_withdrawal_flag_defaults_to_19(total: int, flagged: bool) -> None:
    result = score("ciwa-ar", answers_for_total("ciwa-ar", total))
    assert ("alcohol_withdrawal_risk" in result.flags) is flagged


@pytest.mark.parametrize("total", [16, 17, 18])
def test_ciwa_ar_16_to_18_is_moderate_without_the_flag_and_the_flag_is_not_configurable(
    total: int,
) -> None:
    """One threshold set (ASAM 2020 Table 1), shared with placement: no program may move it."""
    result = score("ciwa-ar", answers_for_total("ciwa-ar", total))
    assert (result.band, result.flags) == ("moderate", ())
    with pytest.raises(ValueError, match="unknown setting"):
        score("ciwa-ar", answers_for_total("ciwa-ar", total), settings={"withdrawal_flag_at": 16})


def test_ciwa_ar_and_cows_bands_are_the_published_constants() -> None:
    from openiop.domain.screening.withdrawal import CIWA_AR_BANDS, COWS_BANDS

    assert [(b[0], b[2], b[3]) for b in CIWA_AR_BANDS] == [
        ("mild", 0, 9),
        ("moderate", 10, 18),
        ("severe", 19, 67),
    ]
    assert [b.code for b in INSTRUMENTS["ciwa-ar"].bands] == [b[0] for b in CIWA_AR_BANDS]
    assert [(b[2], b[3]) for b in COWS_BANDS] == [(0, 4), (5, 12), (13, 24), (25, 36), (37, 48)]
    assert [b.code for b in INSTRUMENTS["cows"].bands] == [b[0] for b in COWS_BANDS]


@pytest.mark.parametrize("item", [str(n) for n in range(1, 10)])
@pytest.mark.parametrize(("value", "ok"), [(7, True), (8, False), (-1, False)])
def test_ciwa_ar_items_1_to_9_are_rated_0_to_7(item: str, value: int, ok: bool) -> None:
    if ok:
        assert score("ciwa-ar", CIWA_ZERO | {item: value}).total == value
    else:
        with pytest.raises(InvalidAnswers, match=f"item {item}: "):
            score("ciwa-ar", CIWA_ZERO | {item: value})


@pytest.mark.parametrize(("value", "ok"), [(4, True), (5, False), (7, False)])
def test_ciwa_ar_item_10_orientation_is_rated_0_to_4(value: int, ok: bool) -> None:
    if ok:
        assert score("ciwa-ar", CIWA_ZERO | {"10": value}).total == value
    else:
        with pytest.raises(InvalidAnswers, match="item 10: "):
            score("ciwa-ar", CIWA_ZERO | {"10": value})


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "below_threshold"),
        (4, "below_threshold"),
        (5, "mild"),
        (12, "mild"),
        (13, "moderate"),
        (24, "moderate"),
        (25, "moderately_severe"),
        (36, "moderately_severe"),
        (37, "severe"),
        (48, "severe"),
    ],
)
def test_cows_bands(total: int, band: str) -> None:
    result = score("cows", answers_for_total("cows", total))
    assert (result.total, result.band, result.flags) == (total, band, ())


COWS_STEPS = {
    "1": (0, 1, 2, 4),
    "2": (0, 1, 2, 3, 4),
    "3": (0, 1, 3, 5),
    "4": (0, 1, 2, 5),
    "5": (0, 1, 2, 4),
    "6": (0, 1, 2, 4),
    "7": (0, 1, 2, 3, 5),
    "8": (0, 1, 2, 4),
    "9": (0, 1, 2, 4),
    "10": (0, 1, 2, 4),
    "11": (0, 3, 5),
}
COWS_ZERO = {key: 0 for key in COWS_STEPS}


def test_cows_definition_matches_the_published_steps() -> None:
    cows = INSTRUMENTS["cows"]
    assert {i.key: tuple(o.points for o in i.options) for i in cows.items} == COWS_STEPS


@pytest.mark.parametrize(
    ("item", "value"),
    [
        (key, value)
        for key, steps in COWS_STEPS.items()
        for value in range(-1, 7)
        if value not in steps
    ],
)
def test_cows_refuses_values_not_on_the_form(item: str, value: int) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("cows", COWS_ZERO | {item: value})
    assert caught.value.items == (item,)
    assert caught.value.errors[0].code == "out_of_range"
