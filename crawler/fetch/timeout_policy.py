"""How long to wait for a site, and whether a timeout is worth asking again (pure: no Scrapy objects).

A timeout is the costliest failure a link check meets: each try waits the
whole DOWNLOAD_TIMEOUT, so a hanging URL retried twice, as resets and 5xx
are, cost three timeouts (a slow-drip page took 34 s at `--timeout 10`).
Retries are meant to pay for themselves, so timeouts get their own budget:

- The mode decides how patient a run can afford to be. The nightly `crawl`
  judges a link unreachable only after several nights in a row, so the next
  night is the retry and a timeout is not retried within the run
  (`crawl_timeout_retries`, 0). `check` answers now, in CI, so a timeout
  that got no answer at all is asked once more (`timeout_retries`, 1).
- A timeout after the server began to answer (headers came, then the body
  trickled: a slow-drip server) is never retried: the server is there and
  answers this way, and asking again costs another full timeout for the
  same answer.
- Resets and 5xx keep RETRY_TIMES and their backoff (crawler.fetch.retry_after).

A site whose requests keep timing out is most likely down, and its other
links would each wait a full timeout too. Proxies and health checkers treat
such a host the same way: Envoy counts consecutive "locally originated"
failures (timeouts, resets, refused connections) per upstream host and takes
the host out of rotation after a run of them, the count starting again at
the first success
(https://envoyproxy.io/docs/envoy/v1.29.9/intro/arch_overview/upstream/outlier);
Akamai's liveness tests back off a test that times out, growing the interval
at each further timeout and resetting it as soon as the test succeeds
(https://learn.akamai.com/en-us/webhelp/global-traffic-management/global-traffic-management-user-guide/GUID-A7BB988B-DABB-4E77-A62F-03845673503E.html).
A link checker cannot skip a site's links, but it can stop paying full price
for them: after `shorten_after` timeouts in a row on one site (no answer
from it in between) its next requests get half the timeout, halved again
at each further timeout, never below `floor`; any answer from the site
gives it its full timeout back. A link that times out under a shortened
timeout says so in its result, since a slow page on a site that was down
for a moment could have answered given the full time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Mode", "TimeoutPolicy", "shortened_timeout_detail"]


class Mode(StrEnum):
    """Which command runs the checks: it decides how much a timeout may cost."""

    CHECK = "check"  # `rotwatch check`: one answer now
    CRAWL = "crawl"  # the nightly `rotwatch crawl`: the next night is the retry


@dataclass(frozen=True, slots=True)
class TimeoutPolicy:
    """Retries of a timeout, and a site's timeout after a run of them."""

    retries: int = 1  # retries of a timeout that got no answer at all
    shorten_after: int = 3  # timeouts in a row on one site before its links wait less; 0: never
    floor: float = 5.0  # seconds: the shortest timeout a site gets

    @classmethod
    def for_mode(
        cls, mode: str, retries_by_mode: Mapping[str, int], shorten_after: int = 3, floor: float = 5.0
    ) -> TimeoutPolicy:
        """The policy of a run in `mode` ("check" or "crawl"); ValueError for another mode."""
        try:
            retries = int(retries_by_mode[Mode(mode)])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"no timeout retries for mode {mode!r} (known: {', '.join(Mode)})") from exc
        return cls(retries, shorten_after, floor)

    def retries_after_timeout(self, answered: bool) -> int:
        """Retries a timed-out request may get: none once the server had begun to answer."""
        return 0 if answered else self.retries

    def timeout_for(self, full: float, timeouts_in_a_row: int) -> float:
        """The timeout of a site's next request, after `timeouts_in_a_row` timeouts and no answer."""
        if not self.shorten_after or timeouts_in_a_row < self.shorten_after:
            return full
        halvings = timeouts_in_a_row - self.shorten_after + 1
        return min(full, max(self.floor, full / 2.0**halvings))


def shortened_timeout_detail(seconds: float, timeouts_in_a_row: int) -> str:
    """What a result says when its link timed out under a shortened timeout."""
    return f"timeout shortened to {seconds:g} s after {timeouts_in_a_row} timeouts on this site"
