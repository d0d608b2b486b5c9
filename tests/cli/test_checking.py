"""`rotwatch check` end to end: a real process, real crawls, the simulated web."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from crawler.simweb import HostSpec, SimWeb
from tests.cli_helpers import archive_flags, loopback_flags, rotwatch

REPO = Path(__file__).resolve().parents[2]
# Served to this module by the `web` fixture in conftest.py.
HOSTS = [HostSpec("news.test", latency=0.01), HostSpec("blog.test", latency=0.02)]


def check_flags(web: SimWeb) -> list[str]:
    """The loopback flags, with a short timeout and no retries so that failing links fail fast."""
    return [*loopback_flags(web), "--timeout", "3", "--retries", "0"]


def write_issue(folder: Path, name: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path, web):
    write_issue(
        tmp_path / "issues",
        "2024-03-27-weekly.md",
        [
            "# 本周",
            f"* 好文章 [链接]({web.scenario_url('ok-utf8', 'news.test')})",
            f"* 已删除 [链接]({web.scenario_url('not-found', 'news.test')})",
            f"* 搬家了 [链接]({web.scenario_url('moved-301', 'blog.test')})",
            f"* 拒绝机器人 [链接]({web.scenario_url('forbidden', 'blog.test')})",
        ],
    )
    write_issue(tmp_path / "issues", "2024-04-03-weekly.md", [f"见 {web.scenario_url('ok-utf8', 'news.test')}"])
    return tmp_path


def test_json_report_and_exit_code_1_for_a_broken_link(archive, web):
    run = rotwatch("check", "issues", "--format", "json", *check_flags(web), cwd=archive)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    verdicts = {link["url"].rsplit("/", 1)[1]: link["verdict"] for link in report["links"]}
    assert verdicts == {"ok-utf8": "ok", "not-found": "broken", "moved-301": "redirected", "forbidden": "blocked"}
    ok = next(link for link in report["links"] if link["url"].endswith("ok-utf8"))
    assert [o["issue"] for o in ok["occurrences"]] == ["issues/2024-03-27-weekly.md", "issues/2024-04-03-weekly.md"]
    assert ok["title"] == "人工智能 & 机器人 周刊"
    assert report["summary"]["broken"] == 1
    assert "4 links: 1 ok, 1 redirected, 1 broken, 1 blocked" in run.stderr
    assert "Traceback" not in run.stderr


def test_each_unique_url_is_requested_once_however_often_it_is_cited(archive, web):
    web.log.clear()
    rotwatch("check", "issues", "--format", "json", *check_flags(web), cwd=archive)
    assert web.log.count(web.scenario_url("ok-utf8", "news.test")) == 1


def test_github_annotations_point_at_the_line(archive, web):
    run = rotwatch("check", "issues", "--format", "github", *check_flags(web), cwd=archive)
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error file=issues/2024-03-27-weekly.md,line=3,col=")


def test_junit_and_sarif_files_via_output(archive, web):
    rotwatch("check", "issues", "--format", "junit", "--output", "out/junit.xml", *check_flags(web), cwd=archive)
    root = ET.parse(archive / "out" / "junit.xml").getroot()
    assert int(root.get("tests")) == 5 and int(root.get("failures")) == 1
    rotwatch("check", "issues", "--format", "sarif", "--output", "out/r.sarif", *check_flags(web), cwd=archive)
    sarif = json.loads((archive / "out" / "r.sarif").read_text(encoding="utf-8"))
    errors = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert errors[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_fail_on_widens_what_fails(tmp_path, web):
    write_issue(tmp_path / "issues", "a.md", [f"<{web.scenario_url('forbidden', 'news.test')}>"])
    assert rotwatch("check", "issues", *check_flags(web), cwd=tmp_path).returncode == 0
    widened = rotwatch("check", "issues", "--fail-on", "broken,blocked", *check_flags(web), cwd=tmp_path)
    assert widened.returncode == 1


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_changed_since_checks_only_added_lines(tmp_path, web):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "ci@example.com")
    git(tmp_path, "config", "user.name", "ci")
    old_rot = f"* old [x]({web.scenario_url('gone', 'news.test')})"
    issue = write_issue(tmp_path / "issues", "a.md", ["# a", old_rot])
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    issue.write_text(f"# a\n{old_rot}\n* new [y]({web.scenario_url('ok-utf8', 'news.test')})\n", encoding="utf-8")
    clean = rotwatch("check", "issues", "--changed-since", "HEAD", "--format", "json", *check_flags(web), cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert [link["url"] for link in json.loads(clean.stdout)["links"]] == [web.scenario_url("ok-utf8", "news.test")]
    with issue.open("a", encoding="utf-8") as handle:
        handle.write(f"* bad [z]({web.scenario_url('not-found', 'news.test')})\n")
    assert rotwatch("check", "issues", "--changed-since", "HEAD", *check_flags(web), cwd=tmp_path).returncode == 1


def test_loopback_is_refused_without_allow_private(tmp_path, web):
    write_issue(tmp_path / "issues", "a.md", [f"<{web.scenario_url('ok-utf8', 'news.test')}>"])
    web.log.clear()
    flags = [flag for flag in check_flags(web) if flag not in ("--allow-private", "127.0.0.0/8")]
    run = rotwatch("check", "issues", "--format", "json", *flags, cwd=tmp_path)
    (link,) = json.loads(run.stdout)["links"]
    assert link["verdict"] == "skipped" and "loopback" in link["error"]
    assert run.returncode == 0
    assert web.log.records(host="news.test") == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "nowhere"], "nowhere"),
        (["check", "issues", "--fail-on", "maybe"], "unknown verdict maybe"),
        (["check", "issues", "--allow-private", "10.0.0.0/99"], "not an address range"),
        (["check", "issues", "--changed-since", "no-such-ref"], "--changed-since no-such-ref"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(archive, args, message):
    run = rotwatch(*args, cwd=archive)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_suggest_attaches_a_verified_capture_to_a_broken_link(archive, web, wayback):
    dead = web.scenario_url("not-found", "news.test")
    wayback.add_capture(dead, "20240320101010", title="The article as it was")
    flags = [*check_flags(web), *archive_flags(web)]
    run = rotwatch("check", "issues", "--format", "json", "--suggest", *flags, cwd=archive)
    (link,) = [link for link in json.loads(run.stdout)["links"] if link["verdict"] == "broken"]
    assert link["archive"] == {
        "url": f"{web.archive_endpoint}/web/20240320101010/{dead}",
        "timestamp": "20240320101010",
        "archive": "wayback",
    }


def test_public_names_are_pinned():
    import crawler.cli.checking

    assert sorted(crawler.cli.checking.__all__) == [
        "CheckArguments",
        "LinksArguments",
        "run_check",
        "run_links",
    ]


USER_RULE = """
[[rule]]
name = "weekly-is-retired"
hosts = ["news.test"]
title = "机器人 周刊"
verdict = "broken"
reason = "our weekly moved; this page is its retired copy"
"""


def test_a_users_rule_decides_the_verdict_of_a_check(archive, web):
    (archive / "my-rules.toml").write_text(USER_RULE, encoding="utf-8")
    run = rotwatch("check", "issues", "--format", "json", "--rules", "my-rules.toml", *check_flags(web), cwd=archive)
    ok = next(link for link in json.loads(run.stdout)["links"] if link["url"].endswith("ok-utf8"))
    assert (ok["verdict"], ok["reason"]) == ("broken", "our weekly moved; this page is its retired copy")
    assert run.returncode == 1


def test_a_bad_rules_file_exits_2_with_the_loaders_message(archive, web):
    (archive / "rotwatch.toml").write_text('rules = "my-rules.toml"\n', encoding="utf-8")
    (archive / "my-rules.toml").write_text(USER_RULE.replace('hosts = ["news.test"]', "hosts = []"), encoding="utf-8")
    run = rotwatch("check", "issues", *check_flags(web), cwd=archive)
    assert run.returncode == 2
    assert "my-rules.toml: rule 1" in run.stderr and "hosts" in run.stderr
    assert run.stderr.count("\n") == 1


def test_the_github_summary_line_is_written_once(archive, web):
    run = rotwatch("check", "issues", "--format", "github", *check_flags(web), cwd=archive)
    assert (run.stdout + run.stderr).count("4 links: ") == 1


def test_a_piped_links_table_keeps_every_url_whole(tmp_path):
    url = "https://example.com/" + "/".join(f"segment-{n}" for n in range(30))
    write_issue(tmp_path / "issues", "a.md", [f"* [a long one]({url})"])
    run = rotwatch("links", "issues", "--format", "table", cwd=tmp_path)
    assert run.returncode == 0
    assert url in run.stdout


def test_links_in_an_empty_folder_says_so(tmp_path):
    (tmp_path / "drafts").mkdir()
    run = rotwatch("links", "drafts", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr == "rotwatch: no .md or .markdown files under drafts\n"
