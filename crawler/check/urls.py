"""URL normalization and site keys: which written URLs are the same link,
and which links share a site.

`normalize_url` decides de-duplication: two occurrences are checked once when
their normalized URLs are equal. It only makes changes that cannot change
what a server receives or which server receives it (RFC 3986 section 6.2.2
and 6.2.3 for http):

- scheme and host lower-cased, the host IDNA-encoded (`例子.中国` ->
  `xn--fsqu00a.xn--fiqs8s`), the default port (80, 443) removed, an empty
  path written `/` (the request line is `GET /` either way), an empty `?`
  dropped;
- characters that may not stand in a URL percent-encoded as UTF-8 (w3lib's
  `safe_url_string`, the same encoding Scrapy applies to a request), escape
  hex upper-cased (`%e4` -> `%E4`) and escapes of unreserved characters
  decoded (`%7E` -> `~`, `%41` -> `A`), since both spellings are one URL;
- the fragment dropped: it never reaches the server, so `page#a` and
  `page#b` are one check.

A URL already in that form, the way nearly every link is written (an
ASCII http(s) URL with a lower-case host, a path, no default port, escape,
fragment or character w3lib would escape), is returned as it is: a regular
expression tells it in about a microsecond, where w3lib and the parsing
take some 40 (a million links are normalized when an archive is read:
issue 14). Tests hold the two paths to the same answer.

It does not sort query parameters (w3lib's `canonicalize_url` does): order
is significant to some servers, and the same link is rarely written with
its parameters in two orders. Nor does it drop `www.`, trailing slashes or
dot segments: those are different requests that merely often answer alike.

`url_problem` says why a URL cannot be requested, without normalising it
when it plainly can: an ASCII http(s) URL whose host is dot-separated
letters, digits and inner single hyphens, ending in a letter label, with at
most a port up to 65535 (four digits, or five without a leading zero), is
one `normalize_url` accepts (tests hold the two to the same answer).
Reading an archive asks it for every distinct URL.

`site_key` groups hosts into sites (for politeness limits and reports) by
the registered domain under the Public Suffix List, private section
included, so `alice.github.io` and `bob.github.io` are different sites. It
uses only tldextract's bundled snapshot of the list: a link check never
fetches the list at run time.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache
from urllib.parse import SplitResult, urlsplit, urlunsplit

import tldextract
from w3lib.url import safe_url_string

__all__ = ["host_of", "is_http_url", "normalize_url", "site_key", "site_of", "url_problem"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HTTP_SCHEME = re.compile(r"https?:", re.I)
# Dot-separated labels after IDNA encoding; `_` is not DNS-legal but is served.
_HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# http(s) URLs normalize_url certainly accepts: no userinfo, IP literal, IDN,
# odd hyphen or underscore in the host, no port over 65535, printable ASCII after.
_PORT_NUMBER = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"  # <= 65535
_PLAIN_HTTP_URL = re.compile(
    rf"https?://(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)*[a-z]+(?:-[a-z0-9]+)*(?::{_PORT_NUMBER})?(?:[/?#][\x21-\x7e]*)?", re.I
)
# http(s) URLs normalize_url returns unchanged (when the port is not the default one): lower-case
# host as _PLAIN_HTTP_URL's, a path; in it and the query only characters w3lib leaves as they are, no `%`.
_NORMAL_HTTP_URL = re.compile(
    r"(https?)://(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)*[a-z]+(?:-[a-z0-9]+)*(?::([1-9][0-9]{0,4}))?"
    r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?]+)?"
)
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_http_url(url: str) -> bool:
    """Whether `url` has the http or https scheme (well-formed or not)."""
    return _HTTP_SCHEME.match(url) is not None


def normalize_url(url: str) -> str:
    """The form of `url` used to tell whether two links are the same.

    A URL already in that form is itself (see the module); the others are
    remembered for the last 65,536 URLs: reading an issue validates its links
    (`url_problem`) and the plan groups them just after, and normalizing costs
    more than extracting (benchmarks/README.md).

    Meant for http(s) URLs. Raises ValueError, with a message fit for an
    editor, when the URL names no host or an impossible one (`exa mple.com`,
    `a..b`), or has an invalid port or IPv6 address: such a URL cannot be
    requested at all.
    """
    normal = _NORMAL_HTTP_URL.fullmatch(url)
    if normal is not None and (normal[2] is None or _is_kept_port(normal[1], int(normal[2]))):
        return url
    return _normalized(url)


def _is_kept_port(scheme: str, port: int) -> bool:
    """Whether normalize_url writes `port` as it is: a valid port, not the scheme's default."""
    return port <= 65535 and port != _DEFAULT_PORTS[scheme]


@lru_cache(maxsize=1 << 16)
def _normalized(url: str) -> str:
    """normalize_url the long way: w3lib's escaping, then the RFC 3986 normalizations."""
    parts = urlsplit(safe_url_string(url.strip()))  # ValueError: bad IPv6 literal
    scheme = parts.scheme.lower()
    path = _normalize_escapes(parts.path) or "/"
    return urlunsplit((scheme, _authority(parts, scheme), path, _normalize_escapes(parts.query), ""))


def url_problem(url: str) -> str | None:
    """Why `url` (an http(s) URL) cannot be requested, in normalize_url's words; None when it can."""
    if _PLAIN_HTTP_URL.fullmatch(url):
        return None
    try:
        normalize_url(url)
    except ValueError as error:
        return str(error)
    return None


def host_of(url: str) -> str:
    """The host `url` is fetched from: lower case, IDNA-encoded, no port or
    brackets. Raises ValueError like `normalize_url`."""
    host = urlsplit(normalize_url(url)).hostname
    assert host, "normalize_url refuses URLs without a host"
    return host


@lru_cache(maxsize=1 << 14)  # asked per link and per request; a crawl's hosts number thousands
def site_key(host: str) -> str:
    """The site a host belongs to: its registered domain.

    `a.example.co.uk` -> `example.co.uk`; `alice.github.io` stays itself
    (github.io is a public suffix). An IP address is its own site; a host
    under no known suffix (`site001.test`, `localhost`) or that is itself a
    suffix falls back to its last two labels.
    """
    host = host.strip("[]").rstrip(".").lower()
    if _is_ip_address(host):
        return host
    registered = _public_suffixes()(host).top_domain_under_public_suffix
    return registered or ".".join(host.split(".")[-2:])


def site_of(url: str) -> str:
    """The site of a URL (see site_key); "" when it has no host."""
    return site_key(urlsplit(url).hostname or "")


def _authority(parts: SplitResult, scheme: str) -> str:
    """user:password@host:port with the host lower-cased and a default port dropped."""
    host = parts.hostname  # already lower-case and IDNA-encoded by safe_url_string
    if not host:
        raise ValueError("no host")
    if not (_HOST_NAME.fullmatch(host) or _is_ip_address(host)):
        raise ValueError(f"invalid host {host!r}")
    port = parts.port  # ValueError: out of range or not a number
    userinfo = parts.netloc.rpartition("@")[0]
    authority = f"[{host}]" if ":" in host else host
    if userinfo:
        authority = f"{userinfo}@{authority}"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        authority = f"{authority}:{port}"
    return authority


def _normalize_escapes(component: str) -> str:
    """Upper-case escape hex and decode escapes of unreserved characters."""

    def normalized(escape: re.Match[str]) -> str:
        byte = int(escape.group(1), 16)
        return chr(byte) if byte in _UNRESERVED else escape.group(0).upper()

    return _ESCAPE.sub(normalized, component)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@cache
def _public_suffixes() -> tldextract.TLDExtract:
    """The Public Suffix List from tldextract's bundled snapshot, built once.

    No URLs to fetch and no cache directory: nothing is downloaded or written.
    """
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
