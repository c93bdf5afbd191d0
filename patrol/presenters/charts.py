"""Charts drawn on the server as SVG geometry: bars and columns with their numbers as text.

No chart script and no style attributes (the pages run under a strict CSP): a template draws each
shape from the coordinates here with SVG presentation attributes (x, y, width, height) and a class
for its colour (static/css/app.css). Every shape carries its label and number in a <title> (a tap
or a hover shows it), the number is drawn beside the bar, and the template follows each chart with
a table of the same numbers.

The drawing is VIEW_WIDTH user units wide and scales to the page: at a phone's 390 px the text is
about 13 px high.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VIEW_WIDTH = 360
LABEL_SIZE = 13
ROW = 40  # a bar's row: its label above, the bar below
BAR = 14
VALUE_ROOM = 80  # beside the longest bar, for its number
LABEL_CHARS = 26


@dataclass(frozen=True)
class Bar:
    label: str  # in full (the title and the table); `short` is drawn
    shown: str  # the number as read, e.g. "12" or "1 h 5 min"
    tone: str  # a class: the bar's colour
    y: float
    width: float

    @property
    def short(self) -> str:
        return self.label if len(self.label) <= LABEL_CHARS else self.label[: LABEL_CHARS - 1] + "…"

    @property
    def label_y(self) -> float:
        return self.y - 5

    @property
    def value_x(self) -> float:
        return self.width + 6

    @property
    def value_y(self) -> float:
        return self.y + BAR - 2


@dataclass(frozen=True)
class Marker:
    """A vertical line across the bars, e.g. the site's promise."""

    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    bars: list[Bar]
    height: float
    headers: tuple[str, str]
    marker: Marker | None = None
    width: int = VIEW_WIDTH
    bar_height: int = BAR


def bar_chart(key: str, title: str, rows: list[tuple[str, float, str, str]], headers, marker=None) -> BarChart:
    """Horizontal bars, one per (label, value, shown, tone) row, scaled to the largest value or the
    marker's (value, label)."""
    reach = VIEW_WIDTH - VALUE_ROOM
    largest = max([value for _label, value, _shown, _tone in rows] + [marker[0] if marker else 0] + [0])
    scale = reach / largest if largest else 0
    bars = [
        Bar(label, shown, tone, y=LABEL_SIZE + 8 + index * ROW, width=round(max(value * scale, 0), 1))
        for index, (label, value, shown, tone) in enumerate(rows)
    ]
    drawn = Marker(round(marker[0] * scale, 1), marker[1]) if marker and scale else None
    return BarChart(key, title, bars, height=max(len(rows), 1) * ROW + 8, headers=tuple(headers), marker=drawn)


@dataclass(frozen=True)
class Column:
    label: str
    shown: str
    x: float
    y: float
    height: float
    tick: str  # the label under it, or "" where columns are too narrow to name each


@dataclass(frozen=True)
class ColumnChart:
    key: str
    title: str
    columns: list[Column]
    column_width: float
    base: float  # the y of the axis
    headers: tuple[str, str]
    height: float = 0
    width: int = VIEW_WIDTH
    guides: list[tuple[float, str]] = field(default_factory=list)  # (y, "50%")


PLOT = 150  # the columns' greatest height


def share_columns(key: str, title: str, rows: list[tuple[str, str, float | None, str]], headers) -> ColumnChart:
    """Columns of shares (0–1), one per (label, tick, share, shown) row; a missing share draws nothing."""
    top, left = 12, 34
    slot = (VIEW_WIDTH - left) / max(len(rows), 1)
    every = 1 if len(rows) <= 8 else 5  # a month: every fifth day named under its column
    columns = []
    for index, (label, tick, share, shown) in enumerate(rows):
        height = round((share or 0) * PLOT, 1)
        columns.append(
            Column(
                label,
                shown,
                x=round(left + index * slot + slot * 0.15, 1),
                y=round(top + PLOT - height, 1),
                height=height,
                tick=tick if index % every == 0 else "",
            )
        )
    guides = [(top + PLOT * (1 - level), f"{round(level * 100)}%") for level in (0, 0.5, 1)]
    return ColumnChart(
        key, title, columns, round(slot * 0.7, 1), top + PLOT, tuple(headers), top + PLOT + 22, guides=guides
    )
