"""The nightly crawl's rules: when a link is due, when it is dead, which archive answers to trust.

Pure functions over `LinkHistory` values (`advance`, `is_dead`, `is_due`,
`next_check`, `why_due`, `trusted_lookup`, `run_diff`), tested without a
database; `crawler.nightly.store` applies them to the rows it keeps.
`policy_of` is the one place a config becomes a `Policy` (whose fields are
named after the config's keys: see its docstring).

Decisions:
- Dead (README, "When a link is dead"): broken now, or unreachable in `dead_after_runs`
  consecutive checks spanning at least `dead_after`. Dead is sticky:
  only a recovery (ok, redirected) clears it, so a 404 that starts timing out
  does not come back to life. `advance` keeps the sticky flag in the
  history; `is_dead` is the one answer to "does this link count as dead" for
  the crawl's archive lookups, reports and archival copies.
- blocked is not a failure: the server answered, it refuses robots. It ends
  an unreachable streak, never makes a link dead, and does not revive a dead
  one either (the page itself was not seen). skipped sent no request, so it
  changes nothing but the last verdict.
- Rechecks: new links now; unreachable ones every run (the streak counts
  runs); dead ones after `recheck_dead_after`, to notice a return; ok,
  redirected, blocked and skipped after `recheck_after` moved by up to
  `jitter` either way. skipped costs no request, but a `mailto:` in an issue
  must not make every night's crawl non-empty (the crawl applies `--exclude`
  to every URL itself).
- The jitter is drawn from a hash of the URL *and its last check time*. A
  fixed offset per URL gives each link a fixed period (3 or 4 nights with the
  defaults), so the first crawl's burst would come back in lockstep forever;
  redrawing the offset each cycle spreads it evenly over the nights within
  about two weeks, and stays deterministic (asked twice, `due_urls` answers
  the same).
- A capture the archive returns has been verified by the Wayback spider and
  is kept for good; "no capture" is trusted for `no_capture_trusted_for`,
  then asked again; a lookup that failed is not remembered. Answers are per
  (URL, date cited): each issue gets the capture of its own date.
- Save Page Now (`crawl --save-live`) is for live links the archive has no
  recent capture of: the archive is asked only when neither the newest
  capture it named nor our own save is younger than `save_max_age`, and a
  page is saved only when the answer is no capture that young; so a page is
  saved at most once per `save_max_age`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from crawler.models import ArchiveLookup, LinkHistory, LookupOutcome, RunDiff, Snapshot, Verdict

if TYPE_CHECKING:
    from crawler.config import Config

__all__ = [
    "Policy",
    "advance",
    "instant_text",
    "is_dead",
    "is_due",
    "needs_fresh_capture",
    "next_check",
    "policy_of",
    "run_diff",
    "trusted_lookup",
    "why_due",
]


@dataclass(frozen=True, slots=True)
class Policy:
    """How often links are rechecked and when a failing link counts as dead.

    The fields speak the config's words (`recheck_days`, `dead_after_runs`,
    `dead_after_days` in `[tool.rotwatch]`, README), so a setting can be
    followed from rotwatch.toml to the rule by its name. Where the config
    counts days the policy holds a `timedelta`, since the rules add it to
    datetimes, and the name drops the unit the type now carries:
    `recheck_days` is `recheck_after`, `dead_after_days` is `dead_after`.
    The fields the config has no key for follow the same words
    (`recheck_dead_after`, `no_capture_trusted_for`). `policy_of` is the one
    place a config becomes a policy.
    """

    recheck_after: timedelta = timedelta(days=3)  # a working link is rechecked after this
    recheck_dead_after: timedelta = timedelta(days=7)  # a dead link, to notice it coming back
    dead_after_runs: int = 3  # unreachable this many checks in a row...
    dead_after: timedelta = timedelta(days=7)  # ...spanning at least this long
    jitter: float = 0.25  # fraction of recheck_after a recheck moves either way
    no_capture_trusted_for: timedelta = timedelta(days=30)  # "the archive has none" is trusted this long
    save_max_age: timedelta = timedelta(days=365)  # a capture this young needs no Save Page Now


def policy_of(config: Config) -> Policy:
    """The policy a run's config asks for (the settings it has no key for keep their defaults)."""
    return Policy(
        recheck_after=timedelta(days=config.recheck_days),
        dead_after_runs=config.dead_after_runs,
        dead_after=timedelta(days=config.dead_after_days),
        save_max_age=timedelta(days=config.save_max_age_days),
    )


_RECOVERED = frozenset({Verdict.OK, Verdict.REDIRECTED})
_FAILING = frozenset({Verdict.BROKEN, Verdict.UNREACHABLE})


def is_dead(verdict: Verdict, history: LinkHistory | None) -> bool:
    """Whether the link counts as dead in the crawl's reports and archival copies: broken
    now, or dead by its history (see `advance`). The one answer: the crawl's archive
    lookups, its view and so its reports and copies all ask here. A URL the state
    knows nothing of is dead only when broken now."""
    return verdict is Verdict.BROKEN or (history is not None and history.dead)


def _unreachable_long_enough(
    verdict: Verdict, consecutive_failures: int, failing_since: datetime, now: datetime, policy: Policy
) -> bool:
    """Unreachable N times in a row over at least D days: one bad night (or three in one
    bad week-end) never rewrites an issue."""
    return (
        verdict is Verdict.UNREACHABLE
        and consecutive_failures >= policy.dead_after_runs
        and now - failing_since >= policy.dead_after
    )


def advance(history: LinkHistory, verdict: Verdict, now: datetime, policy: Policy) -> LinkHistory:
    """The link's history after a check at `now` gave `verdict` (see the module's decisions):
    a failing check leaves it dead when it was dead already or is broken (`is_dead`), or
    when the unreachable streak it extends has just become long enough."""
    checked = replace(history, last_checked=now, last_verdict=verdict)
    if verdict in _RECOVERED:
        return replace(checked, failing_since=None, consecutive_failures=0, last_ok=now, dead=False, dead_since=None)
    if verdict is Verdict.BLOCKED:
        return replace(checked, failing_since=None, consecutive_failures=0)
    if verdict in _FAILING:
        failures = history.consecutive_failures + 1
        since = history.failing_since or now
        dead = is_dead(verdict, history) or _unreachable_long_enough(verdict, failures, since, now, policy)
        dead_since = history.dead_since if history.dead else (now if dead else None)
        return replace(checked, consecutive_failures=failures, failing_since=since, dead=dead, dead_since=dead_since)
    return checked


def next_check(history: LinkHistory, policy: Policy) -> datetime | None:
    """When the link is due again; None when it was never checked (due now)."""
    schedule = _schedule(history, policy)
    return None if schedule is None else schedule[0]


def is_due(history: LinkHistory | None, now: datetime, policy: Policy) -> bool:
    """Whether the link must be checked in a run at `now` (None: never seen, due)."""
    due_at = None if history is None else next_check(history, policy)
    return due_at is None or now >= due_at


def why_due(history: LinkHistory | None, policy: Policy) -> str:
    """Why a due link is due, in words for the debug log."""
    schedule = None if history is None else _schedule(history, policy)
    if history is None or schedule is None:
        return "never checked"
    due_at, rule = schedule
    return f"{rule}; last checked {history.last_checked:%Y-%m-%d %H:%M}, due from {due_at:%Y-%m-%d %H:%M}"


def _schedule(history: LinkHistory, policy: Policy) -> tuple[datetime, str] | None:
    """When the link is due again and by which rule; None when it was never checked."""
    if history.last_checked is None:
        return None
    if history.dead:
        return history.last_checked + policy.recheck_dead_after, "dead: rechecked to notice a return"
    if history.last_verdict is Verdict.UNREACHABLE:
        return history.last_checked, "unreachable: checked every run, the dead policy counts runs"
    spread = _spread(history.url, history.last_checked)
    due_at = history.last_checked + policy.recheck_after * (1 + policy.jitter * spread)
    return due_at, f"{history.last_verdict}: rechecked after recheck_after, moved by the jitter"


def _spread(url: str, checked_at: datetime) -> float:
    """A number in [-1, 1) that looks random but is fixed by the URL and its last check."""
    digest = hashlib.sha256(f"{url}\n{instant_text(checked_at)}".encode()).digest()
    return 2 * int.from_bytes(digest[:8], "big") / 2**64 - 1


def instant_text(moment: datetime) -> str:
    """An instant as rotwatch writes it: ISO 8601 in UTC, microseconds always written, so the
    texts sort as the times do. The state database keeps times so and the jitter hashes them."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def trusted_lookup(
    url: str,
    snapshot: Snapshot | None,
    answered_at: datetime,
    now: datetime,
    policy: Policy,
    cited_on: date | None = None,
) -> ArchiveLookup | None:
    """The archive's remembered answer for `url` cited on `cited_on`, or None when it
    must be asked again: a capture stays good (it was verified and captures do not
    change); "none" goes stale, because the archive keeps capturing."""
    if snapshot is not None:
        why = f"capture verified on {answered_at:%Y-%m-%d}"
        return ArchiveLookup(url, LookupOutcome.FOUND, snapshot, why, cited_on=cited_on)
    if now - answered_at < policy.no_capture_trusted_for:
        why = f"no capture when asked on {answered_at:%Y-%m-%d}"
        return ArchiveLookup(url, LookupOutcome.NONE, None, why, cited_on=cited_on)
    return None


def needs_fresh_capture(newest: str | None, saved_at: datetime | None, now: datetime, policy: Policy) -> bool:
    """Whether a live link may lack a recent capture: neither the newest capture the
    archive named (a Wayback timestamp) nor our last save is younger than
    `save_max_age` (None: not known)."""
    captured = None if newest is None else datetime.strptime(newest[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return not any(moment is not None and now - moment < policy.save_max_age for moment in (captured, saved_at))


def run_diff(standings: Iterable[tuple[str, bool, bool]]) -> RunDiff:
    """(url, dead before the run, dead after it) -> what changed, each list sorted."""
    newly_dead: list[str] = []
    fixed: list[str] = []
    still_dead: list[str] = []
    for url, before, after in sorted(standings):
        if after:
            (still_dead if before else newly_dead).append(url)
        elif before:
            fixed.append(url)
    return RunDiff(tuple(newly_dead), tuple(fixed), tuple(still_dead))
