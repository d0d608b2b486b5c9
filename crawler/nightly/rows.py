"""The state database's rows as rotwatch's values and back: one link's row, one check event.

Kept apart from the store so the store reads as what it does, not how a
row is spelled; the SQL that reads and writes these rows is in store.py,
which selects a link's columns as listed here (HISTORY_COLUMNS,
STORY_COLUMNS) and hands the rows over as plain tuples read by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crawler.models import Assessment, CheckResult, ErrorKind, LinkHistory, Page, Verdict
from crawler.nightly.drift_rules import page_fingerprint
from crawler.nightly.policy import instant_text

__all__ = [
    "HISTORY_COLUMNS",
    "STORY_COLUMNS",
    "Assessments",
    "checked_row",
    "event_row",
    "last_result",
    "link_history",
    "optional_text",
    "optional_time",
]


# Enum members by stored value: a dict look-up, where calling the enum costs microseconds a row,
# seconds over a million rows read back for the reports.
_VERDICTS = {verdict.value: verdict for verdict in Verdict}
_ERRORS = {error.value: error for error in ErrorKind}


def optional_text(moment: datetime | None) -> str | None:
    return None if moment is None else instant_text(moment)


def optional_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# A link's row as `link_history` and `last_result` read it: the history's columns first, then the last
# check's (a plain tuple, read by position: by name, a `sqlite3.Row` cost a look-up per column).
HISTORY_COLUMNS = """url, first_seen, last_checked, last_verdict, failing_since, consecutive_failures, last_ok, dead,
    dead_since"""
STORY_COLUMNS = f"{HISTORY_COLUMNS}, reason, http_status, final_url, title, error"
Assessments = dict[tuple[str, str | None], Assessment]


def link_history(row: Sequence[Any]) -> LinkHistory:
    """The history of a row of HISTORY_COLUMNS (or STORY_COLUMNS)."""
    url, first_seen, last_checked, verdict, failing_since, failures, last_ok, dead, dead_since = row[:9]
    return LinkHistory(
        url,
        datetime.fromisoformat(first_seen),
        optional_time(last_checked),
        _VERDICTS[verdict] if verdict else None,
        optional_time(failing_since),
        failures,
        optional_time(last_ok),
        bool(dead),
        optional_time(dead_since),
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


def last_result(row: Sequence[Any], assessments: Assessments) -> tuple[CheckResult, Assessment]:
    """The last check of a checked link's row of STORY_COLUMNS; `assessments` holds one per
    verdict and reason, shared by the rows read together (a few hundred among ten thousand
    links: the others are not built again)."""
    url, verdict, reason, status, final_url, title, error = row[0], row[3], *row[9:14]
    page = None if title is None else Page(title)
    result = CheckResult(url, status, final_url, (), page, {}, _ERRORS[error] if error else None, "")
    judged = assessments.get((verdict, reason))
    if judged is None:
        judged = assessments[(verdict, reason)] = Assessment(_VERDICTS[verdict], reason or "")
    return result, judged
