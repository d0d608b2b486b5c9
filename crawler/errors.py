"""Every exception rotwatch raises, in one tree.

    RotwatchError                 anything rotwatch itself raises on purpose
    ├── UsageError                the user must change something; the CLI exits 2
    │   ├── ConfigError           a bad configuration file, key, value or flag
    │   ├── ChangesError          git cannot say what a ref changed (--changed-since)
    │   └── StateError            the state database cannot be used as asked
    ├── OfflineError              no host name resolves on this machine; the CLI exits 3
    ├── ArchiveAnswerError        an archive answer is not in its documented format
    └── FetchError                a request got no usable answer; becomes an ErrorKind
        ├── AddressRefusedError   the address guard refused the address (nothing was sent)
        ├── RedirectLoopError     a Location points back into the redirect chain
        ├── TooManyRedirectsError the chain is longer than REDIRECT_MAX_TIMES
        ├── NameNotFoundError     the host name does not exist (NXDOMAIN)
        └── NameLookupFailedError the lookup timed out or failed temporarily

Who raises each, and who handles it, is said on the class. The command line
maps `UsageError` to exit 2 and `OfflineError` to exit 3 in one place
(`crawler.cli.main.main`); every message is written for the user, as is.
"""

from __future__ import annotations

__all__ = [
    "AddressRefusedError",
    "ArchiveAnswerError",
    "ChangesError",
    "ConfigError",
    "FetchError",
    "NameLookupFailedError",
    "NameNotFoundError",
    "OfflineError",
    "RedirectLoopError",
    "RotwatchError",
    "StateError",
    "TooManyRedirectsError",
    "UsageError",
]


class RotwatchError(Exception):
    """The base of every exception rotwatch raises on purpose."""


class UsageError(RotwatchError):
    """Something the user must change: the command line prints it and exits 2."""


class ConfigError(UsageError):
    """Raised by `crawler.config` and the CLI for a bad file, key, value or flag."""


class ChangesError(UsageError):
    """Raised by `crawler.issues.changes.added_lines` when git cannot answer (not a repository, unknown ref)."""


class StateError(UsageError):
    """Raised by `StateStore` when the state database cannot be used as asked:
    locked by another crawl, not SQLite, damaged, newer than this rotwatch,
    disk full. The message names the file and says what to do."""


class OfflineError(RotwatchError):
    """Raised by the nightly crawl when no host name resolved: nothing was recorded."""


class ArchiveAnswerError(RotwatchError, ValueError):
    """Raised by the `parse_*` functions of `crawler.wayback.protocol` when an
    archive answer is not in the documented format.

    The Wayback spider catches it and records the lookup as failed (the
    message says what was wrong), so a bad answer never becomes a capture."""


class FetchError(RotwatchError):
    """Raised inside Scrapy's download path; the link spider's errback turns it into an `ErrorKind`."""


class AddressRefusedError(FetchError):
    """Raised by the address guard; no byte was sent to the address."""


class RedirectLoopError(FetchError):
    """Raised by the redirect-loop middleware when a Location points back into the chain."""


class TooManyRedirectsError(FetchError):
    """Raised by the redirect-loop middleware when the chain exceeds REDIRECT_MAX_TIMES."""


class NameNotFoundError(FetchError):
    """Raised by HostLookup when the name does not exist (NXDOMAIN)."""


class NameLookupFailedError(FetchError):
    """Raised by HostLookup when the lookup timed out or failed temporarily."""
