"""Tests for crawler/nightly/link_source.py: where a view reads its links from."""

from __future__ import annotations

from crawler.nightly import link_source
from crawler.nightly.link_source import InMemory
from tests.report.scale import scale_view


def test_public_names_are_pinned():
    assert link_source.__all__ == ["Chunk", "ChunkShare", "InMemory", "LinkSource"]


def test_a_list_is_one_chunk_taken_here_with_no_histories_of_its_own():
    reports = [report for chunk in scale_view(30).links() for report in chunk]
    source = InMemory(reports)
    assert len(source) == 30
    assert list(source.taken(lambda chunk: (len(chunk[0]), dict(chunk[1])))) == [(30, {})]
