"""Small server-side SVG charts: trend lines, bars and Pareto charts.

Pages and the PDF embed the returned SVG inline, so nothing is fetched from a
CDN and the charts print as sharply as the text around them. Every label is
escaped: names of couriers, products and reasons come from people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 48
PAD_RIGHT = 44
PAD_TOP = 14
PAD_BOTTOM = 40
PALETTE = ("#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _nice_max(value: float) -> float:
    """A round axis top at or above ``value`` (at least 1) whose quarters read well."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 4, 6, 8, 10):  # quarters of these stay round numbers
        if value <= step * factor:
            return step * factor
    return step * 10  # pragma: no cover - unreachable


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _frame(title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")


def _axes(top: float, labels: Sequence[str], plot_w: float) -> list[str]:
    parts = []
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    for i in range(5):
        y = PAD_TOP + plot_h * i / 4
        value = top * (4 - i) / 4
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{PAD_LEFT + plot_w:.1f}" y2="{y:.1f}" '
            f'stroke="#e5e7eb"/>'
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#6b7280">{_fmt(value)}</text>'
        )
    every = max(1, len(labels) // 10 + (1 if len(labels) % 10 else 0))
    slot = plot_w / max(1, len(labels))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = PAD_LEFT + slot * (index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#374151">{escape(label[:12])}</text>'
        )
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    parts = []
    x = PAD_LEFT
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11" fill="#374151">'
            f"{escape(name)}</text>"
        )
        x += 24 + 8 * len(name) + 6 * sum(1 for ch in name if ord(ch) > 0x2E80)
    return parts


def line_chart(*, title: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """One line per series over the same labels (days, weeks)."""
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    body = _axes(top, labels, plot_w)
    slot = plot_w / max(1, len(labels))
    for index, one in enumerate(series):
        points = " ".join(
            f"{PAD_LEFT + slot * (i + 0.5):.1f},{PAD_TOP + plot_h * (1 - v / top):.1f}"
            for i, v in enumerate(one.values)
        )
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{escape(one.name)}</title></polyline>"
        )
    body += _legend([s.name for s in series])
    return _frame(title, body)


def bar_chart(*, title: str, labels: Sequence[str], values: Sequence[float]) -> SafeString:
    """One bar per label, the value written above it."""
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = _nice_max(max(values, default=0))
    body = _axes(top, labels, plot_w)
    body += _bars(values, top, plot_w, plot_h, labels)
    return _frame(title, body)


def _bars(
    values: Sequence[float], top: float, plot_w: float, plot_h: float, labels: Sequence[str]
) -> list[str]:
    parts = []
    slot = plot_w / max(1, len(values))
    for index, value in enumerate(values):
        height = plot_h * value / top
        x = PAD_LEFT + slot * index + slot * 0.15
        y = PAD_TOP + plot_h - height
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{PALETTE[0]}"><title>{escape(labels[index])}: '
            f"{_fmt(value)}</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
            f'font-size="10" fill="#111827">{_fmt(value)}</text>'
        )
    return parts


def pareto_points(values: Sequence[float]) -> list[float]:
    """Cumulative shares in percent of values already sorted largest first."""
    total = sum(values)
    running = 0.0
    shares = []
    for value in values:
        running += value
        shares.append(100.0 * running / total if total else 0.0)
    return shares


def pareto_chart(*, title: str, labels: Sequence[str], values: Sequence[float]) -> SafeString:
    """Bars largest first with the cumulative share as a line on a 0–100 % right axis."""
    pairs = sorted(zip(labels, values, strict=True), key=lambda pair: -pair[1])
    labels = [label for label, _ in pairs]
    values = [value for _, value in pairs]
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = _nice_max(max(values, default=0))
    body = _axes(top, labels, plot_w)
    body += _bars(values, top, plot_w, plot_h, labels)
    slot = plot_w / max(1, len(values))
    shares = pareto_points(values)
    points = " ".join(
        f"{PAD_LEFT + slot * (i + 0.5):.1f},{PAD_TOP + plot_h * (1 - share / 100):.1f}"
        for i, share in enumerate(shares)
    )
    body.append(
        f'<polyline class="cumulative" fill="none" stroke="{PALETTE[3]}" stroke-width="2" '
        f'points="{points}"/>'
    )
    for i in range(5):
        y = PAD_TOP + plot_h * i / 4
        body.append(
            f'<text x="{WIDTH - PAD_RIGHT + 6}" y="{y + 4:.1f}" font-size="11" '
            f'fill="{PALETTE[3]}">{100 - 25 * i}%</text>'
        )
    return _frame(title, body)
