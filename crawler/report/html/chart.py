"""The month chart of index.html: link rot by publication month.

One 100% stacked bar per publication month (oldest first, undated last), as
inline SVG, and the same numbers as a table for screen readers and exact
figures. Each URL counts once per publication month it appears in, in one
of five bands (`Band`); dead links sit at the bottom so their share is read
off a common baseline month to month. Whether a link is dead is the view's
call (`CrawlView.is_dead`), as everywhere in the reports.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from enum import StrEnum

from crawler.models import LinkReport, Verdict
from crawler.nightly.view import CrawlView
from crawler.report.html.labels import Labels
from crawler.report.html.markup import Markup, tag, void

__all__ = ["Band", "MonthChart", "band_of", "chart_section", "month_bands"]

# The drawing area, in SVG user units (the SVG scales to the page).
_WIDTH, _HEIGHT = 720, 240
_LEFT, _BOTTOM, _TOP = 44, 28, 8
_MAX_MONTH_LABELS = 12


class Band(StrEnum):
    """The chart's stacks, bottom to top: what became of a month's links."""

    DEAD_UNCAPTURED = "dead-uncaptured"
    DEAD_CAPTURED = "dead-captured"
    OTHER = "other"  # blocked, unreachable but not yet dead, skipped
    REDIRECTED = "redirected"
    OK = "ok"


def band_of(view: CrawlView, report: LinkReport) -> Band:
    """The band a link is drawn in."""
    return _band(report.assessment.verdict, view.is_dead(report), report.archive is not None)


def _band(verdict: Verdict, dead: bool, captured: bool) -> Band:
    if dead:
        return Band.DEAD_CAPTURED if captured else Band.DEAD_UNCAPTURED
    return {Verdict.OK: Band.OK, Verdict.REDIRECTED: Band.REDIRECTED}.get(verdict, Band.OTHER)


def month_bands(view: CrawlView) -> dict[str, Counter[Band]]:
    """Per publication month (oldest first, undated last as ""), how many
    of its links fall in each band; a URL counts once per month, with the capture
    of its last occurrence that month (the view counts them: `LinkFigures.months`)."""
    months: defaultdict[str, Counter[Band]] = defaultdict(Counter)
    for (month, verdict, dead, captured), count in view.figures.months.items():
        months[month][_band(verdict, dead, captured)] += count
    return {month: months[month] for month in sorted(months, key=lambda month: (month == "", month))}


def chart_section(months: Mapping[str, Counter[Band]], labels: Labels) -> Markup:
    """The chart's section: heading, legend, the SVG and its numbers."""
    chart = MonthChart(months, labels)
    legend = [tag("li", tag("span", class_=f"swatch band-{band}"), labels[f"band.{band}"]) for band in Band]
    return tag(
        "section",
        tag("h2", labels["chart_title"], id="chart-heading"),
        tag("p", labels["chart_desc"], class_="quiet", id="chart-desc"),
        tag("ul", legend, class_="legend"),
        tag("div", chart.svg(), class_="chart-scroll"),
        chart.table(),
        class_="chart-section",
        aria_labelledby="chart-heading",
    )


class MonthChart:
    """Link rot by publication month: one 100% stacked bar per month, dead
    at the bottom, as inline SVG; and the same numbers as a table."""

    def __init__(self, months: Mapping[str, Counter[Band]], labels: Labels) -> None:
        self.months = months
        self.labels = labels
        self.plot_height = _HEIGHT - _BOTTOM - _TOP
        self.slot = (_WIDTH - _LEFT) / max(len(months), 1)
        self.label_every = max(1, math.ceil(len(months) / _MAX_MONTH_LABELS))

    def month_name(self, month: str) -> str:
        return month or self.labels["undated_month"]

    def svg(self) -> Markup:
        bars = [self.bar(index, month, counts) for index, (month, counts) in enumerate(self.months.items())]
        return tag(
            "svg",
            tag("title", self.labels["chart_title"]),
            tag("desc", self.labels["chart_desc"]),
            self.axis(),
            bars,
            viewBox=f"0 0 {_WIDTH} {_HEIGHT}",
            class_="chart",
            role="img",
            aria_labelledby="chart-heading chart-desc",
        )

    def axis(self) -> Markup:
        """Gridlines and labels at 0, 50 and 100 percent."""
        lines = []
        for share in (0, 50, 100):
            y = _TOP + self.plot_height * (1 - share / 100)
            lines.append(void("line", x1=_LEFT, x2=_WIDTH, y1=f"{y:.1f}", y2=f"{y:.1f}", class_="grid"))
            lines.append(tag("text", f"{share}%", x=_LEFT - 6, y=f"{y + 4:.1f}", class_="axis", text_anchor="end"))
        return tag("g", lines, aria_hidden="true")

    def bar(self, index: int, month: str, counts: Counter[Band]) -> Markup:
        """One month's bar, its numbers as a tooltip; with so many months
        that labels would collide, only every n-th month is labelled."""
        x = _LEFT + index * self.slot
        label = None
        if index % self.label_every == 0:
            centre = f"{x + self.slot / 2:.1f}"
            label = tag("text", self.month_name(month), x=centre, y=_HEIGHT - 8, class_="axis", text_anchor="middle")
        return tag(
            "g",
            tag("title", self.description(month, counts)),
            self.segments(x, counts),
            label,
            class_="bar",
            data_month=month or "undated",
        )

    def segments(self, x: float, counts: Counter[Band]) -> list[Markup]:
        """The bar's rectangles, stacked upwards in Band order."""
        total = sum(counts.values())
        width = min(self.slot * 0.72, 56)
        left = f"{x + (self.slot - width) / 2:.1f}"
        top: float = _TOP + self.plot_height
        rects = []
        for band in (band for band in Band if counts[band]):
            height = self.plot_height * counts[band] / total
            top -= height
            rects.append(
                void(
                    "rect", x=left, y=f"{top:.1f}", width=f"{width:.1f}", height=f"{height:.1f}", class_=f"band-{band}"
                )
            )
        return rects

    def description(self, month: str, counts: Counter[Band]) -> str:
        total = sum(counts.values())
        parts = [
            f"{self.labels[f'band.{band}']} {counts[band]} ({counts[band] / total:.0%})"
            for band in Band
            if counts[band]
        ]
        heading = self.labels.fill("chart_bar", count=total, month=self.month_name(month), total=total)
        return f"{heading}: {', '.join(parts)}"

    def table(self) -> Markup:
        """The chart's numbers, for screen readers and exact figures."""
        columns = [self.labels["col.month"], self.labels["col.total"], *(self.labels[f"band.{band}"] for band in Band)]
        header = [tag("th", column, scope="col") for column in columns]
        rows = [
            tag(
                "tr",
                tag("th", self.month_name(month), scope="row"),
                tag("td", sum(counts.values())),
                [tag("td", counts[band]) for band in Band],
            )
            for month, counts in self.months.items()
        ]
        return tag(
            "details",
            tag("summary", self.labels["chart_data"]),
            tag(
                "div",
                tag("table", tag("thead", tag("tr", header)), tag("tbody", rows), class_="numbers"),
                class_="table-wrap",
            ),
            class_="chart-data",
        )
