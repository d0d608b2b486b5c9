"""Tests for crawler/issues/dates.py: an issue's date from its file name or front matter."""

from __future__ import annotations

from datetime import date

import pytest

import crawler.issues.dates
from crawler.issues.dates import date_from_name_or_front_matter


def test_public_names_are_pinned() -> None:
    assert crawler.issues.dates.__all__ == ["date_from_name_or_front_matter"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("2024-03-27-ai-deca-show.md", "", date(2024, 3, 27)),
        ("issues/2024-03-27.md", "---\ndate: 2020-01-01\n---\n", date(2024, 3, 27)),
        ("show.md", "---\ntitle: x\ndate: 2024-04-03\n---\n# t", date(2024, 4, 3)),
        ("show.md", '---\r\ndate: "2024-04-03T08:00:00+08:00"\r\n---\r\n', date(2024, 4, 3)),
        ("2024-02-30-bad.md", "---\ndate: 2024-02-01\n---\n", date(2024, 2, 1)),
        ("show.md", "# no front matter\ndate: 2024-04-03\n", None),
        ("show.md", "---\ndate: 2024-13-01\n---\n", None),
        ("show.md", "---\nupdated: 2024-04-03\n---\n", None),
    ],
)
def test_publication_date_from_name_then_front_matter(name: str, text: str, expected: date | None) -> None:
    assert date_from_name_or_front_matter(name, text) == expected
