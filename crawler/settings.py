"""Scrapy settings for checking links, every default chosen on purpose.

Scrapy's project defaults are made for scraping one site politely; checking
thousands of links on hundreds of sites needs the opposite in several places
(many sites at once, no robots.txt per link, no duplicate filter, no URL
length limit). Custom settings carry the ROTWATCH_ prefix. `rotwatch`'s own
flags and `[tool.rotwatch]` are mapped onto these in `crawler.config`.
"""

import crawler

BOT_NAME = "rotwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent: site owners can see who checks their links and why.
USER_AGENT = f"rotwatch/{crawler.__version__} (+https://pypi.org/project/rotwatch/; link checker)"

# Politeness. A "site" is a registered domain (see crawler.fetch.site_slots), so
# the per-domain limit applies to a.example.co.uk and b.example.co.uk together.
CONCURRENT_REQUESTS = 32  # requests in flight, total
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # requests in flight per site
DOWNLOAD_DELAY = 0  # seconds between requests to one site (--per-host-delay)
DOWNLOAD_DELAY_JITTER = 0.5  # fraction: +-50 % around the delay, so requests do not march in step
# Scrapy 2.19 can start more downloads than a slot allows; see crawler.fetch.downloader.
DOWNLOADER = "crawler.fetch.downloader.PoliteDownloader"
# Hand out only requests whose site has a free connection, busiest site first:
# the busiest site bounds the run, and a request waiting inside the downloader
# for its site would hold one of the total slots (see crawler.fetch.queues).
SCHEDULER_PRIORITY_QUEUE = "crawler.fetch.queues.BusiestSiteFirstQueue"
# Start requests are read as the downloader drains, in the fair order (crawler.fetch.start_window):
ROTWATCH_START_WINDOW = 256  # requests waiting that their sites could send at once (each site's up to its limit)
ROTWATCH_START_CAP = 10_000  # requests waiting in all, whatever their sites: the bound on memory

# A link check reads one page, as a reader's browser would; robots.txt governs
# crawlers that walk a site, and obeying it per link would fetch an extra file
# per site and report disallowed pages as unchecked. Opt in with --robots.
ROBOTSTXT_OBEY = False

# Each unique URL is requested once; rotwatch de-duplicates before crawling.
# Scrapy 2.19's filter would silently drop redirects that meet (two links to one
# page, loops), and those links would vanish from the report.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
URLLENGTH_LIMIT = 0  # characters, 0 = no limit: long URLs are links too; Scrapy would drop them silently

# A reader's browser refuses a bad certificate, so the checker verifies too.
DOWNLOAD_VERIFY_CERTIFICATES = True

DOWNLOAD_TIMEOUT = 20  # seconds for a whole response, which bounds slow-drip servers
DNS_TIMEOUT = 10  # seconds
REACTOR_THREADPOOL_MAXSIZE = 20  # threads; name lookups run in these

# Early abort (BodyBudgetMiddleware, crawler.fetch.early_stop): the title is in the first kilobytes of
# an HTML page; other types are judged by their status and headers alone.
ROTWATCH_HTML_BYTES = 64 * 1024  # bytes: 64k read at most of an HTML page
ROTWATCH_DECOMPRESSED_BYTES = 512 * 1024  # bytes: 512k of decompressed HTML at most (bombs)
DOWNLOAD_MAXSIZE = 0  # bytes, 0 = no cap: the budget above stops transfers; a size cap would fail them
DOWNLOAD_WARNSIZE = 0  # bytes, 0 = no warning
DOWNLOAD_FAIL_ON_DATALOSS = False  # a cut-off page still has a usable status and title
# Scrapy's HTTP/1.1 handler, whose early stops reset the connection (TCP RST) so the server stops
# sending, and free the site's connection only once the socket is closed (crawler.fetch.hard_stop).
DOWNLOAD_HANDLERS = {
    "http": "crawler.fetch.hard_stop.HardStopDownloadHandler",
    "https": "crawler.fetch.hard_stop.HardStopDownloadHandler",
}
# An idle kept-alive connection is closed after this long (Twisted's pool keeps one 240 s). Servers
# close theirs sooner: Apache httpd 2.4 after 5 s by default (KeepAliveTimeout), nginx after 75 s
# (keepalive_timeout), and the CIS benchmarks advise at most 15 s and 10 s. A site's requests go
# back to back, so a connection idle this long will not be reused; kept for 240 s, a crawl over
# 20,000 sites held 20,000 idle sockets, about 5 KB each (benchmarks/README.md).
ROTWATCH_IDLE_CONNECTION_TIMEOUT = 15  # seconds
COMPRESSION_ENABLED = False  # replaced by the truncating BoundedDecompressionMiddleware

# Redirects are followed by Scrapy, and the chain kept in meta["redirect_urls"].
REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 10  # hops: more than this is "broken"
METAREFRESH_ENABLED = False  # a meta refresh is page content, not a moved link
HTTPERROR_ALLOW_ALL = True  # every status reaches the spider; verdicts decide

# Retries: RetryAfterMiddleware (crawler.fetch.retry_after) replaces Scrapy's RetryMiddleware, which
# in Scrapy 2.19 ignores Retry-After and retries at once: a Retry-After pauses the site that asked
# (crawler.fetch.site_pauses), any other failure backs off exponentially for its URL alone.
RETRY_ENABLED = True
RETRY_TIMES = 2  # retries: initial request + 2 retries
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # HTTP statuses worth a retry
# A name that does not exist will not exist a second later: no DNS retries.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
]
ROTWATCH_RETRY_BACKOFF = 1.0  # seconds before the first retry, doubled each time
ROTWATCH_RETRY_AFTER_CAP = 60.0  # seconds: never wait longer for one site
ROTWATCH_BACKOFF_CAP = 8.0  # seconds: a failing site must not stall the run
# Timeouts (crawler.fetch.site_timeouts, decided in crawler.fetch.timeout_policy): each try of a hanging
# URL costs a whole DOWNLOAD_TIMEOUT, so a timeout gets fewer retries, by mode, and none once the server
# began to answer; a site that keeps timing out gets a shorter timeout for its other links.
ROTWATCH_MODE = "check"  # the command checking: "check", or "crawl" (the nightly job, runner.nightly_settings)
ROTWATCH_TIMEOUT_RETRIES = {"check": 1, "crawl": 0}  # retries of a timeout that got no answer, by mode
ROTWATCH_SHORTEN_TIMEOUT_AFTER = 3  # timeouts in a row on one site before its links wait less; 0 = never
ROTWATCH_TIMEOUT_FLOOR = 5.0  # seconds: a site's shortened timeout is never shorter

# Address guard (crawler.fetch.address_guard): private, loopback and link-local addresses are refused
# unless allowed. None allows all; a tuple of networks allows those only.
ROTWATCH_ALLOWED_PRIVATE = ()
ROTWATCH_STATIC_HOSTS: dict[str, str] = {}  # name -> address, like curl --resolve (the simulated web)
TWISTED_DNS_RESOLVER = "crawler.fetch.resolver.PinnedResolver"

# The Wayback Machine: two download slots, one per rate pool, each paced to 80 % of its limit
# (crawler.wayback.pace records the limits and their source).
ROTWATCH_ARCHIVE_RATE = 24  # query requests (CDX, availability) per minute (the real pool allows about 30)
ROTWATCH_ARCHIVE_PLAYBACK_RATE = 480  # playback fetches per minute (the real archive allows about 600)
ROTWATCH_ARCHIVE_429_PAUSE = 60.0  # seconds a pool rests after a bare 429

# Cookies, as a reader's first visit has them: a jar per checked link, dropped when its check ends, so
# a site that sets a cookie and redirects to itself is followed as a browser would (crawler.fetch.cookie_jars).
COOKIES_ENABLED = True

# Sent to github.com only; anonymous clients are rate-limited hard there.
ROTWATCH_GITHUB_TOKEN = None

# Downloader middlewares, one concern each. Order matters. Requests pass
# SiteSlot -> AddressGuard -> GitHubToken -> (Scrapy's) -> RetryAfter -> Redirect -> SiteTimeout
# -> LinkCookies -> RedirectLoop, so the loop guard sees the Cookie header a hop is sent with;
# responses come back the other way, so RedirectLoop sees a redirect before Scrapy follows it
# and RetryAfter sees the final answer of a chain; exceptions too, so SiteTimeout counts a
# timeout and sets its retry budget before RetryAfter retries. What they raise reaches the
# link spider's errback (see crawler.fetch).
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.site_slots.SiteSlotMiddleware": 50,
    "crawler.fetch.address_guard.AddressGuardMiddleware": 60,
    "crawler.fetch.github_token.GitHubTokenMiddleware": 70,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.retry_after.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.fetch.bounded_decompression.BoundedDecompressionMiddleware": 590,
    "crawler.fetch.site_timeouts.SiteTimeoutMiddleware": 610,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.fetch.cookie_jars.LinkCookiesMiddleware": 700,
    "crawler.fetch.redirect_loops.RedirectLoopMiddleware": 720,
    "crawler.fetch.early_stop.BodyBudgetMiddleware": 800,
}

# Per-request work is what limits a crawl of many fast sites on few cores.
# One item per response: Scrapy would start CONCURRENT_ITEMS (100) worker tasks
# for every response to process it, the largest single cost in a profile.
CONCURRENT_ITEMS = 1  # items processed at once per response
# Components with nothing to do for a link check are off: no allowed_domains,
# no authentication, no depth, no URL length limit, HTTPERROR_ALLOW_ALL already
# passes every status, and nothing reads the downloader's byte counts.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
MEMUSAGE_ENABLED = False  # no memory limit is set, and nothing reads the peak it would record
# Nothing reads the counts of responses and items CoreStats keeps, two signal handlers a link.
EXTENSIONS = {"scrapy.extensions.corestats.CoreStats": None}
# Scrapy's components left on, each for a reason: DownloadTimeoutMiddleware (download_timeout of
# requests no middleware of ours times, the archive's), DefaultHeadersMiddleware and
# UserAgentMiddleware (the headers a request is sent with), RedirectMiddleware (above),
# HttpProxyMiddleware (the machine's http_proxy/https_proxy), the start and referer spider
# middlewares (start requests pass the first; RedirectMiddleware asks the second for a hop's
# Referer), LogCount (stderr is set up around it, crawler.cli.console) and FeedExporter
# (`scrapy crawl links -O`, crawler.spiders.links). The others turn themselves off under the
# settings above.
LOG_LEVEL = "WARNING"
LOGSTATS_INTERVAL = 0
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
