"""The command line: parse flags, call a command, map its errors to exit codes, in one place.

Each command is a function of a typed, frozen record of its arguments
(`CheckArguments`, ...), built here from argparse's namespace by field
name; a record with a `config` field gets the Config from the settings file
and whatever settings flags the command has. Errors meant for the user are
printed once, as one line, here and nowhere else: a `UsageError`
(configuration, --changed-since, state database) exits 2, an `OfflineError`
3 (nothing was checked or recorded: run again later), Ctrl-C 130, and a
reader of stdout that went away (`| head`) 141, quietly. Exit codes are
listed in `crawler.cli.exit_codes` and in `rotwatch --help`:

    0    nothing fails
    1    a link fails (broken, or a verdict named in --fail-on); save: a page was not saved
    2    usage or configuration error, or no issue could be read
    3    this machine looks offline: nothing was checked or recorded
    130  interrupted (Ctrl-C)
    141  the reader of the output went away (SIGPIPE)

`rotwatch` without a command prints the help (on stderr, exit 2) rather
than argparse's terse "the following arguments are required".
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from crawler import __version__
from crawler.cli import checking, nightly, save, scale
from crawler.cli.console import configure_logging, warn
from crawler.cli.exit_codes import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_OFFLINE, EXIT_USAGE
from crawler.cli.parser import build_parser
from crawler.config import Config, load_config
from crawler.errors import OfflineError, UsageError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["COMMANDS", "AnyCommand", "Command", "arguments_of", "config_flags", "main"]

log = logging.getLogger(__name__)

Arguments = TypeVar("Arguments", bound="DataclassInstance")


def config_flags(namespace: argparse.Namespace) -> dict[str, object]:
    """The settings flags the command has, by Config field name (None: not given)."""
    given = vars(namespace)
    return {name: given[name] for name in (setting.name for setting in fields(Config)) if name in given}


def arguments_of(record: type[Arguments], namespace: argparse.Namespace) -> Arguments:
    """The command's record from the namespace; its `config`, if it has one, loaded from file and flags."""
    names, given = [argument.name for argument in fields(record)], vars(namespace)
    values = {name: given[name] for name in names if name != "config"}
    if "config" in names:
        config_file: Path | None = given.get("config_file")
        values["config"] = load_config(config_flags(namespace), config_file)
    return record(**values)


@dataclass(frozen=True)
class Command(Generic[Arguments]):
    """A command: the record of its arguments, and the function that runs it."""

    arguments: type[Arguments]
    run: Callable[[Arguments], int]

    def __call__(self, namespace: argparse.Namespace) -> int:
        return self.run(arguments_of(self.arguments, namespace))


class AnyCommand(Protocol):
    """What dispatch needs of a Command, whatever its record."""

    @property
    def arguments(self) -> type[DataclassInstance]: ...

    def __call__(self, namespace: argparse.Namespace) -> int: ...


def _command(arguments: type[Arguments], run: Callable[[Arguments], int]) -> AnyCommand:
    return Command(arguments, run)


COMMANDS: Mapping[str, AnyCommand] = {
    "links": _command(checking.LinksArguments, checking.run_links),
    "check": _command(checking.CheckArguments, checking.run_check),
    "crawl": _command(nightly.CrawlArguments, nightly.run_crawl),
    "report": _command(nightly.ReportArguments, nightly.run_report),
    "history": _command(nightly.HistoryArguments, nightly.run_history),
    "demo": _command(nightly.DemoArguments, nightly.run_demo),
    "save": _command(save.SaveArguments, save.run_save),
    "merge": _command(scale.MergeArguments, scale.run_merge),
}


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not arguments:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    namespace = parser.parse_args(arguments)
    verbose: bool = namespace.verbose
    configure_logging(verbose)
    log.debug("rotwatch %s %s", __version__, namespace.command)
    try:
        code = COMMANDS[namespace.command](namespace)
        sys.stdout.flush()  # a broken pipe surfaces here, not at interpreter exit
        return code
    except UsageError as exc:
        warn(str(exc))
        return EXIT_USAGE
    except OfflineError as exc:
        warn(str(exc))
        return EXIT_OFFLINE
    except KeyboardInterrupt:
        warn("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE


def _stdout_to_devnull() -> None:
    """After a broken pipe, the rest of stdout goes nowhere, so Python's flush at exit cannot fail again.

    The recipe of Python's `signal` documentation (note on SIGPIPE).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing to redirect
        pass


if __name__ == "__main__":
    sys.exit(main())
