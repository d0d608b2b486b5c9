"""SARIF 2.1.0: link problems as code-scanning alerts on the issue files.

One run, tool `rotwatch` with one rule per verdict (`rotwatch/broken`...)
and `rotwatch/drifted` last, and one result per flagged occurrence. `level`
follows `summary.link_severity`: failing verdicts are `error`, redirected
`warning`, blocked and unreachable `note`; ok and skipped links are not
results (unless --fail-on names them), or every mailto: link would raise an
alert. A link whose page drifted (it answers, but is now another page) is a
`warning` under `rotwatch/drifted`, with the evidence in the message, unless
its verdict fails, when it stays under its verdict's rule with the evidence
added: a warning, because drift is worth a person's look but fails nothing
(see `crawler.report.summary`). A capture from another archive than the
Wayback Machine is named with its archive.

Each result's region covers the URL exactly as written in the source:
`startColumn` is the occurrence's column and `endColumn` (exclusive, as
SARIF defines it) is `column + len(written)`. Columns are counted in
characters, so the run declares `columnKind: unicodeCodePoints` rather than
SARIF's default of UTF-16 code units, which differ on emoji. Issue paths
become relative URIs (POSIX separators, percent-encoded), or `file:` URIs
when absolute.

When the machine looks offline nothing was checked: `render_offline` gives
the run no results and one `invocations[0].toolExecutionNotifications`
entry with `executionSuccessful: false` (SARIF 2.1.0 sections 3.20.14 and
3.20.21; by its Appendix I a consumer then knows the results are not
complete), so a consumer can tell an offline run from a clean one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from crawler import __version__
from crawler.models import LinkReport, Verdict
from crawler.report.summary import Mention, capture_reference, drift_evidence, link_severity, mentions, one_line

__all__ = ["DRIFTED_RULE", "INFORMATION_URI", "SCHEMA_URI", "artifact_uri", "render", "render_offline", "rule_id"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/rotwatch/"

# Per verdict: (shortDescription, help) as an editor needs them.
_RULE_TEXT = {
    Verdict.OK: ("Link works", "The link answered 2xx. Nothing to do."),
    Verdict.REDIRECTED: (
        "Link permanently redirected",
        "The link works through a permanent redirect (301/308). Replace it with the final URL.",
    ),
    Verdict.BROKEN: (
        "Link is broken",
        "The target is gone (404/410, missing domain, refused connection, redirect loop, "
        "soft-404 or parked domain). Fix the link or point it at an archived copy.",
    ),
    Verdict.BLOCKED: (
        "Link refuses automated checks",
        "The server refuses automated clients (401/403/429/999 or a bot challenge). Check it in a browser.",
    ),
    Verdict.UNREACHABLE: (
        "Link unreachable",
        "Timeout, reset or 5xx after retries: maybe transient. Check again later.",
    ),
    Verdict.SKIPPED: (
        "Link not checked",
        "Excluded, not http(s), or pointing at a refused address: rotwatch did not fetch it.",
    ),
}


DRIFTED_RULE = "rotwatch/drifted"  # the rule of a working link whose page is now another page
_DRIFTED_TEXT = (
    "Link now shows another page",
    "The link works, but its page is no longer the one the issue cited: the domain was taken over "
    "(gambling, adult or loan spam), parked or for sale, or the page was replaced. Compare it with the "
    "archive capture named in the message, then point the link at the capture or remove it.",
)


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """The SARIF log as JSON text. `generated_at` is not recorded: without
    it, the same links give the same file and code scanning sees no churn."""
    return json.dumps(_log(reports, failing), ensure_ascii=False, indent=2) + "\n"


def render_offline(message: str, *, generated_at: datetime) -> str:
    """A run with no results and one error notification: nothing was checked."""
    log = _log([], frozenset())
    notification = {"level": "error", "message": {"text": message}}
    log["runs"][0]["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": [notification]}]
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _log(reports: Sequence[LinkReport], failing: frozenset[Verdict]) -> dict[str, Any]:
    results = [result for mention in mentions(reports) if (result := _result(mention, failing))]
    driver = {
        "name": "rotwatch",
        "informationUri": INFORMATION_URI,
        "version": __version__,
        "rules": [*(_rule(verdict) for verdict in Verdict), _drifted_rule()],
    }
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def rule_id(verdict: Verdict) -> str:
    """`rotwatch/broken`: stable ids that code scanning keys alerts on."""
    return f"rotwatch/{verdict}"


def artifact_uri(issue: str) -> str:
    """An issue path as a SARIF artifact URI: relative paths stay relative
    (resolved against the repository root by code scanning), absolute ones
    become `file:` URIs."""
    path = PurePath(issue)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


def _drifted_rule() -> dict[str, Any]:
    short, help_text = _DRIFTED_TEXT
    return {
        "id": DRIFTED_RULE,
        "name": "DriftedLink",
        "shortDescription": {"text": short},
        "help": {"text": help_text},
    }


def _rule(verdict: Verdict) -> dict[str, Any]:
    short, help_text = _RULE_TEXT[verdict]
    return {
        "id": rule_id(verdict),
        "name": f"{verdict.value.capitalize()}Link",
        "shortDescription": {"text": short},
        "help": {"text": help_text},
    }


def _result(mention: Mention, failing: frozenset[Verdict]) -> dict[str, Any] | None:
    report, occurrence = mention
    verdict = report.assessment.verdict
    level = link_severity(report, failing)
    if level is None:
        return None
    region = {
        "startLine": occurrence.line,
        "startColumn": occurrence.column,
        "endColumn": occurrence.column + len(occurrence.written),
    }
    location = {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(occurrence.issue)}, "region": region}}
    drifted = report.drift is not None and verdict not in failing
    return {
        "ruleId": DRIFTED_RULE if drifted else rule_id(verdict),
        "ruleIndex": len(Verdict) if drifted else list(Verdict).index(verdict),
        "level": level.value,
        "message": {"text": _message(report)},
        "locations": [location],
    }


def _message(report: LinkReport) -> str:
    text = f"{report.assessment.verdict} link {report.url}: {one_line(report.assessment.reason)}"
    if report.drift is not None:
        text += f" Drifted: {drift_evidence(report.drift)}."
    if reference := capture_reference(report):
        text += f" Archived copy: {reference}"
    return text
