"""Bar charts as plain SVG geometry, drawn by the template reports/_bar_chart.html.

No chart library and no script: the server computes where each bar goes and the page is an
inline SVG (it prints, it works without JavaScript, nothing comes from the internet). The same
numbers are in a table under each chart, for screen readers and for copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
# column charts (one column per day)
COLUMN_HEIGHT = 220
LEFT = 48  # room for the axis' numbers
RIGHT = 8
TOP = 18  # room for the value over the tallest column
BOTTOM = 34  # room for the day under each column
# bar charts (one row per programme, commodity, reason)
ROW = 26
LABEL_WIDTH = 200
VALUE_ROOM = 72
LABEL_CHARS = 24


@dataclass(frozen=True)
class Bar:
    label: str  # in full, for the bar's <title>
    value: int
    x: int
    y: int
    width: int
    height: int
    # where the category's name and the bar's figure are written
    label_x: int
    label_y: int
    label_text: str
    value_x: int
    value_y: int
    value_text: str


@dataclass(frozen=True)
class Tick:
    value: int
    x1: int
    y1: int
    x2: int
    y2: int
    text_x: int
    text_y: int


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    horizontal: bool
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    baseline: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at least `value`: the top of a readable axis."""
    if value <= 1:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def column_chart(
    *,
    id: str,  # noqa: A002 (the SVG's id)
    title: str,
    description: str,
    points: list[tuple[str, str, int]],
) -> Chart:
    """One column per point: (full label, short label under the column, value)."""
    top = nice_ceiling(max((value for _l, _s, value in points), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = COLUMN_HEIGHT - TOP - BOTTOM
    base_y = TOP + plot_height
    slot = plot_width / max(len(points), 1)
    bar_width = max(2, int(slot * 0.7))
    # at most about 16 labels under the columns; the table under the chart has every one
    every = max(1, -(-len(points) // 16))
    bars = []
    for index, (label, short, value) in enumerate(points):
        height = round(plot_height * value / top)
        x = LEFT + round(index * slot + (slot - bar_width) / 2)
        centre = x + bar_width // 2
        bars.append(
            Bar(
                label=label,
                value=value,
                x=x,
                y=base_y - height,
                width=bar_width,
                height=height,
                label_x=centre,
                label_y=base_y + 16,
                label_text=short if index % every == 0 else "",
                value_x=centre,
                value_y=base_y - height - 4,
                value_text=str(value) if value and every == 1 else "",
            )  # fmt: skip
        )
    ticks = []
    for step in range(5):
        value = top * step // 4
        y = base_y - round(plot_height * step / 4)
        ticks.append(
            Tick(value=value, x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, text_x=LEFT - 6, text_y=y + 4)
        )
    return Chart(
        id=id, title=title, description=description, width=WIDTH, height=COLUMN_HEIGHT,
        horizontal=False, bars=bars, ticks=ticks, baseline=(LEFT, base_y, WIDTH - RIGHT, base_y),
    )  # fmt: skip


def bar_chart(
    *,
    id: str,  # noqa: A002 (the SVG's id)
    title: str,
    description: str,
    rows: list[tuple[str, int, str]],
) -> Chart:
    """One horizontal bar per row: (label, value, the figure written after the bar)."""
    top = max((value for _label, value, _text in rows), default=0) or 1
    plot_width = WIDTH - LABEL_WIDTH - VALUE_ROOM
    height = ROW * max(len(rows), 1) + 8
    bars = []
    for index, (label, value, text) in enumerate(rows):
        y = 4 + index * ROW
        width = round(plot_width * max(value, 0) / top)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=LABEL_WIDTH,
                y=y + 3,
                width=width,
                height=ROW - 8,
                label_x=LABEL_WIDTH - 6,
                label_y=y + ROW // 2 + 4,
                label_text=_short(label),
                value_x=LABEL_WIDTH + width + 6,
                value_y=y + ROW // 2 + 4,
                value_text=text,
            )  # fmt: skip
        )
    return Chart(
        id=id, title=title, description=description, width=WIDTH, height=height,
        horizontal=True, bars=bars, baseline=(LABEL_WIDTH, 0, LABEL_WIDTH, height),
    )  # fmt: skip
