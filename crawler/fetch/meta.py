"""The keys of `Request.meta` that the fetching layer reads and writes, named once.

A request carries what its components tell each other in `meta`: the spider
says which link a request checks and how to treat it, the retry middleware
tells the scheduler's queue when a retry is due, the redirect guard records
the status of the hop it stopped. A misspelt key is silently absent, so every
key is a constant here and nowhere else a bare string.

Our own keys carry the `rotwatch_` prefix. Scrapy's own keys are named here
too, so every use is found by one search; their meaning is Scrapy's (see
Scrapy's "Request.meta special keys").
"""

from __future__ import annotations

__all__ = [
    "BODY_BYTES_READ",
    "CHECKED_URL",
    "COOKIE_JAR",
    "DONT_REDIRECT",
    "DONT_RETRY",
    "DOWNLOAD_LATENCY",
    "DOWNLOAD_SLOT",
    "DOWNLOAD_TIMEOUT",
    "FULL_TIMEOUT",
    "LAST_REDIRECT_STATUS",
    "MAX_RETRY_TIMES",
    "OWN_SLOT",
    "PAUSE_AFTER_BARE_429",
    "REDIRECT_REASONS",
    "REDIRECT_URLS",
    "RETRY_DUE",
    "RETRY_TIMES",
    "SENT_IN_CHAIN",
    "SHORTENED_TIMEOUT",
    "TIMEOUT_RETRIES",
    "WHOLE_BODY",
]

# Ours.
CHECKED_URL = "rotwatch_url"  # str: the link as cited, kept through redirects and retries (results are keyed by it)
OWN_SLOT = "rotwatch_own_slot"  # bool: the spider chose the download slot; the site slot middleware keeps it
WHOLE_BODY = "rotwatch_whole_body"  # bool: read the answer whole (archive index queries), no early stop
PAUSE_AFTER_BARE_429 = "rotwatch_429_pause"  # float, seconds the site rests after a 429 without Retry-After
RETRY_DUE = "rotwatch_retry_due"  # float, time.monotonic() before which a retry is not sent
LAST_REDIRECT_STATUS = "rotwatch_last_status"  # int: the status of the last redirect answer in the chain
SENT_IN_CHAIN = "rotwatch_sent_in_chain"  # tuple of (URL, Cookie header): the chain's requests answered by a redirect
BODY_BYTES_READ = "rotwatch_body_bytes"  # int, bytes of the body received so far (the early stop's count)
FULL_TIMEOUT = "rotwatch_full_timeout"  # float, seconds: the request's timeout before any shortening
SHORTENED_TIMEOUT = "rotwatch_shortened_timeout"  # (float s, int timeouts in a row): its site's timeout was cut
TIMEOUT_RETRIES = "rotwatch_timeout_retries"  # int: retries the timeout just met may get (read once, then dropped)

# Scrapy's.
DOWNLOAD_SLOT = "download_slot"  # str: Scrapy's download slot; ours is the site (registered domain)
COOKIE_JAR = "cookiejar"  # str: Scrapy's name for the cookie jar a request uses; ours is its checked link
REDIRECT_URLS = "redirect_urls"  # list[str]: Scrapy's RedirectMiddleware, the URLs before this hop
REDIRECT_REASONS = "redirect_reasons"  # list[int | str]: Scrapy's RedirectMiddleware, each hop's status
RETRY_TIMES = "retry_times"  # int: Scrapy's get_retry_request, retries made so far
MAX_RETRY_TIMES = "max_retry_times"  # int: Scrapy's, retries allowed for this request (else RETRY_TIMES)
DONT_RETRY = "dont_retry"  # bool: Scrapy's, never retry this request
DONT_REDIRECT = "dont_redirect"  # bool: Scrapy's, do not follow a redirect of this request
DOWNLOAD_TIMEOUT = "download_timeout"  # float, seconds: Scrapy's, how long the download handler waits
DOWNLOAD_LATENCY = "download_latency"  # float, seconds: Scrapy's, set when the response headers arrive
