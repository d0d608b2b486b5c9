"""An offline machine: the canary host decides, every format says so once, exit 3, nothing recorded.

Offline is made for real and without the network: the canary host is under
`.invalid` (RFC 6761: never resolves; the resolver answers at once), and
--resolve maps some other name, so the lookup goes through the same
resolver, map and all, as the crawl's. Online is a canary that --resolve
maps to loopback.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from crawler.config import load_config, scrapy_overrides
from crawler.errors import OfflineError
from crawler.fetch.runner import base_settings
from crawler.issues.reading import collect_links
from crawler.nightly.crawl import crawl
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec
from tests.cli_helpers import loopback_flags, rotwatch

REPO = Path(__file__).resolve().parents[2]
HOSTS = [HostSpec("news.test", latency=0.01)]
OFFLINE = ["--canary-host", "offline.invalid", "--resolve", "unrelated.test=127.0.0.1"]
CANARY_UP = ["--canary-host", "canary.test", "--resolve", "canary.test=127.0.0.1"]


@pytest.fixture
def newsletter(tmp_path: Path) -> Path:
    """The repository's own issue of 34 links, as an offline CI runner sees it."""
    (tmp_path / "issues").mkdir()
    issue = REPO / "issues" / "2024-03-27-ai-deca-show.md"
    (tmp_path / "issues" / issue.name).write_bytes(issue.read_bytes())
    return tmp_path


def test_offline_github_gives_one_warning_and_no_error_annotation(newsletter):
    run = rotwatch("check", "issues", "--format", "github", *OFFLINE, cwd=newsletter)
    assert run.returncode == 3, run.stderr
    assert "::error" not in run.stdout
    (warning,) = run.stdout.splitlines()
    assert warning.startswith("::warning title=rotwatch%3A nothing checked::this machine looks offline")
    assert "offline.invalid does not resolve" in warning
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_offline_json_says_offline_and_judges_no_link(newsletter):
    run = rotwatch("check", "issues", "--format", "json", *OFFLINE, cwd=newsletter)
    assert run.returncode == 3
    report = json.loads(run.stdout)
    assert report["offline"] is True and report["links"] == []
    assert set(report["summary"].values()) == {0}
    assert "offline.invalid does not resolve" in report["message"]


def test_offline_sarif_is_an_unsuccessful_invocation_without_results(newsletter):
    run = rotwatch("check", "issues", "--format", "sarif", *OFFLINE, cwd=newsletter)
    assert run.returncode == 3
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(run.stdout))
    (sarif_run,) = json.loads(run.stdout)["runs"]
    assert sarif_run["results"] == []
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert "looks offline" in notification["message"]["text"]


def test_offline_junit_is_one_error_saying_nothing_was_checked(newsletter):
    run = rotwatch("check", "issues", "--format", "junit", "--output", "junit.xml", *OFFLINE, cwd=newsletter)
    assert run.returncode == 3
    root = ET.parse(newsletter / "junit.xml").getroot()
    (suite,) = root.findall("testsuite")
    (case,) = suite.findall("testcase")
    (error,) = case.findall("error")
    assert "looks offline" in error.get("message") and error.text == "nothing was checked"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "1")
    assert "looks offline" in run.stderr  # the report went to a file: the message is on stderr too


@pytest.mark.parametrize("format", ["markdown", "table"])
def test_offline_markdown_and_table_are_one_line(newsletter, format):
    run = rotwatch("check", "issues", "--format", format, *OFFLINE, cwd=newsletter)
    assert run.returncode == 3
    assert run.stdout.count("\n") == 1 and "looks offline" in run.stdout
    assert run.stderr == ""  # the one line is on stdout, the report's place


def test_a_link_to_a_name_that_is_gone_is_broken_when_the_canary_resolves(tmp_path, web):
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_text(f"<{web.nxdomain_url()}>\n", encoding="utf-8")
    run = rotwatch("check", "issues", "--format", "json", *loopback_flags(web), cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    (link,) = json.loads(run.stdout)["links"]
    assert link["verdict"] == "broken"


def test_links_that_all_fail_to_resolve_are_broken_when_the_canary_still_resolves(tmp_path):
    """Every result looks offline, so the canary is asked again: it resolves, so the names are really gone."""
    (tmp_path / "issues").mkdir()
    links = "".join(f"* <https://gone{n}.invalid/page>\n" for n in range(5))
    (tmp_path / "issues" / "a.md").write_text(links, encoding="utf-8")
    run = rotwatch("check", "issues", "--format", "json", *CANARY_UP, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert {link["verdict"] for link in json.loads(run.stdout)["links"]} == {"broken"}


def test_an_issue_without_links_needs_no_network(tmp_path):
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_text("# no links here\n", encoding="utf-8")
    run = rotwatch("check", "issues", "--format", "json", *OFFLINE, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def reports_files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_an_offline_first_night_creates_no_file(newsletter):
    run = rotwatch("crawl", *OFFLINE, cwd=newsletter)
    assert run.returncode == 3, run.stderr
    assert "looks offline" in run.stderr and "nothing was checked or recorded" in run.stderr
    assert run.stderr.count("\n") == 1 and run.stdout == ""
    assert not (newsletter / "reports").exists()


def test_an_offline_night_leaves_the_state_byte_for_byte(tmp_path, web):
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "2024-01-01-a.md").write_text(
        f"* <{web.scenario_url('ok-utf8', 'news.test')}>\n* <{web.scenario_url('not-found', 'news.test')}>\n",
        encoding="utf-8",
    )
    first = rotwatch("crawl", "--no-archive", *loopback_flags(web), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = reports_files(tmp_path / "reports")
    offline = rotwatch("crawl", "--no-archive", "--full", *loopback_flags(web), *OFFLINE, cwd=tmp_path)
    assert offline.returncode == 3, offline.stderr
    assert reports_files(tmp_path / "reports") == before


def test_a_crawl_whose_results_all_fail_dns_asks_the_canary_again_and_records_nothing(tmp_path, reactor_thread):
    """Past the first canary (crawl() is called directly), every result failed DNS and the canary still does."""
    (tmp_path / "issues").mkdir()
    links = "".join(f"* <https://site{n}.invalid/a>\n" for n in range(5))
    (tmp_path / "issues" / "2024-01-01-a.md").write_text(links, encoding="utf-8")
    config = load_config({"canary_host": "offline.invalid", "archive": False}, cwd=tmp_path)
    occurrences, issues, _ = collect_links([tmp_path / "issues"])
    state = tmp_path / "state.sqlite"
    with (
        StateStore.open(state, policy=policy_of(config)) as store,
        PlanSpool.of(occurrences, config.exclude_patterns) as plan,
    ):
        with pytest.raises(OfflineError, match=r"offline\.invalid does not resolve"):
            reactor_thread.run(
                lambda: crawl(store, plan, issues, base_settings(scrapy_overrides(config)), config, tmp_path / "r")
            )
        assert all(store.history(f"https://site{n}.invalid/a").last_verdict is None for n in range(5))
