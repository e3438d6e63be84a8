"""Bar charts drawn on the server as SVG geometry for a template: no JavaScript,
no CDN. Every chart is shown with its table, which screen readers read instead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dossiers.templatetags.recouvrement import format_euros

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 12, 40
# Bootstrap's colours, as SVG presentation attributes (no inline style under the CSP).
FILLS = {
    "app-bar-primary": "#0d6efd",
    "app-bar-success": "#198754",
    "app-bar-danger": "#dc3545",
    "app-bar-secondary": "#6c757d",
}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str

    @property
    def fill(self) -> str:
        return FILLS.get(self.css, "#6c757d")


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x of the label's centre, text
    baseline: float
    maximum: str


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    rows: list[tuple[str, list]],
    series: list[tuple[str, str]],
    *,
    money: bool = False,
    ticks: list[str] | None = None,
) -> Chart:
    """``rows``: (label, one value per series); ``series``: (name, CSS class);
    ``ticks``: shorter labels under the bars (the bars' titles keep the full ones)."""
    values = [float(v) for _label, vs in rows for v in vs]
    top = _nice_ceiling(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(rows), 1)
    bar_w = slot * 0.7 / max(len(series), 1)
    bars, labels = [], []
    for index, (label, vs) in enumerate(rows):
        start = LEFT + index * slot + slot * 0.15
        for position, ((name, css), value) in enumerate(zip(series, vs, strict=True)):
            height = plot_h * float(value) / top
            shown = format_euros(value) if money else str(value)
            bars.append(
                Bar(
                    x=round(start + position * bar_w, 1),
                    y=round(TOP + plot_h - height, 1),
                    width=round(bar_w * 0.92, 1),
                    height=round(height, 1),
                    css=css,
                    title=f"{label} — {name} : {shown}",
                )
            )
        tick = ticks[index] if ticks else label
        labels.append((round(LEFT + index * slot + slot / 2, 1), tick))
    maximum = format_euros(Decimal(str(top))) if money else str(int(top))
    return Chart(WIDTH, HEIGHT, bars, labels, TOP + plot_h, maximum)
