"""The simulated web: many websites and every way a link can fail, on loopback.

The test suite, the demo command and the benchmarks point real Scrapy crawls
at it instead of the internet. `SimWeb` serves the hosts; `SCENARIOS` is the
catalogue of behaviours with the verdict each should get (see
`crawler.simweb.scenarios` for where each is served and the judgement calls);
`SimWayback` is the simulated Wayback Machine a `SimWeb` can serve too;
`SimWeb.crawl_overrides()` gives the settings that point a crawl at it.
`python -m crawler.simweb` serves it from a separate process for benchmarks.
"""

from crawler.simweb.crawl_settings import crawl_flags, crawl_overrides
from crawler.simweb.hosts import HostSpec, numbered_hosts
from crawler.simweb.pages import HOME_TITLE, fallback_title
from crawler.simweb.request_log import RequestLog, RequestRecord
from crawler.simweb.scenarios import SCENARIOS, Scenario
from crawler.simweb.server import SimWeb
from crawler.simweb.wayback import SimWayback

__all__ = [
    "HOME_TITLE",
    "SCENARIOS",
    "HostSpec",
    "RequestLog",
    "RequestRecord",
    "Scenario",
    "SimWayback",
    "SimWeb",
    "crawl_flags",
    "crawl_overrides",
    "fallback_title",
    "numbered_hosts",
]
