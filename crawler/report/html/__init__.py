"""index.html: the page editors read in the morning, after the nightly crawl.

`render(view, lang=...)` turns one crawl (`CrawlView`) into one
self-contained HTML file: what changed since the last run first, then the
dead links grouped by issue (newest issue first), a chart of link rot by
publication month, the sites with the most dead links, and every link in a
collapsed table (above `tables.FULL_TABLE_LIMIT` links, the links that need
a look, under a pointer to links.csv). Filters (verdict, issue, site, free
text) and sortable columns are a few lines of vanilla JavaScript over rows
rendered here.

Decisions:
- Self-contained: CSS, JavaScript and the SVG chart are inline and nothing is
  fetched, so the file can be mailed, attached to a CI run or opened from
  disk. A Content-Security-Policy enforces it in the browser (`default-src
  'none'`), and lets only the page's own script run (by its hash), so even
  an escaping mistake could not run a script from the web.
- Escaped by construction (`markup`): every plain `str` is escaped, only
  `Markup` passes as is; URLs become links only when http(s); the script
  receives data only through a JSON block and `data-` attributes.
- Dead, as README counts it in the crawl: broken now, or the history's
  N-of-D flag (unreachable long enough); the page asks `CrawlView.is_dead`.
  A dead link's "since" is when it started failing (`tables`).
- The chart counts each URL once per publication month it appears in, in
  one of five bands; dead links sit at the bottom so their share is read off
  a common baseline month to month (`chart`).

Modules: `markup` (escaping HTML builder, CSP), `labels` (every string, per
language), `page` (the sections), `tables` (the link tables), `chart` (the
month chart); `template.html` holds the page's CSS and script.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from string import Template

from crawler.nightly.view import CrawlView
from crawler.report.html.chart import Band
from crawler.report.html.labels import LABELS, Labels
from crawler.report.html.markup import content_security_policy, escape, json_for_script
from crawler.report.html.page import Page

__all__ = ["LABELS", "Band", "render", "render_pieces"]

_TEMPLATE = Template(files(__name__).joinpath("template.html").read_text(encoding="utf-8"))
_CSP = content_security_policy(_TEMPLATE.template)
_BODY = "\0"  # where the body goes: no text on the page holds a control character (`markup.escape`)


def render(view: CrawlView, *, lang: str = "en") -> str:
    """index.html as text, its interface in `lang` ("en" or "zh").

    Raises ValueError naming the languages when `lang` is not one of them.
    """
    return "".join(render_pieces(view, lang=lang))


def render_pieces(view: CrawlView, *, lang: str = "en") -> Iterator[str]:
    """`render`'s text a piece at a time (a section, an issue's dead links), so the page of a
    million links is written without being held whole."""
    labels = Labels(lang)
    page = _TEMPLATE.substitute(
        lang=labels.html_lang,
        csp=escape(_CSP),
        title=escape(labels["page_title"]),
        body=_BODY,
        script_data=json_for_script({"shown": labels["shown"]}),
    )
    head, tail = page.split(_BODY)
    yield head
    yield from (piece for piece in Page(view, labels).body_pieces() if piece)
    yield tail
