"""Bodies too big to read: large files, endless pages and a gzip bomb.

Large bodies (`large-pdf`, `huge-html`, `endless`) are written at about
16 MB/s (STREAM_CHUNK bytes every STREAM_PAUSE seconds), so the request
log's `bytes_sent` tells a client that stopped after the headers (a few
hundred KB at most) from one that read everything. Each page's title comes
in its first few hundred bytes, so a crawler that reads only the start of a
page still sees it.
"""

from __future__ import annotations

import functools
import itertools
import struct
import zlib
from collections.abc import Iterator

from crawler.simweb.exchange import HTML, Exchange, Handler
from crawler.simweb.pages import html_start

__all__ = ["HTML_FILLER", "MIB", "body_chunks", "gzip_bomb", "gzip_bomb_handler", "large"]

MIB = 1024 * 1024
STREAM_CHUNK = 64 * 1024  # bytes per write of a large body
STREAM_PAUSE = 0.004  # s between chunks: ~16 MB/s, see the module docstring


def body_chunks(first: bytes, filler: bytes, total: int | None) -> Iterator[bytes]:
    """`first`, then `filler` repeated: `total` bytes in all, or forever when None."""
    chunks = itertools.chain([first], itertools.repeat(filler))
    if total is None:
        yield from chunks
        return
    for chunk in chunks:
        yield chunk[:total]
        total -= len(chunk)
        if total <= 0:
            return


def large(content_type: str, first: bytes, filler: bytes, total: int | None) -> Handler:
    """Streams a big body at STREAM_PAUSE pace, stopping when the client leaves."""

    async def handler(exchange: Exchange) -> None:
        chunks = body_chunks(first, filler, total)
        await exchange.stream(200, chunks, content_type=content_type, length=total, pause=STREAM_PAUSE)

    return handler


HTML_FILLER = (b"<p>" + b"lorem ipsum " * 64 + b"</p>\n") * (STREAM_CHUNK // 780)
BOMB_PREFIX = html_start("Compressed page")
BOMB_SPACES = 1024  # MiB of spaces after the prefix: 1 GiB inflated


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to BOMB_PREFIX + 1 GiB of spaces.

    Compressing 1 GiB would take seconds, so one MiB of spaces is compressed
    after a full flush (which resets the compressor's history, making the
    block independent of what came before) and that block is repeated; the
    gzip trailer (CRC-32 and length of the inflated data) is written by hand.
    Built on first use (~0.2 s, mostly the CRC) and kept.
    """
    spaces = b" " * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    head = compressor.compress(BOMB_PREFIX) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    last_block = compressor.flush(zlib.Z_FINISH)[:-8]  # drop the trailer zlib computed
    crc = zlib.crc32(BOMB_PREFIX)
    for _ in range(BOMB_SPACES):
        crc = zlib.crc32(spaces, crc)
    size = len(BOMB_PREFIX) + BOMB_SPACES * MIB
    return head + block * BOMB_SPACES + last_block + struct.pack("<II", crc, size % 2**32)


async def gzip_bomb_handler(exchange: Exchange) -> None:
    """Sends the bomb whatever the client said it accepts, as a hostile server would."""
    await exchange.reply(200, gzip_bomb(), content_type=HTML, headers={"Content-Encoding": "gzip"})
