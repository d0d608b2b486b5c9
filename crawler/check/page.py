"""Reading the start of an HTML page: its text, title and main heading.

The link spider keeps only the first 64 KB of a page, which is enough to
name it in a report and to recognise "not found" and parked pages
(`crawler.check.classify`). This module turns those raw bytes into a `Page`,
and says which answers may be a page at all (`may_be_html`: HTML, or a
body whose type is not declared).

Decoding follows browsers, as `w3lib.encoding.html_to_unicode` does: a byte
order mark wins, then the charset of the Content-Type header, then a
`<meta charset>` or `<meta http-equiv="Content-Type">` declaration, then
detection by charset-normalizer, then UTF-8. w3lib's labels already read
gb2312 and gbk as gb18030 (real pages labelled gb2312 use GBK characters)
and big5 as big5hkscs. Undecodable bytes become U+FFFD: reading a page never
raises, whatever the server sent and wherever the 64 KB cut fell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import charset_normalizer
from lxml import etree
from w3lib.encoding import html_to_unicode, resolve_encoding

from crawler.models import Page

__all__ = ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "may_be_html", "read_page"]

MAX_TITLE_CHARS = 300  # a title or heading longer than this is cut
MAX_TEXT_CHARS = 2_000  # enough text to recognise parked and "not found" pages

# A multi-byte character is at most 4 bytes (UTF-8, GB18030), so at most 3
# bytes of one can be left at the end of a body cut at a byte limit.
_MAX_PARTIAL_CHARACTER = 3

# An SVG <title> is a tooltip, not the page's title.
_TITLE = etree.XPath("(//title[not(ancestor::svg)])[1]")
_MAIN_HEADING = etree.XPath("(//h1)[1]")
_BODY = etree.XPath("(//body)[1]")
_INVISIBLE = frozenset({"script", "style", "noscript", "template"})
# Elements that break a line where they start and end.
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
# Media types read as a page; an answer without a Content-Type may be one too.
_HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def may_be_html(content_type: str | None) -> bool:
    """True for HTML, and for an undeclared type (the bytes may still be a page)."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in _HTML_MEDIA_TYPES


def read_page(body: bytes, content_type: str | None) -> Page:
    """Read the title, main heading and a text excerpt from an HTML body.

    `body` may be the first part of a longer page, cut anywhere;
    `content_type` is the Content-Type header, or None when there was none.
    """
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect_encoding)
    # The document is handed to libxml2 re-encoded as UTF-8, so the encoding
    # is ours to state: an XML declaration or NUL inside cannot make it fail.
    document = etree.fromstring(text.encode("utf-8", "replace"), etree.HTMLParser(encoding="utf-8"))
    if document is None:  # nothing but whitespace and comments
        return Page()
    return Page(
        title=_first_text(_TITLE(document), MAX_TITLE_CHARS) or None,
        heading=_first_text(_MAIN_HEADING(document), MAX_TITLE_CHARS) or None,
        text=_first_text(_BODY(document), MAX_TEXT_CHARS),
    )


def _detect_encoding(body: bytes) -> str | None:
    """Guess the encoding of a body that declares none.

    charset-normalizer rejects an encoding when the last character does not
    decode, so a body cut mid-character is also tried without its last one,
    two or three bytes.
    """
    for cut in range(min(_MAX_PARTIAL_CHARACTER, len(body) - 1) + 1):
        guess = charset_normalizer.from_bytes(body[: len(body) - cut]).best()
        if guess is not None:
            return resolve_encoding(guess.encoding)
    return None


def _first_text(found: list[etree._Element], limit: int) -> str:
    """The visible text of the first found element as one line, cut at `limit`.

    "" when nothing was found: a page cut before its body shows no text.
    """
    if not found:
        return ""
    return _collapse(_enough(_visible_text(found[0]), limit))[:limit].rstrip()


def _enough(pieces: Iterable[str], limit: int) -> Iterator[str]:
    """The pieces until they hold `limit` characters that are not whitespace.

    A 64 KB page's whole text is not needed for a 2,000-character excerpt,
    and walking all of it was the costliest step of reading a page.
    """
    seen = 0
    for piece in pieces:
        yield piece
        seen += sum(map(len, piece.split()))  # collapsing keeps every one of these
        if seen > limit:
            return


def _visible_text(root: etree._Element) -> Iterator[str]:
    """The text under `root` that a reader sees, piece by piece.

    Scripts, styles, templates and comments are left out. Where a block
    element such as a paragraph starts or ends a space keeps the words on
    either side apart, as a browser's line break would; inline elements add
    none, so `<h1>He<em>llo</em></h1>` reads "Hello".
    """
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walk:
        if node.tag in _BLOCKS:
            yield " "
        if event == "start":
            if node.tag in _INVISIBLE:
                walk.skip_subtree()
            else:
                yield node.text or ""
        elif node is not root:  # the text that follows an element or comment
            yield node.tail or ""


def _collapse(pieces: Iterable[str]) -> str:
    """Join text pieces, every whitespace run (also NBSP, U+3000) made one space."""
    return " ".join("".join(pieces).split())
