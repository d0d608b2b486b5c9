"""crawler/cli/save.py: only http(s) URLs are sent to Save Page Now; an unreachable archive is one line."""

from __future__ import annotations

import os
import socket
import subprocess

import crawler.cli.save
from crawler.cli.main import main
from tests.cli_helpers import rotwatch_command


def test_public_names_are_pinned():
    assert sorted(crawler.cli.save.__all__) == ["SaveArguments", "run_save", "save_live"]


def test_nothing_to_save_exits_2_with_a_line_per_url(capsys):
    assert main(["save", "ftp://a.test/x", "mailto:me@a.test"]) == 2
    assert capsys.readouterr().err == (
        "rotwatch: ftp://a.test/x: not an http(s) URL, not saved\n"
        "rotwatch: mailto:me@a.test: not an http(s) URL, not saved\n"
    )


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_archive_is_said_once_not_per_url(tmp_path):
    """A proxy that refuses connections stands for no network: nothing leaves the machine."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {**os.environ, "HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    urls = ["https://a.test/1", "https://b.test/2", "https://c.test/3"]
    run = subprocess.run(
        rotwatch_command("save", *urls, "--interval", "0"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr == "rotwatch: cannot reach web.archive.org (no network?): 3 pages not saved\n"
    assert run.stdout == ""
