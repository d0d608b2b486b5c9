"""The command line's parser: each command with its flags, the settings' flags built from Config.

A setting's flag is generated from its `crawler.config.Config` field: the
name gives `--name` (dest: the field name), the default's type gives the
value's type, the field's `Setting` gives help, metavar and shape, and the
help ends with the default. The flag's own default is None, "not given", so
the configuration file's value stands unless the flag is given
(`crawler.config.load_config`). A setting that is off by default becomes a
switch (`--robots`); one that is on, its `--no-` form (`--no-archive`).
Flags that are not settings (`--config`, `--state`, `--reports`, `--lang`,
paths, `-v`) are each defined once here and added to every command that
takes them.

`-v/--verbose` is accepted before or after the command: the top-level flag
defaults to off, the command's copy has no default (SUPPRESS), so a command
never resets what was given before it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import Field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import __version__
from crawler.cli.exit_codes import EXIT_CODES_HELP
from crawler.config import Config, FlagScope, flag_of, setting_of, shown_default

__all__ = ["CHECK_FORMATS", "DEFAULT_ISSUES", "LANGUAGES", "LINK_FORMATS", "build_parser", "setting_flag"]

CHECK_FORMATS = ("table", "json", "markdown", "github", "junit", "sarif")
LINK_FORMATS = ("jsonl", "table")
LANGUAGES = ("en", "zh")  # of index.html
DEFAULT_ISSUES = "issues"
DEFAULT_STATE = Path("reports/state.sqlite")
DEFAULT_REPORTS = Path("reports")
GETTING_STARTED = """getting started:
  rotwatch demo            the whole job on a simulated web, offline
  rotwatch links issues/   the links found in your issues
  rotwatch check issues/   check them once (for CI: rotwatch check -h)
  rotwatch crawl           the nightly job over issues/, reports in reports/
"""

if TYPE_CHECKING:
    from typing import TypeAlias

    Options: TypeAlias = argparse.ArgumentParser | argparse._ArgumentGroup
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def setting_flag(config_field: Field[Any]) -> str:
    """The option a setting is given with: Setting.flag, else --field-name."""
    return flag_of(config_field.name)


def _setting_help(config_field: Field[Any]) -> str:
    setting = setting_of(config_field)
    repeatable = "repeatable, " if setting.repeatable else ""
    return f"{setting.help} ({repeatable}default {shown_default(config_field)})".replace("%", "%%")


def _value_type(default: object) -> Callable[[str], object]:
    """argparse's converter for a setting, so `--timeout soon` fails as argparse fails (exit 2)."""
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    return str  # text, or a list the configuration splits


def _add_setting(options: Options, config_field: Field[Any]) -> None:
    """One setting's flag, shaped by its Setting and its default."""
    setting, default = setting_of(config_field), config_field.default
    flag, name, help_text = setting_flag(config_field), config_field.name, _setting_help(config_field)
    if isinstance(default, bool):
        action = "store_false" if default else "store_true"
        options.add_argument(flag, dest=name, action=action, default=None, help=help_text)
    elif setting.repeatable:
        options.add_argument(flag, dest=name, action="append", metavar=setting.metavar, help=help_text)
    elif setting.bare_value is not None:
        options.add_argument(
            flag, dest=name, nargs="?", const=setting.bare_value, metavar=setting.metavar, help=help_text
        )
    else:
        options.add_argument(flag, dest=name, type=_value_type(default), metavar=setting.metavar, help=help_text)


def _add_settings(options: Options, scope: FlagScope) -> None:
    for config_field in fields(Config):
        if setting_of(config_field).scope is scope:
            _add_setting(options, config_field)


def _add_config_file(options: Options) -> None:
    options.add_argument(
        "--config",
        dest="config_file",
        type=Path,
        metavar="FILE",
        help="settings file (default: rotwatch.toml, pyproject.toml)",
    )


def _add_checking(parser: argparse.ArgumentParser) -> None:
    """The flags of every command that checks links."""
    group = parser.add_argument_group("checking")
    _add_settings(group, FlagScope.CHECKING)
    _add_config_file(group)


def _add_verbose(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="log rotwatch's decisions (DEBUG) and Scrapy's warnings on stderr; before or after COMMAND",
    )


def _add_paths(parser: argparse.ArgumentParser, nightly: bool = False) -> None:
    if nightly:
        parser.add_argument(
            "paths",
            nargs="*",
            default=[DEFAULT_ISSUES],
            metavar="PATH",
            help="issue files, or folders searched for .md and .markdown files (default: issues/)",
        )
    else:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="issue files, or folders searched for .md and .markdown files"
        )


def _add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state", type=Path, default=DEFAULT_STATE, metavar="DB", help="state database (default reports/state.sqlite)"
    )


def _add_reports_and_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reports",
        type=Path,
        default=DEFAULT_REPORTS,
        metavar="DIR",
        help="where reports and archival copies go (default reports/)",
    )
    _add_lang(parser)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of index.html (default en)")


def _command(commands: Commands, name: str, help_text: str, epilog: str | None = None) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name, help=help_text, description=help_text, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _add_verbose(parser, argparse.SUPPRESS)
    return parser


def _add_checking_commands(commands: Commands) -> None:
    links = _command(commands, "links", "list every link occurrence in the issues")
    _add_paths(links)
    links.add_argument(
        "--format", choices=LINK_FORMATS, default="jsonl", help="output format (default jsonl: one JSON object a line)"
    )
    links.add_argument("--all", action="store_true", help="include links that are not http(s)")

    check = _command(commands, "check", "check links once (for CI); exit 1 when one is broken", EXIT_CODES_HELP)
    _add_paths(check)
    check.add_argument("--format", choices=CHECK_FORMATS, default="table", help="report format (default table)")
    check.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    _add_settings(check, FlagScope.CHECK)
    check.add_argument("--changed-since", metavar="GIT_REF", help="only links on lines added since GIT_REF")
    check.add_argument("--suggest", action="store_true", help="look up archive captures for failing links")
    _add_checking(check)


def _add_nightly_commands(commands: Commands) -> None:
    crawl = _command(
        commands, "crawl", "the nightly crawl: check what is due, mend dead links, write reports", EXIT_CODES_HELP
    )
    _add_paths(crawl, nightly=True)
    _add_state(crawl)
    _add_reports_and_lang(crawl)
    crawl.add_argument("--full", action="store_true", help="recheck every link, whatever its schedule")
    crawl.add_argument("--save-live", action="store_true", help="ask Save Page Now to capture live links (slow)")
    crawl.add_argument(
        "--shard",
        metavar="K/N",
        help="check only the sites of shard K of N (one machine of N); no archive lookups: run them after `merge`",
    )
    _add_checking(crawl)

    merge = _command(
        commands, "merge", "fold the states of a crawl split with --shard into one state (the newest check wins)"
    )
    merge.add_argument("shards", nargs="+", type=Path, metavar="STATE", help="the shards' state databases")
    _add_state(merge)

    report = _command(commands, "report", "rebuild every report from the state database (no network)")
    _add_paths(report, nightly=True)
    _add_state(report)
    _add_reports_and_lang(report)
    _add_config_file(report)

    history = _command(commands, "history", "print the story of one link from the state database")
    history.add_argument("url", metavar="URL", help="the link as an issue writes it")
    _add_state(history)
    _add_config_file(history)

    demo = _command(commands, "demo", "a crawl of a small simulated archive, no network needed")
    _add_lang(demo)


def _add_save_command(commands: Commands) -> None:
    from crawler.wayback.save import SAVE_INTERVAL

    save = _command(commands, "save", "ask the Wayback Machine to capture pages now (Save Page Now)")
    save.add_argument("urls", nargs="+", metavar="URL", help="pages to capture, http(s) only")
    save.add_argument(
        "--interval",
        type=float,
        default=SAVE_INTERVAL,
        metavar="S",
        help=f"seconds between captures (default {SAVE_INTERVAL:g})",
    )
    (user_agent,) = (config_field for config_field in fields(Config) if config_field.name == "user_agent")
    _add_setting(save, user_agent)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rotwatch",
        description="Keeps a newsletter archive's links alive.",
        epilog=f"{GETTING_STARTED}\n{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rotwatch {__version__}")
    _add_verbose(parser, False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_checking_commands(commands)
    _add_nightly_commands(commands)
    _add_save_command(commands)
    return parser
