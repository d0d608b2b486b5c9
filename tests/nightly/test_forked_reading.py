"""The reports' reading of the state in several processes (crawler/cores.py, ReportedLinks.taken),
and index.html written by a worker meanwhile, write the bytes one process writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.models import Verdict
from crawler.nightly.store import StateStore
from tests.nightly.state_helpers import DAY, Clock, crawl_night

# Run in a fresh process: workers are forked only while no other thread runs, and other
# tests leave threads behind. The machine's load is set aside: the test is about the bytes.
_REPORT_SCRIPT = """
import logging, os, sys
from datetime import UTC, datetime
from pathlib import Path

from crawler.config import Config
from crawler.issues.reading import collect_links
from crawler import cores
from crawler.nightly import stored_reports
from crawler.nightly.crawl import rebuild_reports
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.store import StateStore

folder, fork_from, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
logging.getLogger("crawler.cores").setLevel(logging.DEBUG)
logging.getLogger("crawler.cores").addHandler(logging.StreamHandler(sys.stdout))
os.cpu_count = lambda: 2
os.getloadavg = lambda: (0.0, 0.0, 0.0)
stored_reports.REPORT_CHUNK, cores.FORK_FROM_LINKS = 7, fork_from
occurrences, issues, _ = collect_links([folder / "issues"])
when = datetime(2024, 3, 9, 2, 0, tzinfo=UTC)
with StateStore.open_read_only(folder / "state.sqlite", clock=lambda: when) as store, PlanSpool.of(occurrences) as plan:
    rebuild_reports(store, plan, issues, Config(), out)
"""

FILES = ("index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json")


def _archive(folder: Path) -> None:
    """Three issues citing 120 links, some dead for several nights, one cited twice."""
    verdicts = {f"https://site{n % 9}.example/{n}": Verdict.BROKEN if n % 5 == 0 else Verdict.OK for n in range(120)}
    urls = list(verdicts)
    (folder / "issues").mkdir(parents=True)
    for number, day in enumerate(("2024-01-05", "2024-02-02", "2024-03-01")):
        lines = [f"- [第{n}条]({url})" for n, url in enumerate(urls[number::3])] + [f"See {urls[0]}"]
        (folder / "issues" / f"{day}-issue.md").write_text(f"# Issue {number}\n\n" + "\n".join(lines) + "\n")
    clock = Clock()
    with StateStore.open(folder / "state.sqlite", clock=clock) as store:
        for _ in range(3):
            crawl_night(store, verdicts)
            clock.now += DAY


def _report(folder: Path, fork_from: int, out: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_SCRIPT, str(folder), str(fork_from), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_the_state_read_by_two_processes_and_index_html_written_aside_give_the_reports_of_one(tmp_path: Path) -> None:
    _archive(tmp_path)

    alone = _report(tmp_path, 10**9, tmp_path / "alone")
    forked = _report(tmp_path, 0, tmp_path / "forked")

    assert "worker process" not in alone
    assert forked.splitlines() == ["1 worker process", "1 worker process aside"]  # the reading, then index.html
    for name in FILES:
        assert (tmp_path / "forked" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name
    assert b"https://site0.example/0" in (tmp_path / "forked" / "dead-links.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "forked" / "archive").iterdir()) == sorted(
        p.name for p in (tmp_path / "alone" / "archive").iterdir()
    )
