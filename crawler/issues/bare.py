"""Bare URLs in prose: GFM's autolink extension, done with linkify-it-py.

Only `http://`, `https://` and `www.` start a bare URL; `www.example.com`
becomes `http://www.example.com` as in GFM. A bare URL ends at whitespace,
at CJK punctuation, full-width characters and the ideographic space (the
issues are in Chinese: `见https://example.com/a，详情`), and at Chinese-style
quotes, dashes and ellipses; GFM's trailing-punctuation and unbalanced
parenthesis rules apply (the latter is linkify-it's own). A bare URL is cut
at 4,096 characters. Unlike GFM, a URL may follow a CJK character directly;
CJK ideographs *inside* a URL are kept (IRIs are legal). Front matter is not
special: a URL written in it is a bare URL.

Bare URLs are looked for in prose only: the caller blanks out the spans of
links, autolinks, raw HTML and code first, so offsets stay those of the
block's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from linkify_it import LinkifyIt
from markdown_it.common.utils import unescapeAll

__all__ = ["BareUrl", "bare_urls"]

# A bare URL starts at http://, https:// or www. that is not glued to a word or
# to another URL: Latin letters and digits block it, CJK characters do not.
_BARE_START = re.compile(r"(?<![0-9A-Za-z/.:@\\-])(?:https?://|www\.)", re.I)
# Where a bare URL ends at the latest: whitespace, Chinese-style quotes, dashes
# and ellipsis (U+2010-U+2027), CJK symbols and punctuation incl. the
# ideographic space (U+3000-U+303F), full-width forms (U+FF00-U+FFEF).
_BARE_STOP = re.compile(r"[\s\u2010-\u2027\u3000-\u303f\uff00-\uffef]")
# GFM: trailing characters that end a sentence rather than a URL.
_TRAILING_PUNCTUATION = "?!.,:*_~"
# A bare URL is cut here: it keeps a long run of URL-like text from costing
# time quadratic in its length. Links written as [text](url) have no limit.
_LONGEST_BARE_URL = 4096  # characters


@dataclass(frozen=True, slots=True)
class BareUrl:
    """A bare URL at text span [start, end): `url` is what gets fetched,
    `shown` the written characters after Markdown unescaping."""

    start: int
    end: int
    url: str
    shown: str


def bare_urls(text: str, not_prose: Sequence[tuple[int, int]]) -> list[BareUrl]:
    """The bare URLs in `text`, outside the `not_prose` spans, in order."""
    if not _BARE_START.search(text):
        return []
    found = []
    for start, end in _bare_url_spans(_blank_out(text, not_prose)):
        shown = unescapeAll(text[start:end])
        url = f"http://{shown}" if shown[:4].lower() == "www." else shown
        found.append(BareUrl(start, end, url, shown))
    return found


@cache
def _linkify() -> LinkifyIt:
    """linkify-it with its defaults, built once; only asked at http(s) and www. starts."""
    return LinkifyIt()


def _bare_url_spans(prose: str) -> Iterator[tuple[int, int]]:
    """Spans of bare URLs in text where non-prose has been blanked out."""
    end = 0
    for start_match in _BARE_START.finditer(prose):
        start = start_match.start()
        if start < end:  # inside the previous URL
            continue
        stop = _BARE_STOP.search(prose, start, start + _LONGEST_BARE_URL)
        candidate = prose[start : stop.start() if stop else start + _LONGEST_BARE_URL]
        # linkify-it checks hosts after a scheme only: lend www. one.
        scheme = "http://" if candidate[:4].lower() == "www." else ""
        match = _linkify().match_at_start(scheme + candidate)
        if match is None:
            continue
        # GFM's trailing punctuation; linkify-it has already stopped at an unbalanced `)`.
        url = candidate[: match.last_index - len(scheme)].rstrip(_TRAILING_PUNCTUATION)
        if len(url) > len(start_match.group()):  # a bare "www." is no link
            end = start + len(url)
            yield start, end


def _blank_out(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with the given spans replaced by spaces (offsets unchanged)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
