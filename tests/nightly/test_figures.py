"""Tests for crawler/nightly/figures.py: the counts a view gathers, and the counts of parts added up."""

from __future__ import annotations

from dataclasses import fields

from crawler.nightly.figures import LinkFigures
from tests.report.scale import scale_view


def _counted(view, reports) -> LinkFigures:
    figures = LinkFigures()
    for report in reports:
        figures.add(report, view)
        figures.add_held(report, 1 if view.is_dead(report) else 4, len(report.occurrences), newly_dead=False)
    return figures


def test_the_counts_of_two_parts_absorbed_are_the_counts_of_the_whole():
    view = scale_view(600, newly_dead=40, still_dead=10, unchecked=6)
    reports = [report for chunk in view.links() for report in chunk]
    whole = _counted(view, reports)

    parts = _counted(view, reports[:250])
    parts.absorb(_counted(view, reports[250:]))

    for name in (item.name for item in fields(LinkFigures)):
        assert getattr(parts, name) == getattr(whole, name), name
    assert whole.links == 600 and whole.dead > 0 and len(whole.months) > 1 and whole.issues


def test_every_link_is_held_only_while_both_parts_say_so():
    held, not_held = LinkFigures(), LinkFigures(every_link_held=False)
    held.absorb(not_held)
    assert not held.every_link_held
