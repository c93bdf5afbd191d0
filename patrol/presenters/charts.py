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
VALUE_ROOM = 112  # beside the longest bar, for its number ("11 小时 30 分钟")
LABEL_CHARS = 24
# Compact (the 日报's one page): each label beside its bar, in a row half as high.
COMPACT_ROW, COMPACT_LABEL_WIDTH, COMPACT_LABEL_CHARS = 22, 130, 10


@dataclass(frozen=True)
class Bar:
    label: str  # in full (the title and the table); `short` is drawn
    short: str
    shown: str  # the number as read, e.g. "12" or "1 h 5 min"
    tone: str  # a class: the bar's colour
    x: float
    y: float
    width: float
    label_y: float

    @property
    def value_x(self) -> float:
        return self.x + self.width + 6

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


def _shortened(label: str, most: int) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def bar_chart(
    key: str, title: str, rows: list[tuple[str, float, str, str]], headers, marker=None, *, compact: bool = False
) -> BarChart:
    """Horizontal bars, one per (label, value, shown, tone) row, scaled to the largest value or the
    marker's (value, label); `compact`: labels beside the bars, for paper."""
    start = COMPACT_LABEL_WIDTH if compact else 0
    row, most = (COMPACT_ROW, COMPACT_LABEL_CHARS) if compact else (ROW, LABEL_CHARS)
    reach = VIEW_WIDTH - VALUE_ROOM - start
    largest = max([value for _label, value, _shown, _tone in rows] + [marker[0] if marker else 0] + [0])
    scale = reach / largest if largest else 0
    bars = []
    for index, (label, value, shown, tone) in enumerate(rows):
        y = (4 if compact else LABEL_SIZE + 8) + index * row
        width = round(max(value * scale, 0), 1)
        label_y = y + BAR - 2 if compact else y - 5
        bars.append(Bar(label, _shortened(label, most), shown, tone, start, y, width, label_y))
    drawn = Marker(round(start + marker[0] * scale, 1), marker[1]) if marker and scale else None
    return BarChart(key, title, bars, height=max(len(rows), 1) * row + 8, headers=tuple(headers), marker=drawn)


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
