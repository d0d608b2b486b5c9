"""The simulated Wayback Machine's endpoints, in the real archive's formats.

Each answer reads the captures a `CaptureStore` holds (crawler.simweb.wayback_captures)
and picks them by the rules of crawler.simweb.wayback_queries; rate limits
(crawler.simweb.wayback_limits) and injected failures are decided before, by
`SimWayback.handle`.

What is served, and where the formats come from:

- CDX, `GET /cdx/search/cdx` (internetarchive/wayback `wayback-cdx-server`:
  README, `CDXServer.java`, `JsonWriter.java`). `output=json` is a JSON array
  whose first row is the field names (`fl` picks and orders them), then one
  array of strings per capture in timestamp order; `[]` when nothing
  matches (the header is written with the first row, so no row means no
  header). A field the index does not know is `-`; a capture indexed twice
  gives two equal rows. `filter=[!]field:regex` is a full match, repeatable;
  `closest=TS` orders by distance only together with `sort=closest`
  (`ClosestTimestampSorted` is applied only then); `limit=N` keeps the first
  N rows, `limit=-N` the last N. Without `output=json` the rows are
  space-separated text lines. Other parameters are ignored; URLs match
  exactly after the canonicalisation of `url_key`.
- Availability, `GET /wayback/available?url=U[&timestamp=TS][&closest=..]`
  (archive.org/help/wayback_api.php; ArchiveLabs/api.archive.org swagger):
  `{"url": U, "archived_snapshots": {"closest": {"available": true, "url",
  "timestamp", "status"}}, "timestamp": TS}`, with `{}` inside when nothing
  is archived and `timestamp` echoed only when asked; all values strings but
  `available`. `POST` with `Wayback-Api-Version: 2` takes one form-encoded
  query per line (InternetArchiveBot's `APII::CDXQuery`: `url`, `timestamp`,
  `closest=before|after|either`, repeated `statuscodes`, `tag`) and answers
  `{"results": [{"url", "timestamp", "tag", "archived_snapshots"}]}`.
  A body over 1 MB is answered 413, as nginx's default
  `client_max_body_size 1m` would (nginx.org, ngx_http_core_module); no
  limit of the real archive's is documented, nor how many lines it takes.
- Playback, `GET /web/<timestamp><flag>/<original>`: a capture's exact
  timestamp replays it (its recorded status, `Memento-Datetime`, a `Link`
  to the original and the memento, the site's own headers as
  `X-Archive-Orig-*`); any other timestamp is answered 302 to the nearest
  capture's exact URL with the same flag and no `Memento-Datetime` (the
  edgi-govdata-archiving/wayback client tells a capture from the archive's
  own redirect by that header alone); a URL never captured is a 404
  without it. A captured redirect is replayed as a redirect to the target's
  playback URL at the same timestamp, with `Memento-Datetime`.
- The timemap (`/web/timemap/...`) is not served (404); rotwatch does not
  use it, but it is counted, in the query pool it shares with the CDX.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from aiohttp import web

from crawler.simweb.exchange import HTML, PLAIN, Exchange
from crawler.simweb.pages import render
from crawler.simweb.wayback_captures import BadQueryError, Capture, CaptureStore, distance, moment_of
from crawler.simweb.wayback_queries import PLAYBACK, Lookup, cdx_json, cdx_table, playback_path, select_rows

__all__ = ["ANSWERS", "availability", "broken_batch", "cdx", "not_found", "playback"]

JSON = "application/json"
NOT_ARCHIVED = "Hrm. The Wayback Machine has not archived that URL."
TRUNCATED_JSON = b'{"results": [{"url": "http'  # an answer cut off mid-way: no JSON parser reads it


async def cdx(store: CaptureStore, exchange: Exchange) -> None:
    """The CDX index: captures of one URL, filtered, ordered and cut as asked."""
    params = parse_qs(raw_query(exchange), keep_blank_values=True)
    url = params.get("url", [""])[0]
    rows = [] if store.hidden_from_cdx(url) else select_rows(store.captures(url), params)
    fields, table = cdx_table(rows, params)
    if params.get("output", [""])[0] == "json":
        await exchange.reply(200, cdx_json(fields, table), content_type=JSON)
    else:
        text = "".join(" ".join(row) + "\n" for row in table)
        await exchange.reply(200, text.encode(), content_type=PLAIN)


async def availability(store: CaptureStore, exchange: Exchange) -> None:
    """The availability API: the single GET, or the batch POST (Wayback-Api-Version: 2)."""
    base = f"http://{exchange.headers['Host']}"
    if exchange.method != "POST":
        lookup = Lookup.parse(raw_query(exchange))
        answer = {"url": lookup.url, "archived_snapshots": _snapshots(store, lookup, base)}
        await reply_json(exchange, answer | _echoed_timestamp(lookup))
        return
    if exchange.headers.get("Wayback-Api-Version") != "2":
        raise BadQueryError("a POST to /wayback/available needs the header Wayback-Api-Version: 2")
    try:
        lines = (await exchange.request.read()).decode("utf-8").splitlines()
    except web.HTTPRequestEntityTooLarge as exc:
        await exchange.reply(413, f"{exc.text}\n".encode(), content_type=PLAIN)
        return
    lookups = [Lookup.parse(line) for line in lines if line.strip()]
    results = [
        {
            "url": lookup.url,
            **_echoed_timestamp(lookup),
            **_tag(lookup),
            "archived_snapshots": _snapshots(store, lookup, base),
        }
        for lookup in lookups
    ]
    await reply_json(exchange, {"results": results})


def _snapshots(store: CaptureStore, lookup: Lookup, base: str) -> dict[str, object]:
    hidden = store.hidden_from_availability(lookup.url)
    capture = None if hidden else lookup.choose(store.captures(lookup.url))
    if capture is None:
        return {}
    url = base + playback_path(capture, "")
    return {"closest": {"available": True, "url": url, "timestamp": capture.timestamp, "status": str(capture.status)}}


def _echoed_timestamp(lookup: Lookup) -> dict[str, str]:
    return {} if lookup.timestamp is None else {"timestamp": lookup.timestamp}


def _tag(lookup: Lookup) -> dict[str, str]:
    return {} if lookup.tag is None else {"tag": lookup.tag}


async def playback(store: CaptureStore, exchange: Exchange) -> None:
    """Replays a capture, redirects to the nearest one, or says it was never archived."""
    match = PLAYBACK.fullmatch(exchange.request.raw_path)
    if match is None:
        await not_found(exchange)
        return
    timestamp, flag, original = match.group(1), match.group(2) or "", match.group(3)
    target = moment_of(timestamp)
    nearest = min(store.captures(original), key=lambda c: distance(c, target), default=None)
    if nearest is None:
        await not_found(exchange)
    elif nearest.timestamp != timestamp:
        await exchange.redirect(302, playback_path(nearest, flag))
    else:
        await replay(exchange, nearest, flag)


async def replay(exchange: Exchange, capture: Capture, flag: str) -> None:
    """Answers a capture as archived, with the memento headers; a captured redirect
    points at its target's playback URL at the same timestamp."""
    base = f"http://{exchange.headers['Host']}"
    memento = base + playback_path(capture, flag)
    headers = {
        "Memento-Datetime": capture.memento_datetime,
        "Link": f'<{capture.original}>; rel="original", '
        f'<{memento}>; rel="memento"; datetime="{capture.memento_datetime}"',
        **capture.original_headers(),
    }
    if capture.redirect_to is not None:
        headers["Location"] = f"{base}/web/{capture.timestamp}{flag}/{capture.redirect_to}"
    await exchange.reply(capture.replay_status, capture.body, content_type=capture.content_type, headers=headers)


async def broken_batch(exchange: Exchange, fault: int | str) -> None:
    """The batch endpoint broken: `fault` is a status (404 the archive's own page,
    others a plain error) or anything else for a 200 whose JSON breaks off."""
    if fault == 404:
        await not_found(exchange)
    elif isinstance(fault, int):
        await exchange.reply(fault, f"{fault} simulated failure\n".encode(), content_type=PLAIN)
    else:
        await exchange.reply(200, TRUNCATED_JSON, content_type=JSON)


async def unknown_endpoint(store: CaptureStore, exchange: Exchange) -> None:
    await not_found(exchange)


async def not_found(exchange: Exchange) -> None:
    """404 for what the archive does not have; no Memento-Datetime, as it is no capture."""
    await exchange.reply(404, render("Wayback Machine", f"<p>{NOT_ARCHIVED}</p>"), content_type=HTML)


def raw_query(exchange: Exchange) -> str:
    """The query string as sent: aiohttp's own is already partly decoded, which would
    split `url=https%3A%2F%2Fe.com%2Fa%3Fb%3Dc` at its inner `&` and `=`."""
    return exchange.request.raw_path.partition("?")[2]


async def reply_json(exchange: Exchange, answer: object) -> None:
    await exchange.reply(200, json.dumps(answer).encode(), content_type=JSON)


# endpoint (as `endpoint_of` names it) -> its answer
ANSWERS: dict[str, Callable[[CaptureStore, Exchange], Awaitable[None]]] = {
    "cdx": cdx,
    "timemap": unknown_endpoint,
    "availability": availability,
    "batch": availability,
    "playback": playback,
    "other": unknown_endpoint,
}
