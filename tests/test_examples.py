"""The example workflows in examples/: the nightly one keeps its memory from one night to the next.

The restore and save steps of examples/nightly.yml run here verbatim (bash, git) against a
bare repository standing in for the Git host; only the crawl step gets the flags that point
it at the simulated web. The second night, in a fresh clone, must find the first night's
state: it checks no link (all were checked moments ago) instead of checking them all again.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from crawler.simweb import HostSpec, SimWeb
from tests.cli_helpers import archive_flags, loopback_flags, rotwatch

EXAMPLES = Path(__file__).parents[1] / "examples"
HOSTS = [HostSpec("news.test", 0.01)]


def steps(workflow: str) -> dict[str, str]:
    """The `run:` script of every named step of an example workflow."""
    document = yaml.safe_load((EXAMPLES / workflow).read_text(encoding="utf-8"))
    return {
        step["name"]: step["run"] for step in document["jobs"]["crawl"]["steps"] if "name" in step and "run" in step
    }


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def run_step(script: str, cwd: Path) -> None:
    env = {**os.environ, "STATE_BRANCH": "rotwatch-state", "GITHUB_RUN_ID": "1"}
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, check=True, capture_output=True)


def newsletter_repository(tmp_path: Path, web: SimWeb) -> Path:
    """A bare 'origin' holding a newsletter with two links on the simulated web."""
    origin = tmp_path / "origin.git"
    git("init", "-q", "--bare", str(origin), cwd=tmp_path)
    seed = tmp_path / "seed"
    git("clone", "-q", str(origin), str(seed), cwd=tmp_path)
    (seed / "issues").mkdir()
    (seed / "issues" / "2024-03-27-weekly.md").write_text(
        f"* [ok]({web.scenario_url('ok-utf8', 'news.test')})\n* [gone]({web.scenario_url('not-found', 'news.test')})\n",
        encoding="utf-8",
    )
    git("add", ".", cwd=seed)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "issues", cwd=seed)
    git("push", "-q", "origin", "HEAD:main", cwd=seed)
    return origin


def night(tmp_path: Path, origin: Path, web: SimWeb, name: str) -> str:
    """One run of the workflow in a fresh clone: restore, crawl, save. Returns the crawl's output."""
    clone = tmp_path / name
    git("clone", "-q", "-b", "main", str(origin), str(clone), cwd=tmp_path)
    scripts = steps("nightly.yml")
    run_step(scripts["Restore the state"], clone)
    crawl = rotwatch(
        "crawl",
        "issues/",
        "--state",
        "reports/state.sqlite",
        "--reports",
        "reports/",
        *loopback_flags(web),
        *archive_flags(web),
        cwd=clone,
    )
    assert crawl.returncode == 0, crawl.stderr
    run_step(scripts["Save the state"], clone)
    return crawl.stdout


def test_the_second_night_remembers_the_first(tmp_path, web):
    origin = newsletter_repository(tmp_path, web)
    first = night(tmp_path, origin, web, "night1")
    assert "checked 2 links" in first
    assert "newly dead: 1" in first
    second = night(tmp_path, origin, web, "night2")
    assert "checked 0 links" in second
    assert "newly dead: 0" in second
    assert git("ls-tree", "--name-only", "rotwatch-state", cwd=origin).split() == ["state.sqlite"]
    assert git("rev-list", "--count", "rotwatch-state", cwd=origin).strip() == "1"  # replaced, never grows


def test_the_state_stays_out_of_the_committed_reports():
    ignored = (EXAMPLES.parent / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "reports/state.sqlite*" in ignored
