"""dead-links.md (crawler/report/dead_links.py): summary, changes, a table per issue.

The view is tests.report.views' sample: four issues, every verdict, Chinese
text, a title holding `<script>`.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from crawler.report import dead_links
from crawler.report.dead_links import render_dead_links
from tests.report.scale import scale_view
from tests.report.views import FEBRUARY, PLAYBACK, sample_view


def test_public_names_are_pinned():
    assert dead_links.__all__ == ["render_dead_links"]


def test_markdown_leads_with_summary_and_changes():
    text = render_dead_links(sample_view())
    assert text.startswith("# Dead links\n\nGenerated 2024-05-02T06:00:00+00:00 by rotwatch ")
    assert "**5 dead** (1 with an archive capture, 4 without). 16 links: 6 ok," in text
    assert (
        "- Newly dead: 2\n  - `https://example.com/gone-404`\n  - `https://vanished.example.org/post`\n"
        "- Fixed: 1\n  - `https://fixed.example.com/back`\n- Still dead: 3"
    ) in text


def test_markdown_has_a_table_per_issue_newest_first():
    text = render_dead_links(sample_view())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Since the last run",
        "## Weekly \\<script>alert(1)\\</script>",
        "## AI 十项全能秀 2024-03-27",
        f"## `{FEBRUARY}`",
    ]
    assert text.count("| line | link text | URL | verdict | reason | since | archived copy |") == 3
    assert "`issues/2024-03-27-ai-deca-show.md` · published 2024-03-27 · 3 dead" in text


def test_markdown_dead_rows_carry_since_and_capture():
    text = render_dead_links(sample_view())
    assert (
        "| 12 | 苹果 MM1 论文 | `https://example.com/gone-404` | broken | HTTP 404 | 2024-05-01 | "
        f"[2024-03-01](<{PLAYBACK}>) |"
    ) in text
    assert (
        "| 20 | 链接 | `https://vanished.example.org/post` | broken | domain does not exist | 2024-05-01 | no capture |"
        in text
    )


def test_markdown_renders_web_text_literally():
    rendered = MarkdownIt("gfm-like").render(render_dead_links(sample_view()))
    assert "<script>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_markdown_says_how_many_links_were_not_checked_and_never_that_none_is_dead():
    text = render_dead_links(scale_view(60, unchecked=45))
    assert "; 45 not checked (no answer recorded)." in text
    assert "**45 links were not checked**: no answer is recorded" in text
    assert "No dead links among the links checked, but 45 links were not checked." in text
    assert "No dead links.\n" not in text


def test_markdown_one_link_not_checked_is_singular():
    text = render_dead_links(scale_view(10, unchecked=1))
    assert "**1 link was not checked**: " in text and "whether it works" in text


def test_markdown_with_every_link_checked_and_none_dead_says_no_dead_links():
    text = render_dead_links(scale_view(10))
    assert text.endswith("No dead links.\n") and "not checked" not in text
