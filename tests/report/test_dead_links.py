"""dead-links.md (crawler/report/dead_links.py): summary, changes, a table per issue.

The view is tests.report.views' sample: four issues, every verdict, Chinese
text, a title holding `<script>`.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from crawler.models import RunDiff
from crawler.report import dead_links
from crawler.report.dead_links import render_dead_links
from tests.report.scale import scale_view
from tests.report.views import (
    FEBRUARY,
    MEMENTO_PLAYBACK,
    PLAYBACK,
    TAKEOVER,
    TAKEOVER_CAPTURE,
    drift_view,
    sample_view,
)


def test_public_names_are_pinned():
    assert dead_links.__all__ == ["dead_links_pieces", "render_dead_links"]


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


# --- drift and captures from other archives ------------------------------------------


def test_dead_links_md_lists_the_newly_drifted_and_every_drifted_link_with_its_evidence():
    text = render_dead_links(drift_view())
    assert "- Newly drifted: 2\n  - `https://deca-show.example.com/`\n  - `https://tinytools.example.net/`" in text
    assert "; 3 drifted (now another page: 1 takeover, 1 parked, 1 replaced)." in text
    section = text.split("## Drifted links", 1)[1]
    assert section.startswith("\n\n3 drifted: these links work, but now show another page")
    assert "| issue | line | link text | URL | drift | then | now |" in section
    html = MarkdownIt("commonmark").enable("table").render(section)
    assert f'<a href="{TAKEOVER_CAPTURE}">capture of 2024-03-20</a>' in html
    assert "first checked 2024-04-03" in html  # the parked domain, judged against rotwatch's first check
    assert "<script>" not in html  # the replaced page's old title holds one


def test_dead_links_md_names_the_archive_of_a_memento_capture():
    text = render_dead_links(drift_view())
    assert f"[archive.today, 2024-03-01](<{MEMENTO_PLAYBACK}>)" in text
    assert f"[2024-03-01](<{PLAYBACK}>)" in text  # the Wayback Machine's is named by its day alone


def test_dead_links_md_without_dead_links_still_names_the_drifted():
    text = render_dead_links(drift_view(reports=[TAKEOVER], diff=RunDiff()))
    assert "No dead links." in text and "1 drifted (now another page: 1 takeover)" in text
    assert "## Drifted links" in text
