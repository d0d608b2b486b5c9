"""Everything between a URL and its answer: Scrapy's runner, scheduling, politeness, name lookups, the address guard.

One Scrapy component per module: the downloader (downloader), the
scheduler's queue (queues), the reactor's resolver (resolver), the HTTP
download handler (hard_stop, connecting through pinned_connections), and
the downloader middlewares site_slots, address_guard, github_token,
retry_after (with site_pauses), bounded_decompression, site_timeouts
(deciding by timeout_policy), cookie_jars, redirect_loops and early_stop,
in the order crawler/settings.py gives them. The request meta keys they
share are named in meta.

Exceptions raised by the middlewares reach the link spider's errback:
    AddressRefusedError      the host resolves to an address the policy refuses
    NameNotFoundError        the host name does not exist (from crawler.fetch.resolver)
    NameLookupFailedError    the lookup timed out or failed temporarily
    RedirectLoopError        a redirect points back into its own chain
    TooManyRedirectsError    the chain is longer than REDIRECT_MAX_TIMES
"""
