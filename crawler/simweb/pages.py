"""The pages the simulated web serves, as bytes: live sites and archived captures alike.

A scenario and a capture of the same kind of page must look the same to
the crawler (the parked page a live domain serves is the parked page the
Wayback Machine captured), so both build their bodies here.
"""

from __future__ import annotations

import html

__all__ = [
    "HOME_TITLE",
    "JPEG_START",
    "PARKED_TITLE",
    "TAKEOVER_BODY",
    "TAKEOVER_TITLE",
    "fallback_title",
    "html_page",
    "html_start",
    "parked_page",
    "render",
]

HOME_TITLE = "Example Weekly | Home"
PARKED_TITLE = "Related Searches"
JPEG_START = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")  # SOI, JFIF APP0, EOI

# What an expired domain shows once a gambling network bought it (the words of real takeovers:
# crawler.check.drift lists them with their sources).
TAKEOVER_TITLE = "Situs Slot Gacor Online Terpercaya | Daftar Togel Maxwin"
TAKEOVER_BODY = """<h1>Slot Gacor Hari Ini</h1>
<p>Daftar situs slot online terpercaya, bonus new member 100%, togel online dan live casino.
Main sekarang dan raih maxwin setiap hari, deposit pulsa tanpa potongan.</p>"""

PARKED_BODY = """<h1>{host}</h1>
<p>This domain is for sale!
<a href="https://sedo.com/search/details/?domain={host}">Buy this domain</a></p>
<h2>Related Searches</h2><ul><li>Online Courses</li><li>Cheap Flights</li></ul>
<script src="https://sedoparking.com/frmpark/{host}/IN_parking/park.js"></script>
<script src="https://www.bodis.com/landers/parked.js"></script>"""


def fallback_title(host: str, path: str) -> str:
    """Title of the 200 page served on any path no scenario claims."""
    return f"Page {path} on {host}"


def html_page(title: str | None, body: str = "", head: str = "") -> str:
    """A small HTML document; `title` is markup, inserted as given."""
    title_tag = "" if title is None else f"<title>{title}</title>"
    return f"<!DOCTYPE html>\n<html><head>{head}{title_tag}</head>\n<body>{body}</body></html>\n"


def render(title: str | None, body: str = "", head: str = "", encoding: str = "utf-8") -> bytes:
    """An encoded HTML page; `title` is text and gets escaped (so "&" becomes "&amp;")."""
    markup = None if title is None else html.escape(title, quote=False)
    return html_page(markup, body, head).encode(encoding)


def parked_page(host: str) -> bytes:
    """A domain parking page naming the host, as parking services serve them."""
    return render(PARKED_TITLE, PARKED_BODY.format(host=html.escape(host)))


def html_start(title: str) -> bytes:
    """The head of a long HTML page: its title comes in the first few hundred bytes."""
    return f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body>\n".encode()
