"""One Config from `[tool.rotwatch]` / `rotwatch.toml` and the flags.

Defaults live here and in `crawler.settings`; a project sets its own in
`[tool.rotwatch]` of its pyproject.toml or in rotwatch.toml, and flags
override both. Errors are `ConfigError` with a message fit for the user
(the command line exits with code 2).

`Config` is the one list of settings: a field's name is its
`[tool.rotwatch]` key, its type says how a file or flag value is read, and
its metadata (a `Setting`) holds the help text, the flag's spelling where it
is not `--field-name`, and which commands have the flag. The command line
builds its flags from these fields (`crawler.cli.parser`), so a new setting
is one new field and a flag, a key and a help line with its default agree
by construction.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from crawler.errors import ConfigError
from crawler.fetch.addresses import parse_allowed_networks
from crawler.models import Verdict

__all__ = ["Config", "FlagScope", "Setting", "load_config", "scrapy_overrides", "setting_of", "shown_default"]

log = logging.getLogger(__name__)

DEFAULT_ARCHIVE_ENDPOINT = "https://web.archive.org"
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
    archive_rate: float = _described(  # the real CDX allows about 30 a minute
        24.0, Setting("archive requests per minute", metavar="N")
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

    @property
    def failing_verdicts(self) -> frozenset[Verdict]:
        return frozenset(Verdict(name) for name in self.fail_on)

    @property
    def exclude_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern) for pattern in self.exclude)


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
            raise ConfigError(f"{path}: no such configuration file") from exc
        except (OSError, UnicodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
        table = document.get("tool", {}).get("rotwatch", {}) if path.name == "pyproject.toml" else document
        return path, table
    return None, {}


def _coerce(name: str, value: Any) -> Any:
    """Turns a file or flag value into the field's type (as Config declares it), or raises ConfigError."""
    kind = _TYPES[name]
    try:
        if kind == tuple[tuple[str, str], ...]:  # a TOML table, or HOST=ADDRESS entries
            pairs = value.items() if isinstance(value, dict) else (entry.split("=", 1) for entry in value)
            return tuple((host.strip().lower(), address.strip()) for host, address in pairs)
        if kind == tuple[str, ...]:  # a TOML list, or one comma-separated string
            items = value.split(",") if isinstance(value, str) else value
            return tuple(str(item).strip() for item in items if str(item).strip())
        if kind is bool:
            if not isinstance(value, bool):
                raise TypeError("expected true or false")
            return value
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        return None if value is None else str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: bad value {value!r} ({exc})") from exc


def _validate(config: Config) -> Config:
    if config.concurrency < 1 or config.per_host < 1:
        raise ConfigError("concurrency and per_host must be at least 1")
    if config.timeout <= 0:
        raise ConfigError("timeout must be more than 0 seconds")
    if config.recheck_days <= 0 or config.dead_after_runs < 1 or config.dead_after_days < 0:
        raise ConfigError("recheck_days must be more than 0, dead_after_runs at least 1, dead_after_days 0 or more")
    if config.archive_rate <= 0:
        raise ConfigError("archive_rate must be more than 0 requests a minute")
    if config.retries < 0 or config.per_host_delay < 0:
        raise ConfigError("retries and per_host_delay cannot be negative")
    _validate_timeouts(config)
    known = {verdict.value for verdict in Verdict}
    unknown = [name for name in config.fail_on if name not in known]
    if unknown:
        raise ConfigError(f"fail_on: unknown verdict {', '.join(unknown)} (choose from {', '.join(sorted(known))})")
    for pattern in config.exclude:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"exclude: {pattern!r} is not a regular expression ({exc})") from exc
    try:
        parse_allowed_networks(config.allow_private)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if not re.match(r"^https?://[^/]+", config.archive_endpoint):
        raise ConfigError(f"archive_endpoint: {config.archive_endpoint!r} is not an http(s) URL")
    return replace(config, archive_endpoint=config.archive_endpoint.rstrip("/"))


def _validate_timeouts(config: Config) -> None:
    if min(config.timeout_retries, config.crawl_timeout_retries, config.shorten_timeout_after) < 0:
        raise ConfigError("timeout_retries, crawl_timeout_retries and shorten_timeout_after cannot be negative")
    if config.timeout_floor <= 0:
        raise ConfigError("timeout_floor must be more than 0 seconds")


def load_config(flags: Mapping[str, object], config_path: Path | None = None, cwd: Path | None = None) -> Config:
    """Defaults, then the project's file, then flags (None means "not given")."""
    path, table = _config_file(config_path, cwd or Path.cwd())
    names = {config_field.name for config_field in fields(Config)}
    unknown = sorted(set(table) - names)
    if unknown:
        raise ConfigError(
            f"unknown setting {', '.join(unknown)} in the configuration (known: {', '.join(sorted(names))})"
        )
    values = {name: _coerce(name, value) for name, value in table.items()}
    given = {name: _coerce(name, value) for name, value in flags.items() if name in names and value is not None}
    log.debug("settings from %s: %s; from flags: %s", path or "no file", sorted(values), sorted(given))
    return _validate(Config(**(values | given)))


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
        "ROTWATCH_TIMEOUT_RETRIES": {"check": config.timeout_retries, "crawl": config.crawl_timeout_retries},
        "ROTWATCH_SHORTEN_TIMEOUT_AFTER": config.shorten_timeout_after,
        "ROTWATCH_TIMEOUT_FLOOR": config.timeout_floor,
    }
    if config.user_agent:
        overrides["USER_AGENT"] = config.user_agent
    return overrides
