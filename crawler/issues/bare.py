"""Bare URLs in prose: GFM's autolink extension, done with linkify-it-py.

Only `http://`, `https://` and `www.` start a bare URL; `www.example.com`
becomes `http://www.example.com` as in GFM. A bare URL ends at whitespace,
at CJK punctuation, full-width characters and the ideographic space (the
issues are in Chinese: `见https://example.com/a，详情`), and at Chinese-style
quotes, dashes and ellipses; GFM's trailing-punctuation and unbalanced
parenthesis rules apply (the latter is linkify-it's own). A bare URL is cut
at 4,096 characters. Front matter is not special: a URL written in it is a
bare URL.

Chinese (and Japanese) writers glue URLs to their prose with no space on
either side: `详见https://github.com/org/repo了解更多。`. Unlike GFM, a URL may
follow a CJK character directly (`详见https://...` is found). At its end, a
CJK character (Han, kana, Hangul, bopomofo) right after a non-CJK character
ends the URL: ASCII running into CJK text is where the writer's sentence
resumes, so the URL above is `https://github.com/org/repo`. CJK is kept as
part of the URL (IRIs are legal) where real URLs put it:

- right after a character that opens a URL part: `/` (a path segment, or
  the host after `//`), `.` within the host (IDN labels: `example.中国`),
  `?`, `&` and `=` (query values: `https://www.baidu.com/s?wd=关键词`), and `(`
  after `_` (Wikipedia's disambiguation titles:
  `https://zh.wikipedia.org/wiki/继承_(计算机科学)`);
- anywhere in the fragment: GitHub's anchors of Chinese headings mix ASCII
  and CJK freely (`#api文档`, `#0-先决条件`, `#从-llm-到投研助手` in public READMEs).
  The fragment never reaches the server, so a word glued after one changes
  the span an archival rewrite replaces, never the verdict;
- when the CJK run is followed by more of the URL: a `/`, or `?`, `#`, `&`,
  `=` or `.` before an ASCII letter, digit or `%` (blog slugs made from
  titles: `https://x.github.io/2019/05/12/Python学习笔记/`, `.../C语言.html`).

So a segment that starts with ASCII and ends in CJK is cut: a bare
`https://zh.wikipedia.org/wiki/C语言` is read as `.../wiki/C`. Such a title
is kept when written as a link (`[C语言](https://zh.wikipedia.org/wiki/C语言)`)
or an autolink (`<https://zh.wikipedia.org/wiki/C语言>`): explicit links keep
their destination as written. Percent-encoded CJK is ASCII (`.../%E4%BA%BA`)
and follows the same rule. Full-width punctuation right after a URL (`）`,
`】`, `，`) ends it as before.

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
# CJK letters: Hangul Jamo, CJK and Kangxi radicals, hiragana and katakana,
# bopomofo, Hangul compatibility Jamo and kana extensions, Han (extension A,
# unified, compatibility, extensions B-H), Hangul syllables. CJK punctuation
# (U+3000-U+303F) and full-width forms are stops (above), not letters.
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\U00020000-\U0003134f"
)
# A run of CJK letters right after a character that is not one.
_CJK_AFTER_OTHER = re.compile(f"(?<![{_CJK}])[{_CJK}]+")
_OPENS_PART = frozenset("/?&=")  # CJK may start a path segment or a query key or value
_GOES_ON = re.compile(r"/|[?#&=.][0-9A-Za-z%]")  # after a CJK run: the URL continues
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
    starts = (match.start() for match in _BARE_START.finditer(text))
    if all(any(start <= at < end for start, end in not_prose) for at in starts):
        return []  # none, or every one is a link's destination
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
        candidate = candidate[: _glued_text_start(candidate)]
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


def _glued_text_start(candidate: str) -> int:
    """Where CJK prose glued to the end of a bare URL begins (the module's rule);
    `len(candidate)` when none is."""
    host_start = candidate.find("//") + 2 if candidate[:4].lower() != "www." else 0
    host_end = next((i for i, char in enumerate(candidate[host_start:], host_start) if char in "/?#"), len(candidate))
    fragment = candidate.find("#")
    for run in _CJK_AFTER_OTHER.finditer(candidate):
        at, before = run.start(), candidate[run.start() - 1]
        if (
            0 <= fragment < at
            or before in _OPENS_PART
            or (before == "." and at < host_end)
            or (before == "(" and candidate[at - 2 : at] == "_(")
            or _GOES_ON.match(candidate, run.end())
        ):
            continue
        return at
    return len(candidate)


def _blank_out(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with the given spans replaced by spaces (offsets unchanged)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
