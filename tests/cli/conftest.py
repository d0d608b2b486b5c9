"""Fixtures of the command-line tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def crawler_logger_restored() -> Iterator[None]:
    """main() configures the `crawler` logger; other packages' tests (caplog) must find it as it was."""
    logger = logging.getLogger("crawler")
    level, handlers = logger.level, list(logger.handlers)
    yield
    logger.setLevel(level)
    logger.handlers[:] = handlers
