"""Content drift in the nightly crawl: what a live link's page is compared with, and what follows.

Pure: values in, values out. `crawler.check.drift` compares two
fingerprints; this module decides which two, for one link, and what a
drift does to the archival copy. The store (drifted_since, the baselines
it keeps) and the view (each report's `drift`) ask the same function,
`drift_of`, so they never disagree.

Decisions:
- What is kept of a page (`page_fingerprint`): the fingerprint of the page
  a check read, for the live verdicts only (ok, redirected). A broken page
  (a soft-404, a parking lander) is judged by its verdict already; drift is
  about links that still work.
- Which "then" counts (`counts_as_then`). rotwatch's first check of a link
  is proof of what an issue cited only when it came soon after the issue:
  within `FIRST_CHECK_WINDOW` (30 days) of the earliest issue citing it.
  30 days covers a weekly or monthly newsletter whose nightly crawl runs
  after each issue, and a crawl that was off for a few weeks; and a domain
  that expires cannot belong to someone else that soon: after expiry come
  a renewal grace period (commonly 30 days), a 30-day redemption period and
  5 days of pending delete before anyone else can register it (ICANN's gTLD
  life cycle as registrars describe it: connectreseller.com "Domain
  Life-cycle after expiration", days 1-30 grace, 41-70 redemption, 71-75
  pending delete; help.hostingnation.ca "What happens when a domain
  expires": RGP 30-42 days, then 5 days Pending Delete). A registrar's own
  parking page can appear at once, but that is a broken verdict (parked),
  not drift. A link cited only by undated issues has no date to compare
  with: its first check counts.
- Links older than rotwatch's memory are compared with the archive's
  capture closest *before* the earliest issue citing them (what its editor
  saw), looked up once per link (`needs_capture`). A capture found is kept
  for good (captures do not change). "No usable capture" (none before that
  date, or only error, parked or home-page captures) is kept for good too,
  as a baseline without a fingerprint: nobody can capture a past date any
  more, so asking again would spend the archive budget of every night on
  the same answer (unlike a dead link's "none", which the archive's new
  captures can change, and which is asked again after 30 days). A lookup
  that failed (429, 5xx, timeout, unparseable) is not kept: it is asked
  the next night.
- What a drift mends (`mends`): `drift_rewrite` = `takeover` (the default)
  points links taken over by gambling, adult or loan spam, and parked
  landers, at their capture in the archival copy, like dead links; `all`
  every drift; `off` none. Only a capture baseline can mend: a drift found
  against rotwatch's own first check is reported, never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from crawler.check.drift import Fingerprint, fingerprint, judge_drift
from crawler.models import Assessment, CheckResult, Drift, DriftKind, Snapshot, Verdict

__all__ = [
    "FIRST_CHECK_WINDOW",
    "LIVE",
    "Baseline",
    "BaselineSource",
    "DriftRewrite",
    "capture_of",
    "counts_as_then",
    "drift_of",
    "earliest_cited",
    "mends",
    "needs_capture",
    "page_fingerprint",
]

FIRST_CHECK_WINDOW = timedelta(days=30)  # a first check this soon after the issue shows what it cited
LIVE = frozenset({Verdict.OK, Verdict.REDIRECTED})  # the verdicts of links that still work
_TAKEOVERS = frozenset({DriftKind.TAKEOVER, DriftKind.PARKED})
_PLAYBACK_TIMESTAMP = re.compile(r"/web/(\d{14})/")


class BaselineSource(StrEnum):
    """Where a link's "then" comes from."""

    FIRST_CHECK = "first-check"  # rotwatch's own first check of the link
    CAPTURE = "capture"  # the archive's capture closest before the earliest issue citing it


class DriftRewrite(StrEnum):
    """Which drifted links the archival copy points at their capture (`drift_rewrite`)."""

    TAKEOVER = "takeover"  # taken over (gambling, adult, loan spam) or parked
    ALL = "all"  # every drift with a capture
    OFF = "off"  # none: drift is reported only


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a link's page showed then: `fingerprint` None when no usable version is known
    (a capture lookup that found none); `capture` the playback URL of a capture
    baseline; `taken_on` the day that version shows."""

    url: str
    source: BaselineSource
    fingerprint: Fingerprint | None
    taken_on: date | None
    recorded_at: datetime
    capture: str | None = None


def page_fingerprint(result: CheckResult, assessment: Assessment) -> Fingerprint | None:
    """The fingerprint to keep of a check: of the page it read, for live verdicts only."""
    if result.page is None or assessment.verdict not in LIVE:
        return None
    return fingerprint(result.page)


def earliest_cited(dates: Iterable[date | None]) -> date | None:
    """The date of the earliest issue citing a link, None when every one is undated."""
    return min((day for day in dates if day is not None), default=None)


def counts_as_then(baseline: Baseline, cited_on: date | None) -> bool:
    """Whether `baseline` shows the page as the earliest issue (published `cited_on`) cited it."""
    if baseline.fingerprint is None:
        return False
    if baseline.source is BaselineSource.CAPTURE or cited_on is None:
        return True
    return baseline.taken_on is not None and baseline.taken_on - cited_on <= FIRST_CHECK_WINDOW


def needs_capture(baseline: Baseline | None, cited_on: date | None) -> bool:
    """Whether the archive must be asked for the capture before `cited_on`: a dated link
    with no baseline, or only a first check that proves nothing (see the module)."""
    if cited_on is None or baseline is None:
        return cited_on is not None
    return baseline.source is BaselineSource.FIRST_CHECK and not counts_as_then(baseline, cited_on)


def drift_of(
    verdict: Verdict, now: Fingerprint | None, baseline: Baseline | None, cited_on: date | None
) -> Drift | None:
    """The link's drift, or None: a live page compared with the "then" that counts for it."""
    if verdict not in LIVE or now is None or baseline is None or baseline.fingerprint is None:
        return None
    if not counts_as_then(baseline, cited_on):
        return None
    drift = judge_drift(baseline.fingerprint, now)
    if drift is None:
        return None
    then_on = baseline.taken_on.isoformat() if baseline.taken_on else ""
    return Drift(drift.kind, drift.reason, drift.then_title, drift.now_title, baseline.capture, then_on)


def mends(drift: Drift | None, mode: DriftRewrite) -> bool:
    """Whether the archival copy points this drifted link at its capture (`drift_rewrite`)."""
    if drift is None or drift.capture is None or mode is DriftRewrite.OFF:
        return False
    return mode is DriftRewrite.ALL or drift.kind in _TAKEOVERS


def capture_of(url: str, drift: Drift) -> Snapshot | None:
    """The capture a drifted link's "then" comes from, to point the archival copy at (None: a first check)."""
    found = _PLAYBACK_TIMESTAMP.search(drift.capture or "")
    return None if found is None else Snapshot(url, found.group(1), 200)
