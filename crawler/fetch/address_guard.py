"""The address guard: a request goes only to an address the policy allows.

A pull request controls the URLs CI fetches, so each request's host is
resolved here, before any byte is sent, on every redirect hop; the addresses
are vetted by `AddressPolicy` and the first one is pinned in the reactor's
`PinnedResolver`, so the connection goes to exactly the address that was
checked (no DNS rebinding between the check and the connection).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from crawler.errors import AddressRefusedError
from crawler.fetch.addresses import AddressPolicy
from crawler.fetch.resolver import HostLookup, PinnedResolver, installed_reactor, installed_resolver

__all__ = ["AddressGuardMiddleware"]

log = logging.getLogger(__name__)


class AddressGuardMiddleware:
    """Resolves each request's host, refuses non-public addresses, pins the rest.

    Raises AddressRefusedError (nothing sent), or the lookup's
    NameNotFoundError / NameLookupFailedError, to the spider's errback.
    """

    def __init__(self, lookup: HostLookup, policy: AddressPolicy, resolver: PinnedResolver):
        self.lookup = lookup
        self.policy = policy
        self.resolver = resolver

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        reactor = installed_reactor()
        settings = crawler.settings
        lookup = HostLookup(reactor, settings.getdict("ROTWATCH_STATIC_HOSTS"), settings.getfloat("DNS_TIMEOUT"))
        policy = AddressPolicy(settings.get("ROTWATCH_ALLOWED_PRIVATE"))
        return cls(lookup, policy, installed_resolver(reactor))

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        addresses = await maybe_deferred_to_future(self.lookup.addresses(host))
        refusal = self.policy.first_refusal(addresses)
        if refusal:
            log.debug("refused %s (%s): %s", request.url, host, refusal)
            raise AddressRefusedError(refusal)
        self.resolver.pin(host, addresses[0])
