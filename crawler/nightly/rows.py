"""The state database's rows as rotwatch's values and back: one link's row, one check event.

Kept apart from the store so the store reads as what it does, not how a
row is spelled; the SQL that reads and writes these rows is in store.py.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from crawler.models import Assessment, CheckResult, ErrorKind, LinkHistory, Page, Verdict
from crawler.nightly.drift_rules import page_fingerprint
from crawler.nightly.policy import instant_text

__all__ = ["checked_row", "event_row", "last_result", "link_history", "optional_text", "optional_time"]


# Enum members by stored value: a dict look-up, where calling the enum costs microseconds a row,
# seconds over a million rows read back for the reports.
_VERDICTS = {verdict.value: verdict for verdict in Verdict}
_ERRORS = {error.value: error for error in ErrorKind}


def optional_text(moment: datetime | None) -> str | None:
    return None if moment is None else instant_text(moment)


def optional_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def link_history(row: sqlite3.Row) -> LinkHistory:
    return LinkHistory(
        url=row["url"],
        first_seen=datetime.fromisoformat(row["first_seen"]),
        last_checked=optional_time(row["last_checked"]),
        last_verdict=_VERDICTS[row["last_verdict"]] if row["last_verdict"] else None,
        failing_since=optional_time(row["failing_since"]),
        consecutive_failures=row["consecutive_failures"],
        last_ok=optional_time(row["last_ok"]),
        dead=bool(row["dead"]),
        dead_since=optional_time(row["dead_since"]),
    )


def checked_row(history: LinkHistory, result: CheckResult, assessment: Assessment) -> tuple[object, ...]:
    return (
        optional_text(history.last_checked),
        assessment.verdict.value,
        result.http_status,
        result.final_url,
        result.title,
        result.error.value if result.error else None,
        assessment.reason,
        history.consecutive_failures,
        optional_text(history.failing_since),
        optional_text(history.last_ok),
        history.dead,
        optional_text(history.dead_since),
        _fingerprint_text(result, assessment),
        history.url,
    )


def _fingerprint_text(result: CheckResult, assessment: Assessment) -> str | None:
    """The page's fingerprint as the state keeps it; None keeps the one last read."""
    kept = page_fingerprint(result, assessment)
    return None if kept is None else kept.to_json()


def event_row(run_id: int, history: LinkHistory, result: CheckResult, assessment: Assessment) -> tuple[object, ...]:
    verdict, checked_at = assessment.verdict.value, optional_text(history.last_checked)
    return (run_id, history.url, checked_at, verdict, result.http_status, assessment.reason, history.dead)


def last_result(row: sqlite3.Row) -> tuple[CheckResult, Assessment]:
    result = CheckResult(
        url=row["url"],
        http_status=row["http_status"],
        final_url=row["final_url"],
        page=Page(title=row["title"]) if row["title"] is not None else None,
        error=_ERRORS[row["error"]] if row["error"] else None,
    )
    return result, Assessment(_VERDICTS[row["last_verdict"]], row["reason"] or "")
