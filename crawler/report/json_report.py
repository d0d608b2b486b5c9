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
and occurrence `column`, which with `line` locates the URL exactly.

Field decisions:
- `error` is null unless the check got no usable response (`result.error`
  set); then it is the spider's detail message, or the ErrorKind value
  (`"nxdomain"`, `"timeout"`...) when there is no detail.
- `archive` is null unless a capture was found; its `url` is the playback
  URL (`archive_url`, null if the caller built none) and `timestamp` the
  capture's `YYYYMMDDhhmmss`.
- Links are sorted by URL and occurrences by issue, line, column, and the
  summary lists every verdict (zeros included), so two runs diff cleanly.
- Non-ASCII text (Chinese link text and titles) is written as itself.
- When the machine looks offline nothing was checked: `render_offline`
  writes `"offline": true` and the `message`, no links and a zero summary,
  so a reader never takes an offline run for a clean one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crawler.models import CheckResult, LinkOccurrence, LinkReport, Verdict
from crawler.report.summary import count_by_verdict, occurrence_order, sorted_reports

__all__ = ["link_fields", "occurrence_fields", "render", "render_offline"]


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """report.json as text. `failing` is unused: the verdicts speak for
    themselves and readers apply their own policy."""
    return json.dumps(_document(reports, generated_at), ensure_ascii=False, indent=2) + "\n"


def render_offline(message: str, *, generated_at: datetime) -> str:
    """Nothing was checked: `offline` and the message, no link judged."""
    document = {**_document([], generated_at), "offline": True, "message": message}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


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
