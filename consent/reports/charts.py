"""Horizontal bar charts drawn on the server as SVG: no script, and each chart carries its data
as a table for screen readers (the SVG itself is hidden from them)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 640
LABEL_WIDTH = 210  # category names, right-aligned against the bars
BAR_X = LABEL_WIDTH + 10
BAR_SPACE = 330  # the longest bar; its value is written after it
BAR_HEIGHT = 18
BAR_GAP = 4
GROUP_GAP = 14
LEGEND_HEIGHT = 28
LABEL_CHARS = 30


@dataclass
class Bar:
    series: int
    x: int
    y: int
    width: int
    text: str
    text_x: int
    text_y: int


@dataclass
class ChartRow:
    label: str
    text_y: int
    bars: list[Bar] = field(default_factory=list)


@dataclass
class LegendItem:
    series: int
    name: str
    x: int


@dataclass
class Chart:
    id: str
    title: str
    series: list[str]
    headers: list[str]
    table: list[list[str]]
    rows: list[ChartRow]
    legend: list[LegendItem]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(
    chart_id: str,
    title: str,
    category: str,
    series: Sequence[str],
    data: Sequence[tuple[str, Sequence[float | None]]],
    fmt=lambda value: f"{value:g}",
) -> Chart:
    """`data`: (category label, one value per series) for each bar group, in display order."""
    values = [float(v) for _label, row in data for v in row if v is not None]
    top = max(values, default=0) or 1
    legend_height = LEGEND_HEIGHT if len(series) > 1 else 0
    group = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    rows, y = [], legend_height + 4
    for label, row_values in data:
        chart_row = ChartRow(label=_short(label), text_y=y + group // 2 + 5)
        for index, value in enumerate(row_values):
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            width = 0 if value is None else max(1, round(BAR_SPACE * float(value) / top))
            chart_row.bars.append(
                Bar(
                    series=index,
                    x=BAR_X,
                    y=bar_y,
                    width=width,
                    text="–" if value is None else fmt(float(value)),
                    text_x=BAR_X + width + 6,
                    text_y=bar_y + BAR_HEIGHT - 4,
                )
            )
        rows.append(chart_row)
        y += group + GROUP_GAP
    legend = [LegendItem(series=i, name=name, x=BAR_X + i * 170) for i, name in enumerate(series)]
    table = [
        [label, *["" if v is None else fmt(float(v)) for v in row_values]]
        for label, row_values in data
    ]
    return Chart(
        id=chart_id,
        title=title,
        series=list(series),
        headers=[category, *series],
        table=table,
        rows=rows,
        legend=legend,
        height=max(y - GROUP_GAP + 4, legend_height + 24),
    )
