"""One Settings object from `[tool.rotwatch]` / `rotwatch.toml` and the flags.

Defaults live here and in `crawler.settings`; a project sets its own in
`[tool.rotwatch]` of its pyproject.toml or in rotwatch.toml, and flags
override both. Errors are `ConfigError` with a message fit for the user
(the command line exits with code 2).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError
from crawler.fetch.addresses import parse_allowed_networks
from crawler.models import Verdict

__all__ = ["Config", "load_config", "scrapy_overrides"]

DEFAULT_ARCHIVE_ENDPOINT = "https://web.archive.org"


@dataclass(frozen=True)
class Config:
    """Everything a run is told; field names are the `[tool.rotwatch]` keys."""

    concurrency: int = 32  # requests in flight in total
    per_host: int = 4  # requests in flight per site (registered domain)
    per_host_delay: float = 0.0  # seconds between requests to one site
    timeout: float = 20.0  # seconds for one response
    retries: int = 2
    user_agent: str | None = None
    robots: bool = False  # obey robots.txt
    allow_private: str | None = None  # None: refuse; "": allow all; "CIDR,...": those ranges
    exclude: tuple[str, ...] = ()  # regular expressions matched against URLs
    archive_endpoint: str = DEFAULT_ARCHIVE_ENDPOINT
    archive: bool = True
    archive_rate: float = 24.0  # archive requests per minute (the real CDX allows about 30)
    fail_on: tuple[str, ...] = (Verdict.BROKEN.value,)
    recheck_days: float = 3.0  # a working link is checked again after this many days
    dead_after_runs: int = 3  # unreachable this many crawls in a row...
    dead_after_days: float = 7.0  # ...spanning at least this many days makes a link dead
    resolve: tuple[tuple[str, str], ...] = ()  # (host, address), like curl --resolve

    @property
    def failing_verdicts(self) -> frozenset[Verdict]:
        return frozenset(Verdict(name) for name in self.fail_on)

    @property
    def exclude_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern) for pattern in self.exclude)


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
    """Turns a file or flag value into the field's type, or raises ConfigError."""
    default = Config.__dataclass_fields__[name].default
    try:
        if name == "resolve":
            items = value.items() if isinstance(value, dict) else (entry.split("=", 1) for entry in value)
            return tuple((host.strip().lower(), address.strip()) for host, address in items)
        if name in ("exclude", "fail_on"):
            items = value.split(",") if isinstance(value, str) else value
            return tuple(str(item).strip() for item in items if str(item).strip())
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise TypeError("expected true or false")
            return value
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
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


def load_config(flags: dict[str, Any], config_path: Path | None = None, cwd: Path | None = None) -> Config:
    """Defaults, then the project's file, then flags (None means "not given")."""
    _path, table = _config_file(config_path, cwd or Path.cwd())
    names = {field.name for field in fields(Config)}
    unknown = sorted(set(table) - names)
    if unknown:
        raise ConfigError(
            f"unknown setting {', '.join(unknown)} in the configuration (known: {', '.join(sorted(names))})"
        )
    values = {name: _coerce(name, value) for name, value in table.items()}
    values.update({name: _coerce(name, value) for name, value in flags.items() if name in names and value is not None})
    return _validate(Config(**values))


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
    }
    if config.user_agent:
        overrides["USER_AGENT"] = config.user_agent
    return overrides
