"""Charts drawn on the server as SVG (no script, no library): the geometry of bars, which the templates draw.
Every chart also gets a table with the same figures, its text alternative."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 640, 160, 2


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str  # what the bar is (a day, a step)
    shown: str  # its value as people read it


def columns(points: list[tuple[str, int, str]]) -> list[Bar]:
    """Vertical bars for (label, value, shown), scaled to the largest value; a zero is a hairline."""
    if not points:
        return []
    top = max(value for _label, value, _shown in points) or 1
    width = WIDTH // len(points)
    bars = []
    for i, (label, value, shown) in enumerate(points):
        height = max(1, value * HEIGHT // top)
        bars.append(Bar(i * width + GAP // 2, HEIGHT - height, max(1, width - GAP), height, label, shown))
    return bars


def rows(points: list[tuple[str, int, str]]) -> list[Bar]:
    """Horizontal bars (a funnel), one per line of 28 px, scaled to the largest value."""
    top = max((value for _label, value, _shown in points), default=0) or 1
    return [
        Bar(0, i * 28, max(1, value * (WIDTH - 200) // top), 20, label, shown)
        for i, (label, value, shown) in enumerate(points)
    ]
