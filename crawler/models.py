"""The values that travel between rotwatch's stages.

Every stage takes and returns these plain dataclasses, so the pure stages
(extract, classify, archive, rewrite, report) can be tested without a network
and the I/O stages (spiders, state) hold no decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from operator import attrgetter
from typing import ClassVar

__all__ = [
    "ArchiveLookup",
    "Assessment",
    "CaptureCheck",
    "CaptureStatus",
    "CheckResult",
    "CitedCapture",
    "Drift",
    "DriftKind",
    "ErrorKind",
    "Hop",
    "LinkHistory",
    "LinkKind",
    "LinkOccurrence",
    "LinkReport",
    "LookupOutcome",
    "Page",
    "Problem",
    "RecentCapture",
    "RunDiff",
    "Snapshot",
    "Verdict",
]


class _PickledByFields:
    """Pickles a model as its fields' values, rebuilt by its `__init__`.

    A frozen slotted dataclass otherwise pickles through dataclasses'
    `__getstate__`/`__setstate__`, which call `fields()` and loop over them in
    Python for every value. The crawl's held links are pickled rows (about
    70,000 written and 145,000 read back at 200,000 links): by fields, a
    held row pickled in 10 µs instead of 15 and unpickled in 10 instead of 14
    (a report goes further: `LinkReport.__reduce__`).
    Every field is an `__init__` argument, so the value comes back equal, the
    fields `compare` leaves out included.
    """

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[object]]]  # each model's, from @dataclass

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        model = type(self)
        values = _FIELD_VALUES.get(model)
        if values is None:  # every model has two fields or more: `attrgetter` gives a tuple
            values = _FIELD_VALUES[model] = attrgetter(*(each.name for each in fields(self)))
        return model, values(self)


_FIELD_VALUES: dict[type, Callable[[object], tuple[object, ...]]] = {}  # each model's field values, read in C


class LinkKind(StrEnum):
    """How a link is written in the Markdown source."""

    LINK = "link"  # [text](url)
    IMAGE = "image"  # ![alt](url)
    AUTOLINK = "autolink"  # <https://...>
    BARE = "bare"  # https://... in prose
    HTML = "html"  # href/src in raw HTML
    REFERENCE = "reference"  # [label]: url definition


@dataclass(frozen=True, slots=True)
class LinkOccurrence(_PickledByFields):
    """One place in one issue where a URL is written.

    `line` and `column` (both 1-based, column counted in characters) point at
    the first character of `written`, the URL exactly as it stands in the
    source, so a rewrite can replace those characters and nothing else.
    `url` is the destination after Markdown unescaping: what gets fetched.
    """

    url: str
    issue: str
    line: int
    column: int
    text: str
    kind: LinkKind
    written: str


@dataclass(frozen=True, slots=True)
class Problem(_PickledByFields):
    """Bad input that was reported and skipped (the run goes on)."""

    path: str
    message: str


class Verdict(StrEnum):
    """What a link's check means for the people who rely on it (README, Verdicts)."""

    OK = "ok"  # 2xx
    REDIRECTED = "redirected"  # 2xx reached through a permanent redirect
    BROKEN = "broken"  # gone: the link needs an archive copy or a fix
    BLOCKED = "blocked"  # the server refuses automated clients
    UNREACHABLE = "unreachable"  # maybe transient: timeouts, resets, 5xx
    SKIPPED = "skipped"  # not checked: excluded, not http(s), refused address


class ErrorKind(StrEnum):
    """Why a request produced no usable response."""

    NXDOMAIN = "nxdomain"  # the name does not exist
    DNS_FAILURE = "dns-failure"  # the lookup timed out or failed temporarily
    CONNECTION_REFUSED = "connection-refused"
    CONNECTION_RESET = "connection-reset"
    TIMEOUT = "timeout"
    TLS = "tls"  # handshake or certificate problem
    TLS_WRONG_HOST = "tls-wrong-host"  # certificate is for another host
    REDIRECT_LOOP = "redirect-loop"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    ADDRESS_REFUSED = "address-refused"  # private/loopback/link-local, not allowed
    EXCLUDED = "excluded"  # matched --exclude
    UNSUPPORTED_SCHEME = "unsupported-scheme"  # mailto:, ftp:, relative...
    INVALID_URL = "invalid-url"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Hop(_PickledByFields):
    """One answered request in a redirect chain: `url` answered `status`."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class Page(_PickledByFields):
    """What was read from the start of an HTML page.

    `text` is a bounded excerpt of the visible text (whitespace collapsed),
    enough to recognise parked domains and "not found" pages.
    """

    title: str | None = None
    heading: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class CheckResult(_PickledByFields):
    """What the link spider observed for one URL; decisions come later."""

    url: str
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[Hop, ...] = ()
    page: Page | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    error: ErrorKind | None = None
    error_detail: str = ""

    @property
    def title(self) -> str | None:
        return self.page.title if self.page else None


@dataclass(frozen=True, slots=True)
class Assessment(_PickledByFields):
    """A verdict with the one-line reason an editor will read.

    `reason` is English, as every machine-read report and the state database
    keep it; `translations` holds the same reason in the HTML report's other
    languages ({"zh": ...}), made from the reason catalogue
    (`crawler.check.reasons`, whose `reason_in` picks one). It is empty for
    an assessment read back from the state database, and left out of
    comparisons: two assessments with the same verdict and reason are equal.
    """

    verdict: Verdict
    reason: str
    translations: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Snapshot(_PickledByFields):
    """One capture of a URL: the Wayback Machine's, or another archive's (`archive`)."""

    original: str
    timestamp: str  # YYYYMMDDhhmmss
    status: int | None = None
    mimetype: str = ""
    archive: str = "wayback"  # the archive holding it: "wayback" or a Memento archive's name
    memento_url: str | None = None  # where another archive shows it (the Wayback Machine's is built)

    @property
    def captured_on(self) -> str:
        """The capture's day as every report shows it, YYYY-MM-DD."""
        return f"{self.timestamp[0:4]}-{self.timestamp[4:6]}-{self.timestamp[6:8]}"


class CaptureStatus(StrEnum):
    """What the reports say about a dead link's archive capture."""

    FOUND = "found"  # a verified capture replaces the link
    NONE = "none"  # the archive has no trustworthy capture
    PENDING = "pending"  # not known yet: not asked, or the archive did not answer


@dataclass(frozen=True, slots=True)
class CitedCapture(_PickledByFields):
    """The capture for the issues of one date that cite a dead link: the one
    closest before that date (what the editor saw), else the closest after.
    `cited_on` is None for issues without a date; `url` is the playback URL."""

    cited_on: date | None
    status: CaptureStatus
    snapshot: Snapshot | None = None
    url: str | None = None


class DriftKind(StrEnum):
    """How a page that still answers drifted from the one the issue cited."""

    TAKEOVER = "takeover"  # now gambling, adult or loan spam
    PARKED = "parked"  # now a parking, for-sale or expired-domain lander
    REPLACED = "replaced"  # now another page


@dataclass(frozen=True, slots=True)
class Drift(_PickledByFields):
    """A live link whose page is now clearly another page (crawler.check.drift judges it).

    The evidence an editor reads: the reason, the title then and now, and
    where "then" comes from: `capture` is the archive capture compared
    against (its playback URL), None when it was rotwatch's own first check;
    `then_on` is that version's day, YYYY-MM-DD ("" when not known yet).
    """

    kind: DriftKind
    reason: str
    then_title: str
    now_title: str
    capture: str | None = None
    then_on: str = ""
    capture_archive: str = "wayback"  # the archive holding `capture` (baselines are the Wayback Machine's)


@dataclass(frozen=True, slots=True)
class LinkReport(_PickledByFields):
    """Everything the reports say about one unique URL.

    A dead link gets one capture per date it is cited on (`captures`); the
    link as a whole shows the one for its latest citing issue (`archive`,
    `archive_url`, `capture_status`), and each occurrence its own
    (`capture_for`). `capture_status` is None for links no capture was wanted for.
    """

    url: str
    assessment: Assessment
    result: CheckResult
    occurrences: tuple[LinkOccurrence, ...]
    archive: Snapshot | None = None
    archive_url: str | None = None
    capture_status: CaptureStatus | None = None
    captures: tuple[CitedCapture, ...] = ()
    drift: Drift | None = None  # a live link now showing another page

    def capture_for(self, cited_on: date | None) -> CitedCapture | None:
        """The capture for an issue published on `cited_on`, if one was wanted; a report
        without captures per date has the link's own for every date."""
        if self.captures:
            return next((capture for capture in self.captures if capture.cited_on == cited_on), None)
        if self.archive is None and self.capture_status is None:
            return None
        status = self.capture_status or CaptureStatus.FOUND
        return CitedCapture(cited_on, status, self.archive, self.archive_url)

    def __reduce__(self) -> tuple[Callable[..., LinkReport], tuple[object, ...]]:
        """Pickled as plain values, its enums by value, and rebuilt by `_report_from`: the crawl's held
        links are pickled reports, and a report's row pickles in 4 µs and unpickles in 6 where by its
        fields (every model and enum in it a call of its own) it took 10 and 10."""
        assessment, result = self.assessment, self.result
        return _report_from, (
            self.url,
            (assessment.verdict.value, assessment.reason, assessment.translations),
            _check_values(result),
            tuple([(o.url, o.issue, o.line, o.column, o.text, o.kind.value, o.written) for o in self.occurrences]),
            self.archive,
            self.archive_url,
            None if self.capture_status is None else self.capture_status.value,
            tuple([(c.cited_on, c.status.value, c.snapshot, c.url) for c in self.captures]),
            self.drift,
        )


_CheckValues = tuple[str, int | None, str | None, tuple[Hop, ...], Page | None, dict[str, str], ErrorKind | None, str]
_check_values: Callable[[CheckResult], _CheckValues] = attrgetter(*CheckResult.__dataclass_fields__)
_VERDICTS = {member.value: member for member in Verdict}
_LINK_KINDS = {member.value: member for member in LinkKind}
_CAPTURE_STATUSES = {member.value: member for member in CaptureStatus}


def _report_from(
    url: str,
    assessment: tuple[str, str, Mapping[str, str]],
    result: _CheckValues,
    occurrences: tuple[tuple[str, str, int, int, str, str, str], ...],
    archive: Snapshot | None,
    archive_url: str | None,
    capture_status: str | None,
    captures: tuple[tuple[date | None, str, Snapshot | None, str | None], ...],
    drift: Drift | None,
) -> LinkReport:
    """`LinkReport.__reduce__`'s values as the report they were."""
    verdict, reason, translations = assessment
    return LinkReport(
        url,
        Assessment(_VERDICTS[verdict], reason, translations),
        CheckResult(*result),
        tuple(
            [
                LinkOccurrence(where, issue, line, column, text, _LINK_KINDS[kind], written)
                for where, issue, line, column, text, kind, written in occurrences
            ]
        ),
        archive,
        archive_url,
        None if capture_status is None else _CAPTURE_STATUSES[capture_status],
        tuple([CitedCapture(on, _CAPTURE_STATUSES[status], snapshot, at) for on, status, snapshot, at in captures]),
        drift,
    )


@dataclass(frozen=True, slots=True)
class LinkHistory(_PickledByFields):
    """A URL's story across nightly crawls, as the state database keeps it."""

    url: str
    first_seen: datetime
    last_checked: datetime | None = None
    last_verdict: Verdict | None = None
    failing_since: datetime | None = None  # start of the current run of failures
    consecutive_failures: int = 0
    last_ok: datetime | None = None
    dead: bool = False  # broken now, or unreachable N times over D days
    dead_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunDiff(_PickledByFields):
    """How this crawl's dead (and drifted) links differ from the previous crawl's."""

    newly_dead: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    still_dead: tuple[str, ...] = ()
    newly_drifted: tuple[str, ...] = ()  # live links first judged drifted in this crawl


class LookupOutcome(StrEnum):
    """How an archive lookup ended."""

    FOUND = "found"  # a verified capture
    NONE = "none"  # the archive has no trustworthy capture
    FAILED = "failed"  # the archive did not answer usefully; ask again next run


@dataclass(frozen=True, slots=True)
class ArchiveLookup(_PickledByFields):
    """The archive's answer for one dead URL cited on one date (None: an undated issue)."""

    url: str
    outcome: LookupOutcome
    snapshot: Snapshot | None = None
    detail: str = ""
    requests: int = 0  # archive requests this lookup sent on its own (shared batches not counted)
    archive: str = "wayback"  # the archive(s) the outcome is about, by name
    cited_on: date | None = None


@dataclass(frozen=True, slots=True)
class CaptureCheck(_PickledByFields):
    """A verification fetch of one capture (`url` as cited, `timestamp` as proposed):
    whether it shows the cited page, and the capture the archive really served."""

    url: str
    timestamp: str
    trustworthy: bool
    served: Snapshot | None = None  # set when trustworthy
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RecentCapture(_PickledByFields):
    """The newest capture of a live link the archive named (`timestamp` None: none),
    asked before saving the page again."""

    url: str
    timestamp: str | None
