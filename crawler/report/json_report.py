"""report.json: the machine-readable report; docs/report.schema.json is its
JSON Schema and docs/report-json.md the schema in words.

```
{"generated_at": iso8601,
 "links": [{"url", "verdict", "reason", "http_status", "final_url", "title", "error",
            "archive": {"url", "timestamp", "archive"} | null,
            "occurrences": [{"issue", "line", "column", "text", "kind"}],
            "drift": {"kind", "reason", "then", "now", "capture", "then_on"} | null,
            "dead", "failing_since", "dead_since",            (crawl only)
            "capture_status"}],                               (crawl only)
 "summary": {verdict: count},
 "drifted": {drift kind: count},
 "diff": {"newly_dead", "fixed", "still_dead", "newly_drifted"},  (crawl only)
 "not_checked": count,                                    (crawl only)
 "archive": {"lookups", "requests", "refused", "pending", "batch_fallback"}}  (crawl only)
```

`render` writes `rotwatch check --format json`; `render_crawl` writes the
nightly crawl's report.json, the same document plus what only the crawl's
history knows, so report.json says at least what links.csv says: per link
whether it is dead (`CrawlView.is_dead`) and since when (`failing_since`,
the start of the current run of failures; `dead_since`, when it was
declared dead), and at top level the run's diff and how many links have no
recorded answer (`summary.not_checked`). Keys are only ever added, so a
reader of an older document is unaffected; `reason` (the one-line
explanation an editor reads) and occurrence `column` (with `line`, where
the URL stands exactly) were the first additions to the original schema's keys (docs/report-json.md).

Field decisions:
- `error` is null unless the check got no usable response (`result.error`
  set); then it is the spider's detail message, or the ErrorKind value
  (`"nxdomain"`, `"timeout"`...) when there is no detail.
- `archive` is null unless a capture was found; its `url` is the playback
  URL (`summary.capture_url`: the one built for the link, else another
  archive's own memento URL; null if there is neither), `timestamp` the
  capture's `YYYYMMDDhhmmss` and `archive` the name of the archive holding
  it (`wayback`, or a Memento archive's: `arquivo.pt`, `archive.today`,
  `loc`). A link cited in issues of several dates has a capture per date;
  the link shows its latest issue's (the CSV files show each occurrence's).
- `drift` is null unless the link works but now shows another page; then
  its `kind` (`takeover`, `parked`, `replaced`), the English `reason`, the
  title `then` and `now`, the `capture` compared against (its playback URL;
  null when "then" is rotwatch's own first check of the link) and `then_on`,
  the day of that version (`YYYY-MM-DD`, "" when not known). `drifted` at the
  top counts drifted links per kind, every kind present, beside the summary
  rather than inside it, so the summary still adds up to the links; the
  diff's `newly_drifted` lists the links first judged drifted in this crawl.
- `capture_status` (crawl only) is `found`, `none` (the archive has no
  trustworthy capture) or `pending` (not known yet: not asked, or the archive
  did not answer) for a dead link, null for a link no capture was wanted for.
- `archive` at the top (crawl only): the (link, date) `lookups` asked this
  run, `requests` and `refused` (429) by pool (`query`: CDX and
  availability; `playback`: capture verifications), the captures still
  `pending`, and `batch_fallback`, true when batch availability failed and
  the CDX index was used instead.
- Links are sorted by URL and occurrences by issue, line, column, the diff's
  URLs by URL, and the summary lists every verdict (zeros included), so two
  runs diff cleanly.
- Moments are ISO 8601 with their UTC offset (RFC 3339), null when unknown.
- Non-ASCII text (Chinese link text and titles) is written as itself.
- When the machine looks offline nothing was checked: `render_offline`
  writes `"offline": true` and the `message`, no links and a zero summary,
  so a reader never takes an offline run for a clean one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from crawler.models import CheckResult, Drift, DriftKind, LinkOccurrence, LinkReport, Verdict
from crawler.report.summary import capture_url, count_by_drift, count_by_verdict, occurrence_order, sorted_reports

if TYPE_CHECKING:  # crawler.nightly.view imports crawler.report, which imports this module
    from crawler.nightly.view import CrawlView

__all__ = [
    "archive_counts",
    "crawl_pieces",
    "drift_fields",
    "link_fields",
    "link_items",
    "occurrence_fields",
    "render",
    "render_crawl",
    "render_offline",
]


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """report.json as text. `failing` is unused: the verdicts speak for
    themselves and readers apply their own policy. The links are encoded one
    at a time: the document as dicts took 60 MB more at its peak on 20,000
    links than its text (benchmarks/bench_lychee.py)."""
    document = _document(generated_at, _LINKS_PLACE, count_by_verdict(reports), count_by_drift(reports))
    head, tail = _around_links(_text(document))
    return "".join((head, *_indented(_item(_link(report, None)) for report in sorted_reports(reports)), tail))


def render_crawl(view: CrawlView) -> str:
    """The nightly crawl's report.json: `render`'s document plus, per link,
    whether it is dead and since when, and the run's diff."""
    return "".join(crawl_pieces(view))


def crawl_pieces(view: CrawlView, items: Iterable[str] | None = None) -> Iterator[str]:
    """`render_crawl`'s text a chunk of links at a time, so a crawl of a million links writes
    its report.json without holding it whole (as one string, or one document of dicts): the
    links' items (`link_items` of each chunk: by default of `CrawlView.read`) are read again
    from the view's source, the counts are the view's."""
    yield _around_links(_text({"generated_at": view.generated_at.isoformat(), "links": _LINKS_PLACE}))[0]
    every = view.read(link_items) if items is None else items
    yield from _indented(chunk for chunk in every if chunk)
    figures = view.figures  # known once the links are read (`CrawlView.read`)
    document = _document(view.generated_at, _LINKS_PLACE, figures.verdicts, figures.drifted)
    yield _around_links(_crawl_text(document, view))[1]


def link_items(view: CrawlView, reports: Sequence[LinkReport]) -> str:
    """The links' items of report.json's list, in the order given, as one text: a chunk's
    items in one piece, which another process hands back as one string."""
    return _BETWEEN_ITEMS.join([_item(_link(report, view)) for report in reports])


def _crawl_text(document: dict[str, Any], view: CrawlView) -> str:
    diff = view.diff
    document["diff"] = {
        "newly_dead": sorted(diff.newly_dead),
        "fixed": sorted(diff.fixed),
        "still_dead": sorted(diff.still_dead),
        "newly_drifted": sorted(diff.newly_drifted),
    }
    document["not_checked"] = view.figures.not_checked
    document["archive"] = archive_counts(view.run_counts)
    return _text(document)


_FURTHER_COUNT = re.compile(r"memento_(.+)_(requests|429s)")  # crawler.nightly.archive_step's run counts


def archive_counts(run_counts: Mapping[str, int]) -> dict[str, Any]:
    """The run's archive work, from the crawl's run counts (see the module docstring)."""
    return {
        "lookups": run_counts.get("archive_lookups", 0),
        "requests": {pool: run_counts.get(f"archive_{pool}_requests", 0) for pool in ("query", "playback")},
        "refused": {pool: run_counts.get(f"archive_{pool}_429s", 0) for pool in ("query", "playback")},
        "pending": run_counts.get("captures_pending", 0),
        "batch_fallback": bool(run_counts.get("archive_batch_fallback")),
        "further_lookups": run_counts.get("memento_lookups", 0),
        "further": _further_archives(run_counts),
        "drift_baselines": run_counts.get("drift_baselines", 0),
        "drift_baselines_pending": run_counts.get("drift_baselines_pending", 0),
    }


def _further_archives(run_counts: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Requests and 429s per further archive, from `memento_<name>_requests` and `..._429s`."""
    further: dict[str, dict[str, int]] = {}
    for name, count in run_counts.items():
        if (found := _FURTHER_COUNT.fullmatch(name)) is not None:
            archive, what = found.groups()
            counts = further.setdefault(archive, {"requests": 0, "refused": 0})
            counts["requests" if what == "requests" else "refused"] = count
    return further


def render_offline(message: str, *, generated_at: datetime) -> str:
    """Nothing was checked: `offline` and the message, no link judged."""
    empty = _document(generated_at, [], count_by_verdict(()), count_by_drift(()))
    return _text({**empty, "offline": True, "message": message})


def _text(document: dict[str, Any]) -> str:
    return _encoded(document) + "\n"


def _document(
    generated_at: datetime,
    links: list[dict[str, Any]] | str,
    verdicts: Mapping[Verdict, int],
    drifted: Mapping[DriftKind, int],
) -> dict[str, Any]:
    """The document; a placeholder may stand where the links go (`crawl_pieces`)."""
    return {
        "generated_at": generated_at.isoformat(),
        "links": links,
        "summary": {verdict.value: count for verdict, count in verdicts.items()},
        "drifted": {kind.value: count for kind, count in drifted.items()},
    }


# Stands for the links in a document written in pieces; JSON escapes NUL, so no text can be it.
_LINKS_PLACE = "\0links\0"


def _around_links(text: str) -> tuple[str, str]:
    """A document's text before and after the placeholder standing for its links."""
    head, tail = text.split(_encoded(_LINKS_PLACE), 1)
    return head, tail


def _item(entry: dict[str, Any]) -> str:
    """An item of a list at the document's second level, as `_text` writes it."""
    return _encoded(entry).replace("\n", "\n    ")


def _indented(items: Iterable[str]) -> Iterator[str]:
    """A list at the document's second level (of `_item`s, or of runs of them joined as in the
    list), as `_text` writes it, a piece at a time."""
    opening = "[\n    "
    for item in items:
        yield opening
        yield item
        opening = _BETWEEN_ITEMS
    yield "[]" if opening == "[\n    " else "\n  ]"


_BETWEEN_ITEMS = ",\n    "  # between two items of a list at the document's second level


def _encoded(value: object) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)`'s text, encoded by orjson (Rust): the
    standard library indents in Python only, which was most of the time report.json took (7.7 times
    slower on 200,000 links' document). The same text for every value a document holds (strings,
    whole numbers, booleans, null, lists, dicts with string keys); tests hold the two to it."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def _link(report: LinkReport, view: CrawlView | None) -> dict[str, Any]:
    entry = {
        **link_fields(report),
        "error": _error(report.result),
        "archive": _archive(report),
        "occurrences": [occurrence_fields(occ) for occ in sorted(report.occurrences, key=occurrence_order)],
        "drift": drift_fields(report.drift) if report.drift else None,
    }
    return entry if view is None else entry | _history_fields(report, view)


def _history_fields(report: LinkReport, view: CrawlView) -> dict[str, Any]:
    """What the crawl's history says of a link: dead or not, and since when."""
    history = view.histories.get(report.url)
    failing_since = history.failing_since if history else None
    dead_since = history.dead_since if history else None
    return {
        "dead": view.is_dead(report),
        "failing_since": failing_since.isoformat() if failing_since else None,
        "dead_since": dead_since.isoformat() if dead_since else None,
        "capture_status": report.capture_status.value if report.capture_status else None,
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
    return {"url": capture_url(report), "timestamp": report.archive.timestamp, "archive": report.archive.archive}


def drift_fields(drift: Drift) -> dict[str, str | None]:
    """A drifted link's evidence, as report.json writes it."""
    return {
        "kind": drift.kind.value,
        "reason": drift.reason,
        "then": drift.then_title,
        "now": drift.now_title,
        "capture": drift.capture,
        "then_on": drift.then_on,
    }


def occurrence_fields(occurrence: LinkOccurrence) -> dict[str, Any]:
    """Where one occurrence stands, as report.json and `rotwatch links` write it."""
    return {
        "issue": occurrence.issue,
        "line": occurrence.line,
        "column": occurrence.column,
        "text": occurrence.text,
        "kind": occurrence.kind.value,
    }
