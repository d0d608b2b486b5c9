"""Tests for crawler/check/urls.py: normalization, hosts and site keys."""

from __future__ import annotations

import socket

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import crawler.check.urls
from crawler.check.urls import host_of, is_http_url, normalize_url, site_key, site_of, url_problem


def test_public_names_are_pinned() -> None:
    assert crawler.check.urls.__all__ == [
        "host_of",
        "is_http_url",
        "normalize_url",
        "site_key",
        "site_of",
        "url_problem",
    ]


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("https://例子.中国/路径", "https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84"),
        ("http://x.org:80/a", "http://x.org/a"),
        ("https://x.org:443/a", "https://x.org/a"),
        ("http://x.org:8080/a", "http://x.org:8080/a"),
        ("https://x.org:80/a", "https://x.org:80/a"),
        ("https://x.org", "https://x.org/"),
        ("https://x.org/a b?q=a b", "https://x.org/a%20b?q=a%20b"),
        ("https://x.org/%7euser/%e4%2f?x=%41%2b", "https://x.org/~user/%E4%2F?x=A%2B"),
        ("https://x.org/page#section", "https://x.org/page"),
        ("https://x.org/?b=2&a=1", "https://x.org/?b=2&a=1"),
        ("https://user:pw@X.org/", "https://user:pw@x.org/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        (" https://x.org/ ", "https://x.org/"),
    ],
)
def test_normalize_url(url: str, normalized: str) -> None:
    assert normalize_url(url) == normalized


def test_spellings_of_one_url_normalize_alike() -> None:
    spellings = ["https://Example.com", "https://example.com:443/", "https://example.com/#top", "HTTPS://EXAMPLE.COM"]
    assert {normalize_url(url) for url in spellings} == {"https://example.com/"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[broken", "IPv6"),
        ("http://", "no host"),
        ("https:foo", "no host"),
        ("http://:80/", "no host"),
        ("http://x.org:99999/", "Port out of range"),
        ("http://x.org:abc/", "Port could not be cast"),
        ("https://exa mple.com/", "invalid host"),
        ("https://a..b/", "invalid host"),
    ],
)
def test_malformed_urls_raise_value_error_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalize_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/", True),
        ("HTTP://X.ORG/", True),
        ("http://[broken", True),
        ("mailto:me@x.org", False),
        ("ftp://x.org/", False),
        ("../relative.md", False),
        ("httpx://x.org/", False),
        ("", False),
    ],
)
def test_is_http_url(url: str, expected: bool) -> None:
    assert is_http_url(url) is expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.com:8443/a", "www.example.com"),
        ("https://例子.中国/", "xn--fsqu00a.xn--fiqs8s"),
        ("http://[::1]:8080/", "::1"),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("a.example.co.uk", "example.co.uk"),
        ("b.example.co.uk", "example.co.uk"),
        ("www.example.com", "example.com"),
        ("Example.COM.", "example.com"),
        ("alice.github.io", "alice.github.io"),
        ("bob.github.io", "bob.github.io"),
        ("github.io", "github.io"),
        ("site001.test", "site001.test"),
        ("a.b.site001.test", "site001.test"),
        ("foo.invalid", "foo.invalid"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
    ],
)
def test_site_key(host: str, site: str) -> None:
    assert site_key(host) == site


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://a.example.co.uk/x", "example.co.uk"),
        ("http://alice.github.io:8080/", "alice.github.io"),
        ("https://[::1]/", "::1"),
        ("mailto:me@example.com", ""),
        ("../relative.md", ""),
    ],
)
def test_site_of_a_url_is_the_site_key_of_its_host(url: str, site: str) -> None:
    assert site_of(url) == site


def test_site_key_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("site_key tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    crawler.check.urls._public_suffixes.cache_clear()
    try:
        assert site_key("news.bbc.co.uk") == "bbc.co.uk"
    finally:
        crawler.check.urls._public_suffixes.cache_clear()


def _normalize_url_problem(url: str) -> str | None:
    try:
        normalize_url(url)
    except ValueError as error:
        return str(error)
    return None


_URL_PIECES = st.sampled_from(
    [*"abcXYZ019-_.:/?#@[]%&= ~", "http://", "https://", "www.", "xn--", "例子", "中", ":99999", ":443", "%E4", "\t"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_URL_PIECES, max_size=12).map(lambda pieces: "".join(["https://", *pieces])))
@example("https://a--b.example/")
@example("https://-a.example/")
@example("http://x.org:0/")
@example("https://1.2.3.4/")
@example("http://x.org:65535/")
@example("http://x.org:65536/")
@example("http://x.org:06553/")
@example("http://x.org:45837/a")
def test_url_problem_answers_as_normalize_url_does(url: str) -> None:
    assert url_problem(url) == _normalize_url_problem(url)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://x.org/a?b=1#c", None),
        ("https://例子.中国/路径", None),
        ("http://x.org:99999/", "Port out of range 0-65535"),
        ("https://exa mple.com/", "invalid host 'exa mple.com'"),
        ("https:///path", "no host"),
    ],
)
def test_url_problem_says_why_a_url_cannot_be_requested(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


_NORMAL_PIECES = st.sampled_from(
    [
        *"abcXYZ019-_.:/?#@[]%&=~'!$()*+,;\\\"<>^`{|} \t",
        "http://",
        "https://",
        "HTTP://",
        "www.",
        "xn--",
        "例子",
        ":80",
        ":443",
        ":8080",
        ":0",
        ":065",
        ":65535",
        ":65536",
        ":99999",
        "%E4",
        "%7e",
        "%41",
        "/./",
        "/../",
        ".com",
    ]
)


def _normalized_or_why(url: str) -> str:
    try:
        return crawler.check.urls._normalized(url)
    except ValueError as error:
        return f"ValueError: {error}"


def _normalize_or_why(url: str) -> str:
    try:
        return normalize_url(url)
    except ValueError as error:
        return f"ValueError: {error}"


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTPS://", ""]),
    st.lists(_NORMAL_PIECES, max_size=14),
)
@example("http://", ["x.org", ":80", "/a"])
@example("https://", ["x.org", ":443", "/a"])
@example("https://", ["x.org", ":65536", "/a"])
@example("https://", ["x.org/a?"])
@example("https://", ["x.org/it's?q='"])
@example("https://", ["a", "--", "b.org/"])
def test_urls_already_normal_skip_the_long_way_with_the_same_answer(scheme: str, pieces: list[str]) -> None:
    url = scheme + "".join(pieces)
    assert _normalize_or_why(url) == _normalized_or_why(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://site17362.bench:45837/2015/06/site17362-0-05574325",
        "https://example.com/",
        "https://a.b-c.example.org/path/to;x=1/(y)?q=1&r=a:b/c?d",
        "http://x.org:8080/a",
        "https://x.org:80/a",
    ],
)
def test_urls_already_normal_are_themselves(url: str) -> None:
    assert crawler.check.urls._NORMAL_HTTP_URL.fullmatch(url)
    assert normalize_url(url) == url == crawler.check.urls._normalized(url)
