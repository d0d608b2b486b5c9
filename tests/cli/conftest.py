"""Fixtures of the command-line tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def crawler_logger_restored() -> Iterator[None]:
    """main() configures the `crawler` and `scrapy` loggers; other packages' tests (caplog) must find them unchanged."""
    loggers = [logging.getLogger("crawler"), logging.getLogger("scrapy")]
    saved = [(logger.level, list(logger.handlers)) for logger in loggers]
    yield
    for logger, (level, handlers) in zip(loggers, saved, strict=True):
        logger.setLevel(level)
        logger.handlers[:] = handlers
