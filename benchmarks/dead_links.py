"""Dead links of the corpus and their captures in the simulated Wayback Machine, with the truth.

The archive benchmark (bench_archive.py) takes broken links of the corpus
(corpus.py, with `lapsed=True`: about half on sites that died whole), has
issues cite each 1-3 times, and stocks the simulated archive with what the
Internet Archive would hold of them:

- A cited page was published shortly before its first citation and died
  some time after it; later issues cite it again, sometimes after it died.
- The archive saw it 1-4 times while it lived, most often first around
  publication, and 10 % of pages never. Curated, publicised URIs are the
  best archived: about 90 % of DMOZ's had a copy, and 17-49 % of the
  sampled URIs had 2-5 copies (Ainsworth et al., "How Much of the Web Is
  Archived?", JCDL 2011).
- After the page died the archive may hold what its URL showed then: a
  parking page (a lapsed domain), a "not found" page served 200, or a
  404/410 the index lists with its status; a site that no longer answers
  leaves nothing. Now and then a live page was captured during a bad
  deploy, as a "not found" page served 200. Captures that show no page must
  be skipped.
- Now and then the availability API answers "nothing archived" although
  captures exist, as the real one does.

The truth of an occurrence is the capture of the page closest before the
end of its issue's day (what the editor saw), else the earliest after it,
else none: `DeadLink.truth`. Everything is seeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from corpus import FIRST_ISSUE, Corpus, Link

from crawler.models import Verdict

__all__ = ["TODAY", "ArchivedCapture", "DeadLink", "dead_links"]

TODAY = date(2026, 11, 1)  # the night of the crawl: every capture is older
CITATIONS = {1: 55, 2: 30, 3: 15}  # issues citing a dead link -> percent of dead links
NEVER_ARCHIVED = 0.10
CAPTURED_AT_PUBLICATION = 0.8
LIVE_CAPTURES = (1, 2, 3, 4)  # captures of the page while it lived, equally likely
BAD_DEPLOY = 0.05  # a live page captured as a "not found" page shortly before one of its citations
FALSELY_EMPTY = 0.02  # the availability API answers "nothing" although captures exist
# scenario -> (what captures show after the page died, how many at most); others leave none
AFTER_DEATH = {
    "parked": ("parked", 3),
    "soft-404-title": ("soft-404", 2),
    "soft-404-zh": ("soft-404", 2),
    "soft-404-heading": ("soft-404", 2),
    "not-found": ("error", 2),
    "gone": ("error", 2),
}
ERROR_STATUS = {"not-found": 404, "gone": 410}


@dataclass(frozen=True, slots=True)
class ArchivedCapture:
    """One capture: its timestamp, what it shows (`page`: the cited page; `parked`,
    `soft-404` or `error`: no page), and the status the index lists."""

    timestamp: str
    kind: str
    status: int = 200


@dataclass(frozen=True)
class DeadLink:
    """A dead link of the corpus, the dates of the issues citing it, and its captures."""

    link: Link
    cited: tuple[date, ...]  # oldest first
    captures: tuple[ArchivedCapture, ...]  # oldest first
    falsely_empty: bool  # the availability API says nothing is archived

    def truth(self, day: date) -> str | None:
        """The capture an occurrence in the issue of `day` should point at: the latest
        capture of the page up to the end of that day (what the editor saw), else the
        earliest after it, else none."""
        return next((c.timestamp for c in self.ranked(day) if c.kind == "page"), None)

    def ranked(self, day: date) -> list[ArchivedCapture]:
        """Captures the index offers for `day` (status 200), in the order a client tries
        them: up to the end of the day latest first, then later ones earliest first."""
        cutoff = day.strftime("%Y%m%d") + "235959"
        offered = [c for c in self.captures if c.status == 200]
        before = sorted((c for c in offered if c.timestamp <= cutoff), key=lambda c: c.timestamp, reverse=True)
        return before + [c for c in offered if c.timestamp > cutoff]

    def needed_playbacks(self) -> int:
        """Captures a client must fetch to know every citation's truth: for each date, the
        ones ranked up to the truth (or all, when none shows the page), counted once."""
        needed: set[str] = set()
        for day in self.cited:
            for capture in self.ranked(day):
                needed.add(capture.timestamp)
                if capture.kind == "page":
                    break
        return len(needed)


def dead_links(corpus: Corpus, count: int, weeks: int, seed: int = 11) -> list[DeadLink]:
    """`count` broken links of the corpus, each cited by 1-3 of `weeks` weekly issues from
    FIRST_ISSUE, with the captures the archive holds of them (all seeded)."""
    rng = random.Random(seed)
    broken = [link for link in corpus.links if link.truth is Verdict.BROKEN]
    if count > len(broken):
        raise ValueError(f"the corpus has {len(broken)} broken links, fewer than {count}")
    chosen = rng.sample(broken, count)
    dead = []
    for link in chosen:
        first = rng.randrange(weeks)
        times = rng.choices(list(CITATIONS), list(CITATIONS.values()))[0]
        later = rng.sample(range(first + 1, weeks), min(times - 1, weeks - first - 1))
        cited = tuple(FIRST_ISSUE + timedelta(weeks=week) for week in sorted([first, *later]))
        captures = _captures(link.scenario, cited, rng)
        dead.append(DeadLink(link, cited, captures, bool(captures) and rng.random() < FALSELY_EMPTY))
    return dead


def _captures(scenario: str, cited: tuple[date, ...], rng: random.Random) -> tuple[ArchivedCapture, ...]:
    if rng.random() < NEVER_ARCHIVED:
        return ()
    born = cited[0] - timedelta(days=rng.randint(1, 90))
    died = min(cited[0] + timedelta(days=rng.randint(30, 2500)), TODAY - timedelta(days=30))
    moments = [_moment(born, born + timedelta(days=14), rng)] if rng.random() < CAPTURED_AT_PUBLICATION else []
    moments += [_moment(born, died, rng) for _ in range(rng.choice(LIVE_CAPTURES) - len(moments))]
    found = {moment: ArchivedCapture(moment, "page") for moment in moments}
    if rng.random() < BAD_DEPLOY:
        day = rng.choice(cited)
        if born < day - timedelta(days=30) and day < died:
            moment = _moment(day - timedelta(days=30), day, rng)
            found[moment] = ArchivedCapture(moment, "soft-404")
    shown, most = AFTER_DEATH.get(scenario, ("", 0))
    for _ in range(rng.randint(0, most) if shown == "error" else rng.randint(1, most) if most else 0):
        moment = _moment(died, TODAY, rng)
        found[moment] = ArchivedCapture(moment, shown, ERROR_STATUS.get(scenario, 200))
    return tuple(found[moment] for moment in sorted(found))


def _moment(start: date, end: date, rng: random.Random) -> str:
    """A random capture timestamp between the starts of two days."""
    span = max(1, int((end - start).total_seconds()))
    moment = datetime.combine(start, time()) + timedelta(seconds=rng.randrange(span))
    return moment.strftime("%Y%m%d%H%M%S")
