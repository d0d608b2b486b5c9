"""What an errback can read from a Twisted Failure, typed.

Scrapy attaches the failed request to the Failure it hands an errback
(scrapy.core.scraper), an attribute Twisted's Failure does not declare; and
Twisted types `Failure.value` as optional though a built Failure always holds
its exception. Both spiders read them through here.
"""

from __future__ import annotations

from scrapy.http import Request
from twisted.python.failure import Failure

__all__ = ["exception_of", "request_of"]


def request_of(failure: Failure) -> Request:
    """The request whose download failed."""
    request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy at run time, undeclared
    return request


def exception_of(failure: Failure) -> BaseException:
    """The exception the failure holds."""
    exception = failure.value
    assert exception is not None  # Failure() raises when there is no exception to hold
    return exception
