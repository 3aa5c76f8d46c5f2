"""The weekly attendance chart as server-rendered SVG: bars of hours attended and a mark at
each week's requirement. No script, no inline style (the CSP forbids both): presentation
attributes only. Pages show the same numbers in a table as the text alternative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 34


@dataclass(frozen=True)
class WeekBar:
    week_start: date
    attended_minutes: int
    required_minutes: int
    on_leave: bool = False


def weekly_chart(bars: list[WeekBar], *, title_id: str = "attendance-chart-title") -> SafeString:
    top_hours = max(
        [15.0, *(b.attended_minutes / 60 for b in bars), *(b.required_minutes / 60 for b in bars)]
    )
    top_hours = float(int(top_hours) + 2)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y(hours: float) -> float:
        return TOP + plot_h - plot_h * hours / top_hours

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{title_id}" class="chart">',
        f'<title id="{title_id}">Hours attended each week against the weekly minimum '
        "(details in the table below)</title>",
    ]
    step = 3 if top_hours <= 24 else 6
    for tick in range(0, int(top_hours) + 1, step):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{tick} h</text>'
        )
    slot = plot_w / max(len(bars), 1)
    for i, bar in enumerate(bars):
        x = LEFT + i * slot
        attended = bar.attended_minutes / 60
        required = bar.required_minutes / 60
        short = not bar.on_leave and bar.attended_minutes < bar.required_minutes
        colour = "#8a4b00" if short else "#0b5cad"
        parts.append(
            f'<rect x="{x + slot * 0.2:.1f}" y="{y(attended):.1f}" width="{slot * 0.6:.1f}" '
            f'height="{y(0) - y(attended):.1f}" fill="{colour}"/>'
        )
        if not bar.on_leave and required:
            parts.append(
                f'<line x1="{x + slot * 0.1:.1f}" x2="{x + slot * 0.9:.1f}" '
                f'y1="{y(required):.1f}" y2="{y(required):.1f}" stroke="#a1001b" '
                'stroke-width="3" stroke-dasharray="6 3"/>'
            )
        label = escape(bar.week_start.strftime("%b %d"))
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#1b1f23">{label}</text>'
        )
        if bar.on_leave:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{y(0) - 6:.1f}" text-anchor="middle" '
                'font-size="10" fill="#555">leave</text>'
            )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 4}" font-size="11" fill="#555">'
        "Bars: hours attended (brown when below the minimum). Dashed red: the minimum.</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (built from numbers and escaped labels)
