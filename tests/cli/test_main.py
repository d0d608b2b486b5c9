"""Dispatch in crawler/cli/main.py: one place maps errors to exit codes and prints each message once; -v logs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import crawler
import crawler.cli.main
from crawler.cli.main import COMMANDS, Command, main
from crawler.cli.nightly import DemoArguments
from crawler.errors import ChangesError, ConfigError, OfflineError, StateError
from tests.cli_helpers import rotwatch

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
        (OfflineError("no host name resolved: is this machine offline?"), 1),
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
    assert "rotwatch: no issue could be read" in err


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
