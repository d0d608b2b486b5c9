"""HTML that is escaped by construction, for the pages rotwatch writes.

Titles, reasons and link text come from pages and issues anyone can write,
so no text reaches the page unescaped by accident:

- Markup is built with `tag` and `void`, which escape every plain `str`
  child and attribute value (`html.escape`, quote=True, after control
  characters become spaces: HTML forbids them and a page title may hold
  them). Only `Markup` passes as is.
- URLs become links only when http(s) (`link`); `javascript:` and the like
  are shown as text.
- A page's script receives data only through a JSON block
  (`json_for_script`, `<` escaped) and `data-` attributes, never through
  interpolated script text.
- A part too large to hold whole (a table of every dead link, a list of
  every change) is made in pieces: its element is built around `CONTENT`
  and `around` yields the opening, the content a piece at a time, then the
  closing, the same text `tag` would give.
- The Content-Security-Policy (`content_security_policy`) lets nothing be
  fetched (`default-src 'none'`) and only the page's own script run, by its
  hash, so even an escaping mistake could not run a script from the web.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping

from crawler.check.urls import is_http_url
from crawler.report.summary import without_controls

__all__ = [
    "CONTENT",
    "Child",
    "Markup",
    "around",
    "children",
    "content_security_policy",
    "escape",
    "json_for_script",
    "link",
    "script_hash",
    "tag",
    "void",
]

# A page's one executable script: a `<script>` without attributes (a JSON
# block is `<script type="application/json">`, data that never runs).
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
# Text `escape` leaves as it is: no control character (summary.without_controls) and nothing html.escape changes.
_INERT = re.compile(r"[^\x00-\x1f\x7f-\x9f&<>\"']*")


class Markup(str):
    """HTML that is safe as it stands; `tag` escapes every other `str`."""


Child = Markup | str | int | None | Iterable["Child"]

# Where `around` puts an element's content; `escape` turns control characters in text into spaces.
CONTENT = Markup("\0")


def tag(name: str, *content: Child, **attributes: object) -> Markup:
    """`<name ...>content</name>` with content and attribute values escaped.

    Attribute names are the keywords with `_` read as `-` and a trailing `_`
    dropped (`class_`, `data_verdict`); None and False leave an attribute
    out, True writes it bare.
    """
    opening = f"<{name}{_attributes(attributes)}>" if attributes else f"<{name}>"
    return Markup(f"{opening}{_joined(content)}</{name}>")


def void(name: str, **attributes: object) -> Markup:
    """An element without content: `<input .../>`, or an SVG `<rect .../>`,
    which needs the `/>` (inside SVG, HTML parsers would nest what follows)."""
    return Markup(f"<{name}{_attributes(attributes)}/>")


def escape(text: str) -> str:
    """Text or attribute value made inert; control characters, which HTML
    forbids and a page title may hold, become spaces. Most text has none of
    them and nothing to escape, and is returned as it is after one scan."""
    if _INERT.fullmatch(text) is not None:
        return text
    return html.escape(without_controls(text), quote=True)


def children(content: Iterable[Child]) -> Markup:
    """Several children as one piece of markup, each escaped unless Markup."""
    return Markup(_joined(content))


def around(shell: Markup, content: Iterable[Markup]) -> Iterator[Markup]:
    """`shell`, built with `CONTENT` where its content goes, in pieces: its opening, each
    piece of `content` as it comes, its closing (the text of `shell` with the content in it)."""
    opening, closing = shell.split(CONTENT)
    yield Markup(opening)
    yield from content
    yield Markup(closing)


def link(url: str | None, text: Child) -> Markup:
    """A link to `url` when it is http(s); otherwise the text alone, so a
    `javascript:` or `data:` URL from an issue can never be clicked."""
    if url is None or not is_http_url(url):
        return tag("span", text)
    return tag("a", text, href=url, rel="noopener noreferrer", target="_blank")


def json_for_script(data: object) -> str:
    """JSON that cannot end its `<script>` block: `<`, `>`, `&` as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script_hash(script: str) -> str:
    """The CSP hash source of a script's text: base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def content_security_policy(page: str) -> str:
    """The policy for a self-contained page: nothing fetched, inline styles
    and data: images only, and only the page's own inline script may run.

    Raises ValueError when `page` has no inline `<script>`.
    """
    script = _INLINE_SCRIPT.search(page)
    if script is None:
        raise ValueError("the page has no inline <script> to allow")
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{script_hash(script.group(1))}'; base-uri 'none'; form-action 'none'"
    )


def _attributes(attributes: Mapping[str, object]) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        name = _NAMES.get(key) or _attribute_name(key)
        parts.append(f" {name}" if value is True else f' {name}="{escape(str(value))}"')
    return "".join(parts)


_NAMES: dict[str, str] = {}  # each keyword's attribute name, worked out once (`tag` is called per cell)


def _attribute_name(key: str) -> str:
    name = _NAMES[key] = key.rstrip("_").replace("_", "-")
    return name


def _joined(content: Iterable[Child]) -> str:
    return "".join([_child(child) for child in content])


def _child(child: Child) -> str:
    if child is None:
        return ""
    if isinstance(child, Markup):
        return child
    if isinstance(child, str):
        return escape(child)
    if isinstance(child, int):
        return str(child)
    return _joined(child)
