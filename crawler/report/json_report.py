"""report.json: the machine-readable report whose schema DESIGN.md fixes.

```
{"generated_at": iso8601,
 "links": [{"url", "verdict", "reason", "http_status", "final_url", "title", "error",
            "archive": {"url", "timestamp"} | null,
            "occurrences": [{"issue", "line", "column", "text", "kind"}]}],
 "summary": {verdict: count}}
```

Beyond DESIGN.md's keys (additions only, so readers of the documented
schema are unaffected): `reason`, the one-line explanation an editor reads,
occurrence `column`, which with `line` locates the URL exactly, per link
`capture_status` and, from the nightly crawl, the run's `archive` counts.

Field decisions:
- `error` is null unless the check got no usable response (`result.error`
  set); then it is the spider's detail message, or the ErrorKind value
  (`"nxdomain"`, `"timeout"`...) when there is no detail.
- `archive` is null unless a capture was found; its `url` is the playback
  URL (`archive_url`, null if the caller built none) and `timestamp` the
  capture's `YYYYMMDDhhmmss`. A link cited in issues of several dates has a
  capture per date; the link shows its latest issue's (the CSV files show
  each occurrence's).
- `capture_status` is `found`, `none` (the archive has no trustworthy
  capture) or `pending` (not known yet: not asked, or the archive did not
  answer) for a dead link, null for a link no capture was wanted for.
- `archive` at the top (the nightly crawl only): `lookups` asked this run,
  `requests` and `refused` (429) by pool (`query`: CDX and availability;
  `playback`: capture verifications), `pending` captures, and
  `batch_fallback`, true when batch availability failed and the CDX index
  was used instead.
- Links are sorted by URL and occurrences by issue, line, column, and the
  summary lists every verdict (zeros included), so two runs diff cleanly.
- Non-ASCII text (Chinese link text and titles) is written as itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from crawler.models import CheckResult, LinkOccurrence, LinkReport, Verdict
from crawler.report.summary import count_by_verdict, occurrence_order, sorted_reports

__all__ = ["archive_counts", "link_fields", "occurrence_fields", "render"]


def render(
    reports: Sequence[LinkReport],
    *,
    failing: frozenset[Verdict],
    generated_at: datetime,
    run_counts: Mapping[str, int] | None = None,
) -> str:
    """report.json as text. `failing` is unused: the verdicts speak for
    themselves and readers apply their own policy. `run_counts` (the nightly
    crawl's) add the run's `archive` counts."""
    document = _document(reports, generated_at)
    if run_counts is not None:
        document["archive"] = archive_counts(run_counts)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def archive_counts(run_counts: Mapping[str, int]) -> dict[str, Any]:
    """The run's archive work, from the crawl's run counts (see the module docstring)."""
    return {
        "lookups": run_counts.get("archive_lookups", 0),
        "requests": {pool: run_counts.get(f"archive_{pool}_requests", 0) for pool in ("query", "playback")},
        "refused": {pool: run_counts.get(f"archive_{pool}_429s", 0) for pool in ("query", "playback")},
        "pending": run_counts.get("captures_pending", 0),
        "batch_fallback": bool(run_counts.get("archive_batch_fallback")),
    }


def _document(reports: Sequence[LinkReport], generated_at: datetime) -> dict[str, Any]:
    return {
        "generated_at": generated_at.isoformat(),
        "links": [_link(report) for report in sorted_reports(reports)],
        "summary": {verdict.value: count for verdict, count in count_by_verdict(reports).items()},
    }


def _link(report: LinkReport) -> dict[str, Any]:
    return {
        **link_fields(report),
        "error": _error(report.result),
        "archive": _archive(report),
        "capture_status": report.capture_status.value if report.capture_status else None,
        "occurrences": [occurrence_fields(occ) for occ in sorted(report.occurrences, key=occurrence_order)],
    }


def link_fields(report: LinkReport) -> dict[str, Any]:
    """What one link's check found, as report.json and the CSV files write it."""
    result = report.result
    return {
        "url": report.url,
        "verdict": report.assessment.verdict.value,
        "reason": report.assessment.reason,
        "http_status": result.http_status,
        "final_url": result.final_url,
        "title": result.title,
    }


def _error(result: CheckResult) -> str | None:
    if result.error is None:
        return None
    return result.error_detail or result.error.value


def _archive(report: LinkReport) -> dict[str, str | None] | None:
    if report.archive is None:
        return None
    return {"url": report.archive_url, "timestamp": report.archive.timestamp}


def occurrence_fields(occurrence: LinkOccurrence) -> dict[str, Any]:
    """Where one occurrence stands, as report.json and `rotwatch links` write it."""
    return {
        "issue": occurrence.issue,
        "line": occurrence.line,
        "column": occurrence.column,
        "text": occurrence.text,
        "kind": occurrence.kind.value,
    }
