"""Horizontal bar charts drawn on the server as SVG: no script, and each chart carries its data
as a table for screen readers (the SVG itself is hidden from them)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

# Each category's name sits on its own line above its bars, and the bars are laid out in percent
# of the chart's width with no viewBox: the drawing reflows to any width while its text keeps the
# page's font size, so a phone shows the same 13 px labels as a desktop (issue 15).
LABEL_HEIGHT = 18  # the category's name, above its bars
BAR_SPACE = 78  # the longest bar, in percent of the width; its value is written after it
BAR_HEIGHT = 18
BAR_GAP = 4
GROUP_GAP = 12
LABEL_CHARS = 30


@dataclass
class Bar:
    series: int
    y: int
    width: float  # percent of the chart's width
    text: str
    text_x: float  # percent of the chart's width
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
    rows, y = [], 0
    for label, row_values in data:
        chart_row = ChartRow(label=_short(label), text_y=y + LABEL_HEIGHT - 5)
        for index, value in enumerate(row_values):
            bar_y = y + LABEL_HEIGHT + index * (BAR_HEIGHT + BAR_GAP)
            width = 0.0 if value is None else max(0.5, round(BAR_SPACE * float(value) / top, 1))
            chart_row.bars.append(
                Bar(
                    series=index,
                    y=bar_y,
                    width=width,
                    text="–" if value is None else fmt(float(value)),
                    text_x=round(width + 1.5, 1),
                    text_y=bar_y + BAR_HEIGHT - 4,
                )
            )
        rows.append(chart_row)
        y += LABEL_HEIGHT + len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + GROUP_GAP
    legend = [LegendItem(series=i, name=name) for i, name in enumerate(series)]
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
        height=max(y - GROUP_GAP + 2, 24),
    )
