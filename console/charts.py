"""Charts as inline SVG, drawn on the server: no JavaScript, no chart library, no CDN.

The console's Content-Security-Policy forbids inline styles, so shapes carry presentation
attributes and classes (styled in console.css), never `style=`. Each chart is a <figure> with
an SVG whose <title> and <desc> name it for screen readers, and a visually hidden table with
the same numbers. Every label is escaped here: intent and channel names come from user data.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Iterable, List, Optional, Sequence, Tuple

from markupsafe import Markup, escape

WIDTH = 720
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 24, 26  # plot margins of the day charts
PLOT_HEIGHT = 180
BAR_ROW = 26
BAR_LABEL_WIDTH = 210
MAX_LABEL = 30
NO_DATA = "No data in this period."
# Series colours with enough contrast on white (presentation attributes; CSS may restyle them).
PALETTE = ("#0b5cad", "#b42318", "#1a7f37")


def nice_max(value: float) -> float:
    """The axis maximum: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude + 1e-9:
            return step * magnitude
    return 10 * magnitude


def number(value: float) -> str:
    """12, 2.5, 1,200: what an axis or a bar says."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def _truncate(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def _svg(chart_id: str, title: str, description: str, height: float, body: str, width: int = WIDTH) -> str:
    return (f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
            f'width="100%" role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
            f'focusable="false">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>')


def data_table(chart_id: str, caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The chart's numbers as a table for screen readers (the first cell heads its row)."""
    head = "".join(f'<th scope="col">{escape(header)}</th>' for header in headers)
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(row[0])}</th>' + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>" for row in rows)
    return (f'<table class="visually-hidden chart-data" id="{chart_id}-data"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _figure(chart_id: str, title: str, svg: str, table: str, note: str = "") -> Markup:
    caption = f'<figcaption><h2 class="chart-title">{escape(title)}</h2>'
    if note:
        caption += f'<p class="chart-note">{escape(note)}</p>'
    caption += "</figcaption>"
    return Markup(f'<figure class="chart card" id="{chart_id}">{caption}{svg}{table}</figure>')


def _axis(maximum: float, plot_width: float, unit: str = "") -> str:
    """Grid lines and labels at 0, half and the maximum of the y axis."""
    parts = []
    for share in (0, 0.5, 1):
        y = TOP + PLOT_HEIGHT * (1 - share)
        parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{LEFT + plot_width:.1f}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#d5dbe1" stroke-width="1"/>')
        parts.append(f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{number(maximum * share)}{unit}</text>')
    return "".join(parts)


def _day_ticks(days: Sequence[date], slot: float) -> str:
    every = max(1, math.ceil(len(days) / 8))
    parts = []
    for index, day in enumerate(days):
        if index % every == 0:
            x = LEFT + slot * (index + 0.5)
            parts.append(f'<text class="chart-axis" x="{x:.1f}" y="{TOP + PLOT_HEIGHT + 18}" '
                         f'text-anchor="middle" font-size="11">{escape(day_label(day))}</text>')
    return "".join(parts)


def day_columns(chart_id: str, title: str, days: Sequence[date], values: Sequence[float], unit_name: str,
                note: str = "", width: int = WIDTH) -> Markup:
    """One column per day (a conversation count); `width`: of the drawing (a full-width chart
    is wider, so its text keeps its size)."""
    plot_width = width - LEFT - RIGHT
    slot = plot_width / max(1, len(days))
    maximum = nice_max(max(values, default=0))
    parts = [_axis(maximum, plot_width)]
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        if not value:
            continue
        height = PLOT_HEIGHT * value / maximum
        bar = max(0.6, slot * 0.8)
        x = LEFT + slot * index + (slot - bar) / 2
        parts.append(f'<rect class="chart-bar" x="{x:.1f}" y="{TOP + PLOT_HEIGHT - height:.1f}" '
                     f'width="{bar:.1f}" height="{height:.1f}" fill="#0b5cad">'
                     f"<title>{escape(day_label(day))}: {number(value)} {escape(unit_name)}</title></rect>")
    parts.append(_day_ticks(days, slot))
    total = sum(values)
    description = (f"{number(total)} {unit_name} over {len(days)} days, at most {number(max(values, default=0))}"
                   f" on one day.")
    svg = _svg(chart_id, title, description, TOP + PLOT_HEIGHT + BOTTOM, "".join(parts), width)
    table = data_table(chart_id, title, ["Day", unit_name.capitalize()],
                       [(day.isoformat(), number(value)) for day, value in zip(days, values, strict=True)])
    return _figure(chart_id, title, svg, table, note)


def day_lines(chart_id: str, title: str, days: Sequence[date],
              series: Sequence[Tuple[str, Sequence[Optional[float]]]], unit: str = "", note: str = "") -> Markup:
    """One line per series over the days; None is a day without a value (a gap)."""
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(1, len(days))
    known = [value for _, values in series for value in values if value is not None]
    maximum = 100 if unit == " %" and known and max(known) > 50 else nice_max(max(known, default=0))
    parts = [_axis(maximum, plot_width, unit)]
    legend_x = LEFT
    for number_of_series, (name, values) in enumerate(series, start=1):
        css = f"chart-line chart-line--{number_of_series}"
        colour = PALETTE[(number_of_series - 1) % len(PALETTE)]
        points, runs = [], []
        for index, value in enumerate(values):
            if value is None:
                if points:
                    runs.append(points)
                points = []
                continue
            x = LEFT + slot * (index + 0.5)
            y = TOP + PLOT_HEIGHT * (1 - value / maximum)
            points.append((x, y, days[index], value))
        if points:
            runs.append(points)
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in run)
                parts.append(f'<polyline class="{css}" points="{path}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"/>')
            if len(days) <= 62 or len(run) == 1:
                for x, y, day, value in run:
                    parts.append(f'<circle class="{css}-point" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                                 f"<title>{escape(day_label(day))}: {escape(name)} {number(value)}{escape(unit)}"
                                 f"</title></circle>")
        parts.append(f'<rect class="{css}-key" x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text class="chart-legend" x="{legend_x + 16}" y="16" font-size="12">{escape(name)}</text>')
        legend_x += 28 + 7 * len(name)
    parts.append(_day_ticks(days, slot))
    summaries = []
    for name, values in series:
        present = [value for value in values if value is not None]
        if unit:
            summaries.append(f"{name}: at most {number(max(present, default=0))}{unit}")
        else:
            summaries.append(f"{name}: {number(sum(present))} in all")
    totals = "; ".join(summaries)
    description = f"{len(days)} days. {totals}."
    svg = _svg(chart_id, title, description, TOP + PLOT_HEIGHT + BOTTOM, "".join(parts))
    rows = [(day.isoformat(), *["" if values[i] is None else number(values[i]) + unit for _, values in series])
            for i, day in enumerate(days)]
    table = data_table(chart_id, title, ["Day", *[name for name, _ in series]], rows)
    return _figure(chart_id, title, svg, table, note)


def bars(chart_id: str, title: str, items: Sequence[Tuple[str, float, str]], headers: Sequence[str],
         maximum: Optional[float] = None, track: bool = False, note: str = "") -> Markup:
    """Horizontal bars: (label, value, what the bar says). `maximum` fixes the scale; `track`
    draws the whole scale behind each bar (rates out of 100)."""
    if not items:
        svg = _svg(chart_id, title, NO_DATA, 40,
                   f'<text class="chart-empty" x="8" y="24" font-size="13">{escape(NO_DATA)}</text>')
        return _figure(chart_id, title, svg, data_table(chart_id, title, headers, []), note)
    scale = maximum or nice_max(max(value for _, value, _ in items))
    # room for the longest value text (about 7 units a character at font size 12)
    bar_space = WIDTH - BAR_LABEL_WIDTH - 12 - 7 * max(len(shown) for _, _, shown in items)
    parts: List[str] = []
    for row, (label, value, shown) in enumerate(items):
        y = 6 + row * BAR_ROW
        width = bar_space * min(value, scale) / scale if scale else 0
        parts.append(f'<text class="chart-label" x="{BAR_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" '
                     f'font-size="12">{escape(_truncate(label))}<title>{escape(label)}</title></text>')
        if track:
            parts.append(f'<rect class="chart-track" x="{BAR_LABEL_WIDTH}" y="{y + 2}" width="{bar_space}" '
                         f'height="{BAR_ROW - 8}" fill="#e8edf2"/>')
        parts.append(f'<rect class="chart-bar" x="{BAR_LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" '
                     f'height="{BAR_ROW - 8}" fill="#0b5cad"><title>{escape(label)}: {escape(shown)}</title></rect>')
        value_x = BAR_LABEL_WIDTH + (bar_space if track else width) + 6
        parts.append(f'<text class="chart-value" x="{value_x:.1f}" y="{y + 15}" font-size="12">'
                     f"{escape(shown)}</text>")
    description = "; ".join(f"{label}: {shown}" for label, _, shown in items)
    svg = _svg(chart_id, title, description, 12 + len(items) * BAR_ROW, "".join(parts))
    table = data_table(chart_id, title, headers, [(label, shown) for label, _, shown in items])
    return _figure(chart_id, title, svg, table, note)
