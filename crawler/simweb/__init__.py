"""The simulated web: many websites and every way a link can fail, on loopback.

The test suite, the demo command and the benchmarks point real Scrapy crawls
at it instead of the internet. `SimWeb` serves the hosts; `SCENARIOS` is the
catalogue of behaviours with the verdict each should get (see
`crawler.simweb.scenarios` for where each is served and the judgement calls).
`python -m crawler.simweb` serves it from a separate process for benchmarks.
"""

from crawler.simweb.archive import SimArchive
from crawler.simweb.scenarios import HOME_TITLE, SCENARIOS, Scenario, fallback_title
from crawler.simweb.server import HostSpec, RequestLog, RequestRecord, SimWeb, numbered_hosts

__all__ = [
    "HOME_TITLE",
    "SCENARIOS",
    "HostSpec",
    "RequestLog",
    "RequestRecord",
    "Scenario",
    "SimArchive",
    "SimWeb",
    "fallback_title",
    "numbered_hosts",
]
