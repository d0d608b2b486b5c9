"""The exception tree of crawler/errors.py: one base, usage errors under one branch."""

from __future__ import annotations

import inspect

import crawler.errors
from crawler.errors import FetchError, RotwatchError, UsageError


def test_public_names_are_pinned():
    classes = [name for name, value in inspect.getmembers(crawler.errors, inspect.isclass)]
    assert sorted(crawler.errors.__all__) == sorted(classes)


def test_every_exception_descends_from_rotwatch_error():
    for name in crawler.errors.__all__:
        assert issubclass(getattr(crawler.errors, name), RotwatchError), name


def test_the_cli_maps_usage_errors_by_their_branch_alone():
    assert all(
        issubclass(getattr(crawler.errors, name), UsageError) for name in ("ConfigError", "ChangesError", "StateError")
    )
    assert not issubclass(crawler.errors.OfflineError, UsageError)
    assert not issubclass(crawler.errors.NameNotFoundError, UsageError)
    assert issubclass(crawler.errors.NameNotFoundError, FetchError)
