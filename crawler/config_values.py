"""Whether a setting's value makes sense, in words a user can act on (pure).

`crawler.config` names where a bad value came from (the flag, or the key and
its file) and raises; this module only says what is wrong with the value.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from crawler.errors import ConfigError
from crawler.fetch.addresses import parse_allowed_networks
from crawler.models import Verdict
from crawler.nightly.drift_rules import DriftRewrite

__all__ = ["host_address", "is_address", "problem_with"]


def host_address(entry: str, where: str) -> tuple[str, str]:
    """One `HOST=ADDRESS` entry, like curl's --resolve; the address must be an IP address."""
    host, equals, address = entry.partition("=")
    if not equals or not host.strip() or not address.strip():
        raise ConfigError(f"{where}: expected HOST=ADDRESS")
    try:
        ipaddress.ip_address(address.strip())
    except ValueError as exc:
        raise ConfigError(f"{where}: {address.strip()} is not an IP address") from exc
    return host.strip().lower(), address.strip()


_AT_LEAST_ONE = ("concurrency", "per_host", "dead_after_runs", "archive_playback_rate")
_MORE_THAN_ZERO = {
    "timeout": " seconds",
    "timeout_floor": " seconds",
    "recheck_days": " days",
    "archive_rate": " requests a minute",
}
_NOT_NEGATIVE = (
    "retries",
    "per_host_delay",
    "dead_after_days",
    "archive_budget",
    "save_max_age_days",
    "timeout_retries",
    "crawl_timeout_retries",
    "shorten_timeout_after",
)


def problem_with(name: str, value: Any) -> str | None:
    """What is wrong with one setting's value, in words; None when nothing is."""
    if name in _AT_LEAST_ONE and value < 1:
        return "must be at least 1"
    if name in _MORE_THAN_ZERO and value <= 0:
        return f"must be more than 0{_MORE_THAN_ZERO[name]}"
    if name in _NOT_NEGATIVE and value < 0:
        return "cannot be negative"
    if name == "fail_on":
        known = {verdict.value for verdict in Verdict}
        unknown = [verdict for verdict in value if verdict not in known]
        if unknown:
            return f"unknown verdict {', '.join(unknown)} (choose from {', '.join(sorted(known))})"
    if name == "drift_rewrite" and value not in _DRIFT_REWRITES:
        return f"choose {', '.join(_DRIFT_REWRITES)}"
    if name == "archive_endpoint" and not re.match(r"^https?://[^/]+", value):
        return "not an http(s) URL"
    if name == "canary_host" and value is not None and (is_address(value) or not HOST_NAME.fullmatch(value)):
        return "expected a host name alone, such as web.archive.org"
    if name == "allow_private":
        try:
            parse_allowed_networks(value)
        except ValueError as exc:
            return str(exc).removeprefix("--allow-private: ")
    return None


_DRIFT_REWRITES = tuple(mode.value for mode in DriftRewrite)
HOST_NAME = re.compile(r"[\w.-]+")


def is_address(host: str) -> bool:
    """Whether `host` is an IP address (brackets of an IPv6 URL host allowed) rather than a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
