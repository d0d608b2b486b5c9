"""What each live link's page showed then and shows now, kept in the state database.

`StateStore.baselines` is a `BaselineMemory` over the store's connection
(like `crawler.nightly.answers` for the archive's answers). It reads and
writes three things; the rules are `crawler.nightly.drift_rules`:
- `links.fingerprint`: the page as last read (written with each check, by
  `StateStore.record_results`);
- `baselines`: one "then" per link, rotwatch's first check of it
  ('first-check', written with the check that first read a page) or the
  archive's capture closest before the earliest issue citing it
  ('capture', written by the crawl's baseline step as answers arrive; a
  capture replaces a first-check baseline that proves nothing);
- `links.drifted_since`: when the link's page was first judged drifted,
  cleared once it is not; `StateStore.diff` names the links whose
  `drifted_since` falls in the run (newly drifted).

Days are `YYYY-MM-DD` text; times as `policy.instant_text` writes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime

from crawler.check.drift import Fingerprint
from crawler.nightly.drift_rules import Baseline, BaselineSource
from crawler.nightly.policy import instant_text

__all__ = ["FIRST_CHECKS", "BaselineMemory"]

Rows = Callable[[str, Sequence[object]], list[sqlite3.Row]]
Writing = Callable[[], AbstractContextManager[sqlite3.Connection]]

_URLS = "SELECT value FROM json_each(?)"
# The first page read of each link in a batch becomes its first-check baseline (a link that has one keeps it).
FIRST_CHECKS = f"""INSERT INTO baselines (url, fingerprint, source, taken_on, recorded_at)
    SELECT url, fingerprint, 'first-check', substr(last_checked, 1, 10), last_checked FROM links
    WHERE fingerprint IS NOT NULL AND url IN ({_URLS})
    ON CONFLICT (url) DO NOTHING"""
_BASELINES = f"""SELECT url, fingerprint, source, capture, taken_on, recorded_at FROM baselines
    WHERE url IN ({_URLS})"""
_FINGERPRINTS = f"SELECT url, fingerprint FROM links WHERE fingerprint IS NOT NULL AND url IN ({_URLS})"
# The pages read whose text is not their baseline's: only these can have drifted (a page has not drifted
# from itself), and at a million links nearly every page is still its baseline (issue 14).
# Asked of a chunk of the reports in URL order: each URL is looked up as given, where `url IN (...)` sorts
# the list into an index first (0.70 s over the 200,000 links of a report, against 0.59).
_DIFFERS = "links.fingerprint != baselines.fingerprint"
_CHANGED = f"""SELECT links.url, links.fingerprint AS now, baselines.fingerprint, source, capture, taken_on,
    recorded_at FROM json_each(?) AS wanted JOIN links ON links.url = wanted.value
    JOIN baselines ON baselines.url = links.url WHERE {_DIFFERS}"""
# The links tonight's judgement can change: a page that differs from its baseline, or one noted drifted.
_TO_JUDGE = f"""SELECT links.url FROM links JOIN baselines ON baselines.url = links.url WHERE {_DIFFERS}
    UNION SELECT url FROM links WHERE drifted_since IS NOT NULL"""
_STORE = """INSERT OR REPLACE INTO baselines (url, fingerprint, source, capture, taken_on, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
_DRIFTED = "UPDATE links SET drifted_since = coalesce(drifted_since, ?) WHERE url = ?"
_NOT_DRIFTED = "UPDATE links SET drifted_since = NULL WHERE url = ? AND drifted_since IS NOT NULL"


class BaselineMemory:
    """Pages then and now in the state database (see the module docstring)."""

    def __init__(self, rows: Rows, writing: Writing, clock: Callable[[], datetime]) -> None:
        self._rows = rows
        self._writing = writing
        self._clock = clock

    def known(self, urls: Iterable[str]) -> dict[str, Baseline]:
        """The baseline of each of `urls` that has one."""
        return {row["url"]: _baseline(row) for row in self._rows(_BASELINES, (_json_list(urls),))}

    def fingerprints(self, urls: Iterable[str]) -> dict[str, Fingerprint]:
        """The page each of `urls` showed when last read, for those a check read one of."""
        rows = self._rows(_FINGERPRINTS, (_json_list(urls),))
        return {row["url"]: Fingerprint.from_json(row["fingerprint"]) for row in rows}

    def to_judge(self) -> set[str]:
        """The links whose drift can be news tonight: those whose page differs from their baseline
        (`changed`: no other page can have drifted) and those noted drifted, which may no longer be.
        Every other link is not drifted, and its `drifted_since` is already empty."""
        return {row["url"] for row in self._rows(_TO_JUDGE, ())}

    def changed(self, urls: Iterable[str]) -> dict[str, tuple[Fingerprint, Baseline]]:
        """The page each of `urls` showed when last read and its baseline, for those whose page
        differs from their baseline's (both known): no other page can have drifted. Only these
        fingerprints are parsed."""
        rows = self._rows(_CHANGED, (_json_list(urls),))
        return {row["url"]: (Fingerprint.from_json(row["now"]), _baseline(row)) for row in rows}

    def record(self, baselines: Iterable[Baseline]) -> None:
        """Stores capture baselines (found, or none usable) in one transaction."""
        with self._writing() as db:
            db.executemany(_STORE, (_row(baseline) for baseline in baselines))

    def judged(self, drifted: Mapping[str, bool]) -> None:
        """Notes, per link judged tonight, whether it is drifted: `drifted_since` is set the
        first time (now), kept while it stays drifted and cleared when it is not."""
        now = instant_text(self._clock())
        with self._writing() as db:
            db.executemany(_DRIFTED, ((now, url) for url, is_drifted in drifted.items() if is_drifted))
            db.executemany(_NOT_DRIFTED, ((url,) for url, is_drifted in drifted.items() if not is_drifted))


def _json_list(urls: Iterable[str]) -> str:
    return json.dumps(list(urls))


def _baseline(row: sqlite3.Row) -> Baseline:
    return Baseline(
        url=row["url"],
        source=BaselineSource(row["source"]),
        fingerprint=Fingerprint.from_json(row["fingerprint"]) if row["fingerprint"] else None,
        taken_on=date.fromisoformat(row["taken_on"]) if row["taken_on"] else None,
        recorded_at=datetime.fromisoformat(row["recorded_at"]),
        capture=row["capture"],
    )


def _row(baseline: Baseline) -> tuple[object, ...]:
    return (
        baseline.url,
        None if baseline.fingerprint is None else baseline.fingerprint.to_json(),
        baseline.source.value,
        baseline.capture,
        baseline.taken_on.isoformat() if baseline.taken_on else "",
        instant_text(baseline.recorded_at),
    )
