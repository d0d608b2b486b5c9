"""Dispatch in crawler/cli/main.py: one place maps errors to exit codes and prints each message once; -v logs."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

import crawler
import crawler.cli.main
from crawler.cli.main import COMMANDS, Command, main
from crawler.cli.nightly import DemoArguments
from crawler.errors import ChangesError, ConfigError, OfflineError, StateError
from tests.cli_helpers import rotwatch, rotwatch_command

REPO = Path(__file__).resolve().parents[2]


def test_public_names_are_pinned():
    assert sorted(crawler.cli.main.__all__) == [
        "AnyCommand",
        "COMMANDS",
        "Command",
        "arguments_of",
        "config_flags",
        "main",
    ]


def failing_with(error: BaseException) -> Command[DemoArguments]:
    def run(args: DemoArguments) -> int:
        raise error

    return Command(DemoArguments, run)


@pytest.mark.parametrize(
    "error, code",
    [
        (ConfigError("timeout: bad value"), 2),
        (ChangesError("--changed-since main: unknown revision"), 2),
        (StateError("another rotwatch crawl is using reports/state.sqlite (pid 7)"), 2),
        (OfflineError("this machine looks offline: web.archive.org does not resolve"), 3),
    ],
)
def test_errors_map_to_exit_codes_with_their_message_once(error, code, monkeypatch, capsys):
    monkeypatch.setitem(COMMANDS, "demo", failing_with(error))
    assert main(["demo"]) == code
    assert capsys.readouterr().err == f"rotwatch: {error}\n"


def test_ctrl_c_exits_130(monkeypatch, capsys):
    monkeypatch.setitem(COMMANDS, "demo", failing_with(KeyboardInterrupt()))
    assert main(["demo"]) == 130
    assert capsys.readouterr().err == "rotwatch: interrupted\n"


def test_an_unknown_setting_in_the_file_exits_2_before_reading_issues(tmp_path, monkeypatch, capsys):
    (tmp_path / "rotwatch.toml").write_text("concurency = 5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("unknown setting concurency") == 1
    assert "nowhere" not in err


def test_verbose_shows_debug_lines_of_crawler_loggers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["-v", "check", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert " DEBUG crawler.config: settings from no file" in err
    assert "rotwatch: nowhere: no such file or folder" in err


def test_without_verbose_no_debug_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "nowhere"]) == 2
    assert "DEBUG" not in capsys.readouterr().err


def test_verbose_after_the_command_in_a_real_process(tmp_path):
    run = rotwatch("check", "nowhere", "--verbose", cwd=tmp_path)
    assert run.returncode == 2
    assert " DEBUG crawler.cli.main: rotwatch " in run.stderr
    assert " DEBUG crawler.config: " in run.stderr
    assert "Traceback" not in run.stderr


def test_version_is_crawler_version(tmp_path):
    run = rotwatch("--version", cwd=tmp_path)
    assert run.stdout.strip() == f"rotwatch {crawler.__version__}"


def test_pyproject_reads_the_version_from_the_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "crawler.__version__"}


def test_rotwatch_alone_prints_the_help_with_the_exit_codes(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage: rotwatch" in err and "getting started:" in err
    assert "  3    offline: not even the canary host resolves" in err


@pytest.mark.parametrize("command", ["check", "crawl"])
def test_the_exit_codes_are_in_the_help_of_the_commands_that_check(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "3"):
        assert f"\n  {code}    " in out


def test_a_reader_that_goes_away_ends_rotwatch_quietly_with_141(tmp_path):
    """`rotwatch links issues/ | head -1`: the pipe closes while rotwatch still writes."""
    (tmp_path / "issues").mkdir()
    links = "".join(f"* [{n}](https://site{n % 40}.test/page/{n})\n" for n in range(5000))
    (tmp_path / "issues" / "a.md").write_text(links, encoding="utf-8")
    process = subprocess.Popen(
        rotwatch_command("links", "issues"), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b'{"url": ')
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""
