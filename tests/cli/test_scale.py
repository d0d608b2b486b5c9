"""Scaling out by site through the command line: three `crawl --shard K/3`, `merge`, then one `crawl`
that checks nothing again and asks the archive once (crawler/cli/scale.py, crawl --shard)."""

from __future__ import annotations

import json

from crawler.simweb import HostSpec
from tests.cli_helpers import archive_flags, loopback_flags, rotwatch

# Served to this module by the `web` fixture in conftest.py: 1, 4 and 3 sites per shard.
HOSTS = [HostSpec(f"site{n}.test", 0.005) for n in range(1, 9)]


def test_three_shards_merged_then_one_crawl_mends_and_reports(tmp_path, web, wayback):
    issues = tmp_path / "issues"
    issues.mkdir()
    lines = [
        f"* [{n}]({web.scenario_url(name, host.name)})" for n, host in enumerate(HOSTS) for name in ("ok-utf8", "gone")
    ]
    (issues / "2024-03-27-weekly.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wayback.add_capture(web.scenario_url("gone", "site3.test"), "20240301000000", title="Was here")
    flags = [*loopback_flags(web), *archive_flags(web)]
    shards = []
    for k in (1, 2, 3):
        state = tmp_path / f"shard{k}.sqlite"
        run = rotwatch(
            "crawl",
            "issues",
            "--shard",
            f"{k}/3",
            "--state",
            str(state),
            "--reports",
            str(tmp_path / f"r{k}"),
            *flags,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        shards.append(str(state))
    assert web.log.records(host="archive.test") == []  # shards never ask the archive

    merged = rotwatch("merge", *shards, "--state", "reports/state.sqlite", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    told = merged.stdout.splitlines()[1:4]  # a line per shard, in the order given
    assert [line.strip().split(": ")[0] for line in told] == shards
    assert all(line.endswith("newer checks taken") for line in told), told
    final = rotwatch("crawl", "issues", *flags, cwd=tmp_path)
    assert final.returncode == 0, final.stderr
    assert "checked 0 links" in final.stdout
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["broken"] == len(HOSTS)
    assert report["summary"]["ok"] == len(HOSTS)
    assert len(report["diff"]["newly_dead"]) == len(HOSTS)
    captured = [link for link in report["links"] if link["archive"]]
    assert [link["url"] for link in captured] == [web.scenario_url("gone", "site3.test")]


def test_a_shard_whose_crawl_never_finished_is_named(tmp_path):
    from crawler.nightly.store import StateStore

    stopped = tmp_path / "stopped.sqlite"
    with StateStore.open(stopped) as store:
        store.begin_run({})  # killed before it finished
    merged = rotwatch("merge", str(stopped), "--state", "merged.sqlite", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert f"{stopped}: nothing taken: its crawl never finished" in merged.stdout


def test_a_bad_shard_is_a_usage_error(tmp_path):
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_text("* <https://example.com/>\n", encoding="utf-8")
    run = rotwatch("crawl", "issues", "--shard", "4/3", cwd=tmp_path)
    assert run.returncode == 2
    assert "--shard 4/3: expected K/N" in run.stderr
