"""One Config from `[tool.rotwatch]` / `rotwatch.toml` and the flags.

Defaults live here and in `crawler.settings`; a project sets its own in
`[tool.rotwatch]` of its pyproject.toml or in rotwatch.toml, and flags
override both. Errors are `ConfigError` with a message fit for the user
(the command line exits with code 2) that names the value as the user
gave it: the flag (`--concurrency -3`), or the key in its file
(`rotwatch.toml: concurrency = -3`), each value of a list on its own.

`Config` is the one list of settings: a field's name is its
`[tool.rotwatch]` key, its type says how a file or flag value is read, and
its metadata (a `Setting`) holds the help text, the flag's spelling where it
is not `--field-name`, and which commands have the flag. The command line
builds its flags from these fields (`crawler.cli.parser`), so a new setting
is one new field and a flag, a key and a help line with its default agree
by construction.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, field, fields, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, get_type_hints
from urllib.parse import urlsplit

from crawler.check.site_rules import SiteRule, load_rules
from crawler.config_values import host_address, is_address, problem_with
from crawler.errors import ConfigError
from crawler.fetch.addresses import parse_allowed_networks
from crawler.models import Verdict
from crawler.wayback.archives import DEFAULT_ARCHIVES, MementoArchive, archives_named
from crawler.wayback.pace import BUDGET_HELP, SAVE_HELP

__all__ = [
    "Config",
    "FlagScope",
    "Setting",
    "flag_of",
    "load_config",
    "scrapy_overrides",
    "setting_of",
    "shown_default",
]

log = logging.getLogger(__name__)

DEFAULT_ARCHIVE_ENDPOINT = "https://web.archive.org"
DEFAULT_CANARY = "web.archive.org"  # when the archive endpoint is an address (crawler.fetch.canary says why)
_SETTING = "rotwatch"  # the metadata key of a Config field's Setting
T = TypeVar("T")


class FlagScope(StrEnum):
    """Which commands take a setting as a flag."""

    CHECKING = "checking"  # every command that checks links (check, crawl), in their "checking" group
    CHECK = "check"  # `rotwatch check` alone
    FILE = "file"  # no flag: the configuration file only (Setting.why_no_flag says why)


@dataclass(frozen=True)
class Setting:
    """How a Config field is explained and spelled on the command line."""

    help: str
    metavar: str | None = None
    default_text: str | None = None  # the default in words, where the value alone says nothing useful
    flag: str | None = None  # the option when it is not --field-name, e.g. --no-archive
    repeatable: bool = False  # the flag may be given again, each value added (action="append")
    bare_value: str | None = None  # the value of the flag given without one (an optional value)
    scope: FlagScope = FlagScope.CHECKING
    why_no_flag: str = ""  # for scope FILE


def _described(default: T, setting: Setting) -> T:
    """A Config field with its default and its Setting."""
    return field(default=default, metadata={_SETTING: setting})


_STATE_POLICY = "the state database's policy: one value per archive, so every crawl judges links alike"


@dataclass(frozen=True)
class Config:
    """Everything a run is told; field names are the `[tool.rotwatch]` keys."""

    concurrency: int = _described(32, Setting("requests in flight in total", metavar="N"))
    per_host: int = _described(4, Setting("requests in flight per site", metavar="N"))  # site: registered domain
    per_host_delay: float = _described(0.0, Setting("seconds between requests to one site", metavar="S"))
    timeout: float = _described(20.0, Setting("seconds for one response", metavar="S"))
    retries: int = _described(2, Setting("retries of resets and 5xx, and the most a timeout gets", metavar="N"))
    user_agent: str | None = _described(None, Setting("User-Agent header", metavar="UA", default_text="names rotwatch"))
    robots: bool = _described(False, Setting("obey robots.txt", default_text="off: see README"))
    allow_private: str | None = _described(  # None: refuse; "": allow all; "CIDR,...": those ranges
        None,
        Setting(
            "allow private, loopback and link-local addresses: all, or only these ranges",
            metavar="CIDR[,CIDR]",
            default_text="refused",
            bare_value="",
        ),
    )
    exclude: tuple[str, ...] = _described(  # regular expressions matched against URLs
        (), Setting("skip URLs matching REGEX", metavar="REGEX", repeatable=True)
    )
    archive_endpoint: str = _described(DEFAULT_ARCHIVE_ENDPOINT, Setting("Wayback-compatible server", metavar="URL"))
    archive: bool = _described(True, Setting("no archive lookups", flag="--no-archive", default_text="lookups on"))
    archive_rate: float = _described(24.0, Setting("archive queries (CDX, availability) per minute", metavar="N"))
    archive_playback_rate: float = _described(480.0, Setting("archive capture verifications per minute", metavar="N"))
    archive_budget: float = _described(0.0, Setting(BUDGET_HELP, metavar="MINUTES", default_text="no limit"))
    save_max_age_days: float = _described(365.0, Setting(SAVE_HELP, scope=FlagScope.FILE, why_no_flag=_STATE_POLICY))
    drift_rewrite: str = _described(  # crawler.nightly.drift_rules.DriftRewrite
        "takeover",
        Setting(
            "drifted links the archival copy points at their capture: takeover (gambling, adult, parked), all, off",
            metavar="takeover|all|off",
        ),
    )
    fail_on: tuple[str, ...] = _described(
        (Verdict.BROKEN.value,),
        Setting("verdicts that fail the run", metavar="VERDICT[,VERDICT]", scope=FlagScope.CHECK),
    )
    recheck_days: float = _described(
        3.0, Setting("days before a working link is checked again", scope=FlagScope.FILE, why_no_flag=_STATE_POLICY)
    )
    dead_after_runs: int = _described(
        3,
        Setting(
            "unreachable crawls in a row that make a link dead, if they span dead_after_days",
            scope=FlagScope.FILE,
            why_no_flag=_STATE_POLICY,
        ),
    )
    dead_after_days: float = _described(
        7.0,
        Setting(
            "days the dead_after_runs unreachable crawls must span", scope=FlagScope.FILE, why_no_flag=_STATE_POLICY
        ),
    )
    resolve: tuple[tuple[str, str], ...] = _described(  # (host, address), like curl --resolve
        (), Setting("fixed address for a host name", metavar="HOST=ADDRESS", repeatable=True)
    )
    canary_host: str | None = _described(  # None: the archive endpoint's host (crawler.fetch.canary says why)
        None, Setting("name looked up to tell an offline machine", metavar="HOST", default_text="the archive's host")
    )
    rules: tuple[str, ...] = _described(  # paths; in a file, relative to the file's folder
        (), Setting("site rules file, tried before the shipped rules", metavar="FILE", repeatable=True)
    )
    # Timeouts: see crawler.fetch.timeout_policy.
    timeout_retries: int = _described(
        1,
        Setting(
            "retries of a timeout that got no answer (none once the server began to answer)",
            metavar="N",
            scope=FlagScope.CHECK,
        ),
    )
    crawl_timeout_retries: int = _described(
        0,
        Setting(
            "retries of a timeout that got no answer, in the nightly crawl",
            scope=FlagScope.FILE,
            why_no_flag="the nightly job's policy: the next night is the retry, and dead takes several nights",
        ),
    )
    shorten_timeout_after: int = _described(
        3, Setting("timeouts in a row on one site after which its other links wait less (0: never)", metavar="N")
    )
    timeout_floor: float = _described(
        5.0, Setting("seconds: the shortest timeout a site's links get after repeated timeouts", metavar="S")
    )
    # Asked through Memento when the Wayback Machine has no capture: see crawler.wayback.archives.
    further_archives: tuple[str, ...] = _described(
        DEFAULT_ARCHIVES,
        Setting(
            "archives asked in this order when the Wayback Machine has no capture (arquivo.pt, loc, archive.today,"
            " or NAME=TIMEMAP_URL; empty: none)",
            metavar="ARCHIVE[,ARCHIVE]",
        ),
    )

    @property
    def failing_verdicts(self) -> frozenset[Verdict]:
        return frozenset(Verdict(name) for name in self.fail_on)

    @property
    def exclude_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern) for pattern in self.exclude)

    @property
    def canary(self) -> str:
        """The host name whose lookup tells whether this machine can resolve names at all."""
        endpoint_host = urlsplit(self.archive_endpoint).hostname or ""
        return self.canary_host or (DEFAULT_CANARY if is_address(endpoint_host) else endpoint_host)

    @property
    def memento_archives(self) -> tuple[MementoArchive, ...]:
        """The further archives to ask, in order; none with archive lookups off."""
        return archives_named(self.further_archives) if self.archive else ()

    @property
    def site_rules(self) -> tuple[SiteRule, ...]:
        """The user's site rules (the `rules` files, in order), then the shipped ones."""
        return _rules_from(self.rules)


@cache
def _rules_from(paths: tuple[str, ...]) -> tuple[SiteRule, ...]:
    """The rules of these files and the shipped ones, each file read once per run."""
    return load_rules(paths)


_TYPES = get_type_hints(Config)


def setting_of(config_field: Field[Any]) -> Setting:
    """The Setting a Config field carries."""
    setting = config_field.metadata.get(_SETTING)
    if not isinstance(setting, Setting):
        raise TypeError(f"Config.{config_field.name} has no Setting in its metadata")
    return setting


def shown_default(config_field: Field[Any]) -> str:
    """A field's default as help text shows it: 20 for 20.0, broken,blocked for a tuple, the words if given."""
    default_text = setting_of(config_field).default_text
    if default_text is not None:
        return default_text
    default = config_field.default
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, float):
        return f"{default:g}"
    if isinstance(default, tuple):
        return ",".join(str(item) for item in default) or "none"
    if default is None:
        raise TypeError(f"Config.{config_field.name} defaults to None: its Setting needs default_text")
    return str(default)


def _config_file(explicit: Path | None, cwd: Path) -> tuple[Path | None, dict[str, Any]]:
    """The file and table holding the settings: --config, rotwatch.toml, then pyproject.toml."""
    candidates = [explicit] if explicit else [cwd / "rotwatch.toml", cwd / "pyproject.toml"]
    for path in candidates:
        if explicit is None and not path.is_file():
            continue
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"--config {path}: no such file") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        except (OSError, UnicodeError) as exc:
            raise ConfigError(f"{path}: cannot read settings: {exc}") from exc
        table = document.get("tool", {}).get("rotwatch", {}) if path.name == "pyproject.toml" else document
        return path, table
    return None, {}


@dataclass(frozen=True)
class _Origins:
    """Where each value came from, so an error names what the user typed: `--concurrency -3` for a flag,
    `rotwatch.toml: concurrency = -3` for a key in a file."""

    file: str  # how the file is named in messages ("" when there is none)
    flags: frozenset[str]

    def of(self, name: str, value: object) -> str:
        if name in self.flags:
            return f"{flag_of(name)} {value}"
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str | bool | int | float) else value
        return f"{self.file}: {name} = {shown}"


def flag_of(name: str) -> str:
    """The option a setting is given with on the command line: Setting.flag, else --field-name."""
    (config_field,) = (config_field for config_field in fields(Config) if config_field.name == name)
    return setting_of(config_field).flag or "--" + name.replace("_", "-")


def _file_label(path: Path, cwd: Path) -> str:
    shown = path.relative_to(cwd) if path.is_relative_to(cwd) else path
    return f"{shown} [tool.rotwatch]" if path.name == "pyproject.toml" else str(shown)


_MISPLACED = {"tool": "in rotwatch.toml the settings stand at the top, without [tool.rotwatch]"}


def _check_keys(table: Mapping[str, Any], origins: _Origins) -> None:
    """Every key of the file is a setting; a misspelt one is named with the setting it resembles."""
    names = [config_field.name for config_field in fields(Config)]
    problems = []
    for key in sorted(set(table) - set(names)):
        close = difflib.get_close_matches(key, names, n=1)
        hint = f"did you mean {close[0]}?" if close else _MISPLACED.get(key, f"known: {', '.join(sorted(names))}")
        problems.append(f"unknown setting {key} ({hint})")
    if problems:
        raise ConfigError(f"{origins.file}: {'; '.join(problems)}")


def _coerce(name: str, value: Any, origins: _Origins) -> Any:
    """Turns a file or flag value into the field's type (as Config declares it), or raises ConfigError."""
    kind = _TYPES[name]
    if isinstance(value, dict) and kind == tuple[tuple[str, str], ...]:  # a TOML table of host = address
        value = [f"{host}={address}" for host, address in value.items()]
    if isinstance(value, str) and kind == tuple[str, ...]:  # one comma-separated string
        value = value.split(",")
    if kind in (tuple[str, ...], tuple[tuple[str, str], ...]) and not isinstance(value, list | tuple):
        raise ConfigError(f"{origins.of(name, value)}: expected a list")
    if kind == tuple[tuple[str, str], ...]:  # HOST=ADDRESS entries, like curl's --resolve
        return tuple(host_address(str(entry), origins.of(name, entry)) for entry in value)
    if kind == tuple[str, ...]:
        return tuple(str(item).strip() for item in value if str(item).strip())
    expected = _EXPECTED.get(kind)
    if expected is None:  # text
        return None if value is None else str(value)
    try:
        if isinstance(value, bool) is not (kind is bool) or (isinstance(value, float) and kind is int):
            raise ValueError(expected)
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origins.of(name, value)}: expected {expected}") from exc


_EXPECTED: dict[object, str] = {bool: "true or false", int: "a whole number", float: "a number"}


def _validate(config: Config, raw: Mapping[str, Any], origins: _Origins) -> Config:
    """The config, or ConfigError naming the first bad value as the user gave it (flag or key in its file)."""
    for name, value in raw.items():
        problem = problem_with(name, getattr(config, name))
        if problem:
            raise ConfigError(f"{origins.of(name, value)}: {problem}")
    for pattern in config.exclude:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{origins.of('exclude', pattern)}: not a regular expression ({exc})") from exc
    _rules_from(config.rules)  # a bad rules file stops the run here, with the loader's message
    try:
        archives_named(config.further_archives)
    except ConfigError as exc:
        raise ConfigError(f"{origins.of('further_archives', raw.get('further_archives'))}: {exc}") from exc
    return replace(config, archive_endpoint=config.archive_endpoint.rstrip("/"))


def _rule_paths(entries: Sequence[str], folder: Path) -> tuple[str, ...]:
    """Rules files as absolute paths: a file's entries relative to its folder, a flag's to the current one."""
    return tuple(os.path.normpath(os.path.abspath(folder / entry)) for entry in entries)


def load_config(flags: Mapping[str, object], config_path: Path | None = None, cwd: Path | None = None) -> Config:
    """Defaults, then the project's file, then flags (None means "not given")."""
    cwd = cwd or Path.cwd()
    path, table = _config_file(config_path, cwd)
    names = {config_field.name for config_field in fields(Config)}
    given = {name: value for name, value in flags.items() if name in names and value is not None}
    origins = _Origins(_file_label(path, cwd) if path else "", frozenset(given))
    _check_keys(table, origins)
    from_file = _Origins(origins.file, frozenset())
    values = {name: _coerce(name, value, from_file) for name, value in table.items()}
    values |= {name: _coerce(name, value, origins) for name, value in given.items()}
    if "rules" in values:
        values["rules"] = _rule_paths(values["rules"], cwd if "rules" in given else (path or cwd).parent)
    log.debug("settings from %s: %s; from flags: %s", path or "no file", sorted(table), sorted(given))
    return _validate(Config(**values), table | given, origins)


def scrapy_overrides(config: Config) -> dict[str, Any]:
    """The Scrapy settings a Config stands for."""
    overrides: dict[str, Any] = {
        "CONCURRENT_REQUESTS": config.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.per_host,
        "DOWNLOAD_DELAY": config.per_host_delay,
        "DOWNLOAD_TIMEOUT": config.timeout,
        "RETRY_TIMES": config.retries,
        "ROBOTSTXT_OBEY": config.robots,
        "ROTWATCH_ALLOWED_PRIVATE": parse_allowed_networks(config.allow_private),
        "ROTWATCH_STATIC_HOSTS": dict(config.resolve),
        "ROTWATCH_GITHUB_TOKEN": os.environ.get("GITHUB_TOKEN") or None,
        "ROTWATCH_ARCHIVE_RATE": config.archive_rate,
        "ROTWATCH_ARCHIVE_PLAYBACK_RATE": config.archive_playback_rate,
        "ROTWATCH_TIMEOUT_RETRIES": {"check": config.timeout_retries, "crawl": config.crawl_timeout_retries},
        "ROTWATCH_SHORTEN_TIMEOUT_AFTER": config.shorten_timeout_after,
        "ROTWATCH_TIMEOUT_FLOOR": config.timeout_floor,
    }
    if config.user_agent:
        overrides["USER_AGENT"] = config.user_agent
    return overrides
