"""How a dashboard figure reads: its value in words ("64%", "12.5 days", "no data") and
the geometry of its bar chart, drawn as inline SVG by a template (no third-party script;
charts render offline and under a strict content security policy), as the measure
trajectories are (``openiop.domain.measures.trajectory``).

Two shapes: a series of months ("2026-11") is drawn as columns, time running left to
right; any other series (discharge types, days after discharge...) as horizontal bars,
each with its label above it, so long labels stay readable on a phone. A point without a
value (nothing qualified) has no bar and says "no data"; it is never drawn as zero.
Every chart also has a summary sentence and a table built from the same bars, as its
text alternative.

Pure Python, no Django.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from openiop.domain.outcomes.facts import Figure, Point

SHARE, COUNT, DAYS = "share", "count", "days"
NO_DATA = "no data"

WIDTH = 420
# Columns (months).
COL_HEIGHT = 200
COL_LEFT, COL_RIGHT, COL_TOP, COL_BOTTOM = 40, 10, 18, 28
# Rows (categories): a label line, then the bar.
ROW_HEIGHT = 40
ROW_LEFT, ROW_RIGHT, ROW_TOP, ROW_BOTTOM = 6, 6, 6, 8
ROW_LABEL_GAP, ROW_BAR = 16, 16

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def value_text(unit: str, value: float | None) -> str:
    """A figure's or a point's value as shown: a whole percentage for a share, days with
    at most one decimal, a whole count; "no data" when there is none (never 0)."""
    if value is None:
        return NO_DATA
    if unit == SHARE:
        return f"{round(value * 100)}%"
    if unit == DAYS:
        days = round(value, 1)
        return f"{days:g} day{'' if days == 1 else 's'}"
    return f"{round(value):,}"


def share_detail(numerator: int | None, denominator: int | None, word: str = "") -> str:
    """ "9 of 20" for a share ("8,005 of 9,120 hours" with a ``word``); empty when the
    counts are not known."""
    if numerator is None or denominator is None:
        return ""
    return f"{numerator:,} of {denominator:,} {word}".rstrip()


HOURS = "hours"


def counts_label(figure: Figure) -> str:
    """The heading of the chart table's column of counts: what the figure counts."""
    return (figure.items or "patients").capitalize()


def list_note(figure: Figure, patients: int) -> str:
    """For the patients list: when the figure counts something else than patients (stays,
    screens, referrals) and their number differs from the patients listed, say so."""
    if not figure.items or figure.items == HOURS:
        return ""
    total = figure.denominator if figure.unit == SHARE else figure.numerator
    if total is None or total == patients:
        return ""
    item = figure.items
    return (
        f"The figure counts {total:,} {item}; they are {patients:,} "
        f"patient{'s' if patients != 1 else ''} (a patient with several {item} is listed once)."
    )


def point_label(label: str) -> tuple[str, str]:
    """(full label, short axis label): "2026-11" reads "November 2026" and "Nov"."""
    m = _MONTH.match(label)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return label, label
    name = _MONTHS[int(m.group(2)) - 1]
    return f"{name} {m.group(1)}", name[:3]


def is_monthly(series: Sequence[Point]) -> bool:
    return bool(series) and all(_MONTH.match(p.label) for p in series)


@dataclass(frozen=True)
class Bar:
    label: str  # full label, for the table and the tooltip
    tick: str  # the axis label ("" when thinned out)
    value: float | None
    text: str  # the value as shown ("64%", "no data")
    detail: str  # "9 of 20" for a share
    x: float
    y: float
    width: float
    height: float
    text_x: float  # where the value is written
    text_y: float
    label_y: float = 0.0  # rows: the baseline of the label line

    @property
    def has_value(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Grid:
    label: str
    pos: float


@dataclass
class BarChart:
    key: str
    title: str
    unit: str
    shape: str  # "columns" or "rows"
    counts: str = "Patients"  # what a share's "9 of 20" counts, for the table's heading
    bars: list[Bar] = field(default_factory=list)
    grid: list[Grid] = field(default_factory=list)
    width: int = WIDTH
    height: int = COL_HEIGHT
    plot_left: float = COL_LEFT
    plot_right: float = WIDTH - COL_RIGHT
    plot_top: float = COL_TOP
    plot_bottom: float = COL_HEIGHT - COL_BOTTOM

    @property
    def empty(self) -> bool:
        return not self.bars

    @property
    def values_shown(self) -> bool:
        """Whether each column has room for its value written above it (else the
        tooltip and the table carry it)."""
        if self.shape == "rows" or not self.bars:
            return True
        return (self.plot_right - self.plot_left) / len(self.bars) >= 36

    @property
    def grid_label_x(self) -> float:
        return self.plot_left - 6

    @property
    def tick_y(self) -> float:
        return self.plot_bottom + 18

    @property
    def no_data_y(self) -> float:
        return self.plot_bottom - 5

    @property
    def summary(self) -> str:
        """One sentence for the SVG's <desc>: every bar's value, in order."""
        if not self.bars:
            return f"{self.title}: nothing to chart for this period."
        parts = [f"{b.label} {b.text}" + (f" ({b.detail})" if b.detail else "") for b in self.bars]
        return f"{self.title}: " + "; ".join(parts) + "."


def nice_ceiling(value: float) -> float:
    """The axis top for counts and days: the next round number (1, 1.2, 1.6, 2, 2.5, 3,
    4, 5, 6 or 8 x 10^k) at or above ``value``, so the tallest bar fills most of the
    height and the middle line is round too."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 1.2, 1.6, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if value <= step * power + 1e-9:
            return round(step * power, 10)
    return 10.0 * power  # pragma: no cover (the loop always returns)


def _scale_top(unit: str, values: Sequence[float]) -> float:
    """100% for shares (more when a share passes it: hours attended beyond the required),
    else a round number at or above the largest value."""
    if unit == SHARE:
        return max(1.0, nice_ceiling(max(values, default=0.0)))
    return nice_ceiling(max(values, default=0.0))


def _grid_label(unit: str, value: float) -> str:
    if unit == SHARE:
        return f"{round(value * 100)}%"
    return f"{value:g}"


def _as_share(p: Point) -> Point:
    """A point of a share figure as a share. Some share figures chart counts with their
    total ("7 endings of 20 were completions": value 7, numerator 7, denominator 20); the
    bar is then that count's share of its total. A total of zero has no data."""
    if p.denominator == 0:
        return Point(p.label, None, p.numerator, p.denominator)
    if (
        p.value is not None
        and p.numerator
        and p.denominator is not None
        and p.denominator != 1
        and p.value == float(p.numerator)
    ):
        return Point(p.label, p.numerator / p.denominator, p.numerator, p.denominator)
    return p


def chart_unit(figure: Figure) -> str:
    """The unit of the chart's bars: the figure's, except that a figure in days drawn by
    category (lengths of stay grouped in ranges) counts episodes per category."""
    if figure.unit == DAYS and not is_monthly(figure.series):
        return COUNT
    return figure.unit


def build_chart(figure: Figure) -> BarChart:
    """Lay out the figure's series (its points in the order given). Rows write each label
    on a line of its own with the value at its right end, the bar below."""
    unit = chart_unit(figure)
    points = [_as_share(p) for p in figure.series] if unit == SHARE else list(figure.series)
    chart = _columns(figure, unit, points) if is_monthly(points) else _rows(figure, unit, points)
    chart.counts = counts_label(figure)
    return chart


def _columns(figure: Figure, unit: str, points: list[Point]) -> BarChart:
    chart = BarChart(figure.key, figure.title, unit, "columns")
    top = _scale_top(unit, [p.value for p in points if p.value is not None])
    left, right = chart.plot_left, chart.plot_right
    y_top, y_bottom = chart.plot_top, chart.plot_bottom

    def y_of(v: float) -> float:
        return round(y_bottom - min(v, top) / top * (y_bottom - y_top), 1)

    chart.grid = [Grid(_grid_label(unit, v), y_of(v)) for v in (0.0, top / 2, top)]
    slot = (right - left) / max(1, len(points))
    bar_width = round(min(48.0, slot * 0.7), 1)
    years = {p.label[:4] for p in points}
    keep = max(1, math.ceil(len(points) / 8))  # at most 8 axis labels: readable on a phone
    for i, p in enumerate(points):
        full, tick = point_label(p.label)
        if len(years) > 1 and (i == 0 or p.label.endswith("-01")):
            tick = f"{tick} {p.label[2:4]}"
        if i % keep:
            tick = ""
        center = left + slot * (i + 0.5)
        y = y_of(p.value) if p.value is not None else y_bottom
        chart.bars.append(
            Bar(
                label=full,
                tick=tick,
                value=p.value,
                text=value_text(unit, p.value),
                detail=share_detail(p.numerator, p.denominator),
                x=round(center - bar_width / 2, 1),
                y=y,
                width=bar_width,
                height=round(y_bottom - y, 1),
                text_x=round(center, 1),
                text_y=round(y - 4, 1),
            )
        )
    return chart


def _rows(figure: Figure, unit: str, points: list[Point]) -> BarChart:
    height = ROW_TOP + ROW_BOTTOM + ROW_HEIGHT * len(points)
    chart = BarChart(
        figure.key,
        figure.title,
        unit,
        "rows",
        height=height,
        plot_left=ROW_LEFT,
        plot_right=WIDTH - ROW_RIGHT,
        plot_top=ROW_TOP,
        plot_bottom=height - ROW_BOTTOM,
    )
    top = _scale_top(unit, [p.value for p in points if p.value is not None])
    left, right = chart.plot_left, chart.plot_right

    def x_of(v: float) -> float:
        return round(left + min(v, top) / top * (right - left), 1)

    chart.grid = [Grid(_grid_label(unit, v), x_of(v)) for v in (0.0, top / 2, top)]
    for i, p in enumerate(points):
        full, _ = point_label(p.label)
        row_top = ROW_TOP + ROW_HEIGHT * i
        end = x_of(p.value) if p.value is not None else left
        chart.bars.append(
            Bar(
                label=full,
                tick=full,
                value=p.value,
                text=value_text(unit, p.value),
                detail=share_detail(p.numerator, p.denominator),
                x=left,
                y=row_top + ROW_LABEL_GAP,
                width=round(end - left, 1),
                height=ROW_BAR,
                text_x=right,  # the value ends the label line, right-aligned
                text_y=row_top + ROW_LABEL_GAP - 4,
                label_y=row_top + ROW_LABEL_GAP - 4,
            )
        )
    return chart


def default_period(today: date, months: int = 6) -> tuple[date, date]:
    """The dashboard's default period: the ``months`` whole calendar months before the
    current one (on 7 December 2026: 1 June to 30 November 2026)."""
    end = date(today.year, today.month, 1).toordinal() - 1
    last = date.fromordinal(end)
    index = last.year * 12 + (last.month - 1) - (months - 1)
    return date(index // 12, index % 12 + 1, 1), last
