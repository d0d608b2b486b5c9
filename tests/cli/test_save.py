"""crawler/cli/save.py: only http(s) URLs are sent to Save Page Now."""

from __future__ import annotations

import crawler.cli.save
from crawler.cli.main import main


def test_public_names_are_pinned():
    assert sorted(crawler.cli.save.__all__) == ["SaveArguments", "run_save", "save_live"]


def test_nothing_to_save_exits_2_with_a_line_per_url(capsys):
    assert main(["save", "ftp://a.test/x", "mailto:me@a.test"]) == 2
    assert capsys.readouterr().err == (
        "rotwatch: ftp://a.test/x: not an http(s) URL, not saved\n"
        "rotwatch: mailto:me@a.test: not an http(s) URL, not saved\n"
    )
