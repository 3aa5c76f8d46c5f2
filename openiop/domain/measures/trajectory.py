"""Geometry of a trajectory chart: a repeated measure's scores over time, drawn as inline SVG
by a template (no third-party script; charts render offline and under a strict CSP).

The chart shades the instrument's interpretation bands (from the screening definitions),
draws the baseline's reliable-change corridor (baseline +/- the critical difference) when the
instrument has reliability values, and marks each later point whose change from baseline is
reliable (improvement or deterioration). Every chart also has a table as its text alternative,
built from the same ``Point`` list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from openiop.domain.measures.reliable_change import ReliabilityValues
from openiop.domain.screening import Instrument
from openiop.domain.screening.rules import Setting, Total
from openiop.domain.tapering import ReliableChange

WIDTH, HEIGHT = 420, 220
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 10, 30

BAND_TONES = ("tone-1", "tone-2", "tone-3", "tone-4", "tone-5")


@dataclass(frozen=True)
class Point:
    on: date
    score: float
    band: str
    change: ReliableChange | None  # None: baseline, or reliable change not computed
    x: float = 0.0
    y: float = 0.0

    @property
    def change_label(self) -> str:
        if self.change is None:
            return ""
        return {
            ReliableChange.IMPROVED: "reliable improvement",
            ReliableChange.DETERIORATED: "reliable deterioration",
            ReliableChange.NO_CHANGE: "no reliable change",
        }[self.change]

    @property
    def marker(self) -> str:
        """CSS class of the point's marker."""
        if self.change is ReliableChange.IMPROVED:
            return "rc-better"
        if self.change is ReliableChange.DETERIORATED:
            return "rc-worse"
        return "rc-none"


@dataclass(frozen=True)
class BandRect:
    label: str
    low: int
    high: int
    tone: str
    y: float
    height: float
    label_y: float


@dataclass(frozen=True)
class Tick:
    label: str
    pos: float
    anchor: str = "middle"


@dataclass
class Chart:
    instrument: str
    title: str
    points: list[Point]
    bands: list[BandRect] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    polyline: str = ""
    corridor: tuple[float, float] | None = None  # y of the upper and lower corridor lines
    critical_difference: float | None = None
    reliability_source: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left

    @property
    def summary(self) -> str:
        """One sentence for the SVG's <desc> and for screen readers."""
        if not self.points:
            return f"No {self.title} scores yet."
        first, last = self.points[0], self.points[-1]
        text = (
            f"{self.title}: {len(self.points)} scores from {first.on:%Y-%m-%d} "
            f"({first.score:g}, {first.band}) to {last.on:%Y-%m-%d} ({last.score:g}, {last.band})."
        )
        if self.critical_difference is None:
            return text + " Reliable change not computed for this instrument."
        change = last.change_label or "baseline only"
        return text + f" Latest versus baseline: {change}."


def short_name(instrument: Instrument) -> str:
    """ "PHQ-9", "SCOFF", "BAM": the edition without its parenthesis or qualifiers."""
    return instrument.edition.split(" (")[0].split(",")[0]


def _bound(value: int | Setting | None, fallback: int, defaults: dict[str, int]) -> int:
    if value is None:
        return fallback
    return defaults[value.name] if isinstance(value, Setting) else value


def band_ranges(instrument: Instrument) -> list[tuple[str, int, int]]:
    """(label, low, high) of each band defined on the total, lowest first."""
    defaults = {s.name: s.default for s in instrument.settings}
    total_range = instrument.total_range or (0, 0)
    out = []
    for band in instrument.bands:
        rule = band.when
        if not isinstance(rule, Total):
            continue
        low = _bound(rule.at_least, total_range[0], defaults)
        high = _bound(rule.at_most, total_range[1], defaults)
        out.append((band.label, low, high))
    return sorted(out, key=lambda b: b[1])


def build_chart(
    instrument: Instrument,
    scores: Sequence[tuple[date, float, str]],
    reliability: ReliabilityValues | None,
) -> Chart:
    """Lay out one instrument's scores (date, total, band label), oldest first."""
    lo, hi = instrument.total_range or (0, max([int(s) for _, s, _ in scores] + [1]))
    hi = max(hi, lo + 1)
    chart = Chart(instrument=instrument.id, title=short_name(instrument), points=[])
    top, bottom = chart.plot_top, chart.plot_bottom
    left, right = chart.plot_left, chart.plot_right

    def y_of(v: float) -> float:
        return round(bottom - (v - lo) / (hi - lo) * (bottom - top), 1)

    ranges = band_ranges(instrument)
    for i, (label, b_lo, b_hi) in enumerate(ranges):
        # a band [a, b] of whole points covers a-0.5 .. b+0.5 on the axis (clipped)
        y_top = y_of(min(hi, b_hi + 0.5)) if b_hi < hi else float(top)
        y_bot = y_of(max(lo, b_lo - 0.5)) if b_lo > lo else float(bottom)
        tone = BAND_TONES[min(len(BAND_TONES) - 1, round(i * 4 / max(1, len(ranges) - 1)))]
        chart.bands.append(
            BandRect(label, b_lo, b_hi, tone, y_top, round(y_bot - y_top, 1), y_top + 13)
        )
    step = 5 if hi - lo > 12 else 1 if hi - lo <= 6 else 2
    chart.y_ticks = [Tick(str(v), y_of(v)) for v in range(lo, hi + 1, step)]

    if not scores:
        return chart
    first_day = scores[0][0]
    span = max(1, (scores[-1][0] - first_day).days)

    def x_of(d: date) -> float:
        if len(scores) == 1:
            return round((left + right) / 2, 1)
        return round(left + (d - first_day).days / span * (right - left), 1)

    baseline = scores[0][1]
    for i, (on, score, band) in enumerate(scores):
        change = None
        if i > 0 and reliability is not None:
            change = reliability.classify(baseline, score)
        chart.points.append(Point(on, score, band, change, x_of(on), y_of(score)))
    chart.polyline = " ".join(f"{p.x},{p.y}" for p in chart.points)
    seen: set[str] = set()
    for p in chart.points:
        label = f"{p.on:%b} {p.on.day}"
        if label not in seen:
            seen.add(label)
            chart.x_ticks.append(Tick(label, p.x))
    if len(chart.x_ticks) > 5:  # keep the axis readable on a phone
        keep = -(-len(chart.x_ticks) // 5)
        chart.x_ticks = chart.x_ticks[::keep]
    if len(chart.x_ticks) > 1:  # the end labels stay inside the drawing
        first, last = chart.x_ticks[0], chart.x_ticks[-1]
        chart.x_ticks[0] = Tick(first.label, first.pos, "start")
        chart.x_ticks[-1] = Tick(last.label, last.pos, "end")
    if reliability is not None:
        cd = reliability.critical_difference
        chart.critical_difference = round(cd, 2)
        chart.reliability_source = reliability.source
        chart.corridor = (y_of(min(hi, baseline + cd)), y_of(max(lo, baseline - cd)))
    return chart
