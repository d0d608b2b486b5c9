"""TimeMaps, memento choice, raw URLs and refusals, on excerpts of real TimeMaps (sources on each)."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.errors import ArchiveAnswerError
from crawler.models import Page
from crawler.wayback.archives import WAYBACK_RAW
from crawler.wayback.memento import (
    Memento,
    TimeMap,
    TimeMapPage,
    choose_mementos,
    next_pages,
    original_in,
    parse_link_format,
    parse_timemap,
    raw_memento_url,
    reader_url,
    refusal_of,
)

# RFC 7089 section 5 (https://www.rfc-editor.org/rfc/rfc7089.txt), its example TimeMap:
# parameters on the lines after their link, a license on each memento.
RFC_7089_TIMEMAP = """<http://a.example.org>;rel="original",
<http://arxiv.example.net/timemap/http://a.example.org>
  ; rel="self";type="application/link-format"
  ; from="Tue, 20 Jun 2000 18:02:59 GMT"
  ; until="Wed, 09 Apr 2008 20:30:51 GMT",
<http://arxiv.example.net/timegate/http://a.example.org>
  ; rel="timegate",
<http://arxiv.example.net/web/20000620180259/http://a.example.org>
  ; rel="first memento";datetime="Tue, 20 Jun 2000 18:02:59 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20091027204954/http://a.example.org>
   ; rel="last memento";datetime="Tue, 27 Oct 2009 20:49:54 GMT"
   ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20000621011731/http://a.example.org>
  ; rel="memento";datetime="Wed, 21 Jun 2000 01:17:31 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20000621044156/http://a.example.org>
  ; rel="memento";datetime="Wed, 21 Jun 2000 04:41:56 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/"
"""

# arquivo.pt's own example (github.com/arquivo/pwa-technologies/wiki, "Memento API URL Search in
# Arquivo.pt"), its first mementos: a space before the line break, the original after "self".
ARQUIVO_TIMEMAP = "\n".join(
    [
        '<http://arquivo.pt/wayback/timemap/link/http://www.google.pt>; rel="self"; type="application/link-format"; '
        'from="Tue, 29 Feb 2000 03:17:20 GMT", ',
        '<http://www.google.pt>; rel="original", ',
        '<http://arquivo.pt/wayback/http://www.google.pt>; rel="timegate",',
        '<http://arquivo.pt/wayback/20000229031720/http://www.google.pt/>; rel="memento"; '
        'datetime="Tue, 29 Feb 2000 03:17:20 GMT", ',
        '<http://arquivo.pt/wayback/20000510144318/http://www.google.pt/>; rel="memento"; '
        'datetime="Wed, 10 May 2000 14:43:18 GMT", ',
        '<http://arquivo.pt/wayback/20000610061337/http://www.google.pt/>; rel="memento"; '
        'datetime="Sat, 10 Jun 2000 06:13:37 GMT"',
    ]
)

# pywb's TimeMap as its tests pin it (webrecorder/pywb tests/test_memento.py, test_timemap).
PYWB_TIMEMAP = """\
<http://localhost:80/pywb/timemap/*/http://example.com?example=1>; \
rel="self"; type="application/link-format"; from="Fri, 03 Jan 2014 03:03:21 GMT",
<http://example.com?example=1>; rel="original",
<http://localhost:80/pywb/http://example.com?example=1>; rel="timegate",
<http://localhost:80/pywb/20140103030321/http://example.com?example=1>; \
rel="memento"; datetime="Fri, 03 Jan 2014 03:03:21 GMT",
<http://localhost:80/pywb/20140103030341/http://example.com?example=1>; \
rel="memento"; datetime="Fri, 03 Jan 2014 03:03:41 GMT\""""

# The W3C wiki's Link header for its LinkHeader page, as a link-header parser's test keeps it
# (a real answer: rel with two values, a TimeMap with from/until, host-relative targets).
W3C_WIKI_LINKS = (
    '<//www.w3.org/wiki/LinkHeader>; rel="original latest-version",'
    '<//www.w3.org/wiki/Special:TimeGate/LinkHeader>; rel="timegate",'
    '<//www.w3.org/wiki/Special:TimeMap/LinkHeader>; rel="timemap"; type="application/link-format"; '
    'from="Mon, 03 Sep 2007 14:52:48 GMT"; until="Tue, 16 Jun 2015 22:59:23 GMT",'
    '<//www.w3.org/wiki/index.php?title=LinkHeader&oldid=10152>; rel="first memento"; '
    'datetime="Mon, 03 Sep 2007 14:52:48 GMT",'
    '<//www.w3.org/wiki/index.php?title=LinkHeader&oldid=84697>; rel="last memento"; '
    'datetime="Tue, 16 Jun 2015 22:59:23 GMT"'
)

# RFC 7089 section 5.1.1's paged TimeMap: the first page, linking to the two others.
RFC_7089_PAGE_1 = """<http://a.example.org>;rel="original",
<http://arxiv.example.net/timegate/http://a.example.org>
  ; rel="timegate",
<http://arxiv.example.net/timemap/1/http://a.example.org>
  ; rel="self";type="application/link-format"
  ; from="Tue, 20 Jun 2000 18:02:59 GMT"
  ; until="Wed, 09 Apr 2008 20:30:51 GMT",
<http://arxiv.example.net/timemap/2/http://a.example.org>
  ; rel="timemap";type="application/link-format"
  ; from="Thu, 10 Apr 2008 20:30:51 GMT"
  ; until="Tue, 27 Oct 2009 20:49:54 GMT",
<http://arxiv.example.net/timemap/3/http://a.example.org>
  ; rel="timemap";type="application/link-format"
  ; from="Thu, 29 Oct 2009 20:30:51 GMT"
  ; until="Fri, 31 Aug 2012 12:22:34 GMT",
<http://arxiv.example.net/web/20000620180259/http://a.example.org>
  ; rel="memento";datetime="Tue, 20 Jun 2000 18:02:59 GMT",
<http://arxiv.example.net/web/20000621011731/http://a.example.org>
  ; rel="memento";datetime="Wed, 21 Jun 2000 01:17:31 GMT"
"""


# Link-format.


def test_links_keep_their_targets_relations_and_parameters_across_lines():
    links = parse_link_format(RFC_7089_TIMEMAP)
    assert [sorted(link.rels) for link in links[:4]] == [
        ["original"],
        ["self"],
        ["timegate"],
        ["first", "memento"],
    ]
    assert links[1].params == {
        "type": "application/link-format",
        "from": "Tue, 20 Jun 2000 18:02:59 GMT",
        "until": "Wed, 09 Apr 2008 20:30:51 GMT",
    }
    assert links[3].params["license"] == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_quoted_values_may_hold_commas_semicolons_and_escapes():
    (link,) = parse_link_format('<http://a.example/x,y>; title="a, b; \\"c\\""; rel=MEMENTO; flag')
    assert link.target == "http://a.example/x,y"
    assert link.params == {"title": 'a, b; "c"', "flag": ""}
    assert link.rels == {"memento"}


def test_several_relation_types_in_one_rel():
    links = parse_link_format(W3C_WIKI_LINKS)
    assert links[0].rels == {"original", "latest-version"}
    assert links[3].rels == {"first", "memento"}


def test_an_empty_body_has_no_links():
    assert parse_link_format(" \n ") == []


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><title>Please complete the security check</title>",
        '{"mementos": []}',
        '<http://a.example>; rel="memento',
        "<http://a.example",
        '<http://a.example>; rel="original" <http://b.example>',
    ],
)
def test_what_is_not_link_format_is_the_archives_error(text):
    with pytest.raises(ArchiveAnswerError):
        parse_link_format(text)


# TimeMaps.


def test_the_rfc_example_timemap():
    timemap = parse_timemap(RFC_7089_TIMEMAP, "http://arxiv.example.net/timemap/http://a.example.org")
    assert timemap.original == "http://a.example.org"
    assert [m.timestamp for m in timemap.mementos] == [
        "20000620180259",
        "20091027204954",
        "20000621011731",
        "20000621044156",
    ]
    assert timemap.mementos[0].url == "http://arxiv.example.net/web/20000620180259/http://a.example.org"
    assert timemap.pages == ()  # "self" is this page, not another


def test_arquivo_pt_timemap():
    timemap = parse_timemap(ARQUIVO_TIMEMAP.encode(), "https://arquivo.pt/wayback/timemap/link/http://www.google.pt")
    assert timemap.original == "http://www.google.pt"
    assert timemap.mementos[1] == Memento(
        "http://arquivo.pt/wayback/20000510144318/http://www.google.pt/", "20000510144318"
    )
    assert len(timemap.mementos) == 3


def test_pywb_timemap():
    timemap = parse_timemap(PYWB_TIMEMAP, "http://localhost:80/pywb/timemap/*/http://example.com?example=1")
    assert [m.timestamp for m in timemap.mementos] == ["20140103030321", "20140103030341"]


def test_relative_targets_are_resolved_against_the_timemap():
    timemap = parse_timemap(W3C_WIKI_LINKS, "https://www.w3.org/wiki/Special:TimeMap/LinkHeader")
    assert timemap.original == "https://www.w3.org/wiki/LinkHeader"
    assert timemap.mementos[0].url == "https://www.w3.org/wiki/index.php?title=LinkHeader&oldid=10152"
    assert timemap.pages == ()  # the link to the TimeMap itself is not another page


def test_a_memento_without_a_date_is_left_out_not_the_timemap():
    body = '<http://m.example/1>; rel="memento"; datetime="yesterday",\n<http://m.example/2>; rel="memento"; '
    body += 'datetime="Wed, 20 Mar 2024 12:00:00 GMT"'
    assert parse_timemap(body, "http://m.example/tm").mementos == (Memento("http://m.example/2", "20240320120000"),)


def test_a_timemap_that_is_not_utf8_is_the_archives_error():
    with pytest.raises(ArchiveAnswerError, match="UTF-8"):
        parse_timemap(b"<http://a.example>; rel=\xff", "http://a.example/tm")


def test_paged_timemaps_name_their_other_pages_with_ranges():
    timemap = parse_timemap(RFC_7089_PAGE_1, "http://arxiv.example.net/timemap/1/http://a.example.org")
    assert timemap.pages == (
        TimeMapPage("http://arxiv.example.net/timemap/2/http://a.example.org", "20080410203051", "20091027204954"),
        TimeMapPage("http://arxiv.example.net/timemap/3/http://a.example.org", "20091029203051", "20120831122234"),
    )
    json_twin = '<http://a.example/tm.json>; rel="timemap"; type="application/json"'
    assert parse_timemap(json_twin, "http://a.example/tm").pages == ()


def test_the_page_holding_the_issue_date_is_read_first():
    timemap = parse_timemap(RFC_7089_PAGE_1, "http://arxiv.example.net/timemap/1/http://a.example.org")

    def numbers(pages: list[TimeMapPage]) -> list[str]:
        return [page.url.split("/timemap/")[1][0] for page in pages]

    later = next_pages(timemap, date(2011, 5, 1), seen=[])
    assert numbers(later) == ["3", "2"]
    assert numbers(next_pages(timemap, None, seen=[])) == ["2", "3"]
    assert next_pages(timemap, date(2011, 5, 1), seen=[later[0].url]) == [later[1]]
    assert numbers(next_pages(timemap, date(2009, 10, 28), seen=[])) == ["2", "3"]  # a day after page 2 ends
    assert numbers(next_pages(timemap, date(2013, 1, 1), seen=[])) == ["3", "2"]


def test_a_page_farther_from_the_date_than_a_memento_held_is_not_read():
    timemap = parse_timemap(RFC_7089_PAGE_1, "http://arxiv.example.net/timemap/1/http://a.example.org")
    held = timemap.mementos  # June 2000
    assert next_pages(timemap, date(2000, 7, 1), seen=[], held=held) == []
    nearer = next_pages(timemap, date(2009, 1, 1), seen=[], held=held)
    assert [page.start for page in nearer] == ["20080410203051", "20091029203051"]


def test_a_page_without_a_range_is_read_last():
    body = '<http://a.example/tm/2>; rel="timemap", '
    body += '<http://a.example/tm/3>; rel="timemap"; until="Tue, 01 Jan 2019 00:00:00 GMT"'
    timemap = parse_timemap(body, "http://a.example/tm/1")
    assert [page.url[-1] for page in next_pages(timemap, date(2024, 1, 1), seen=[])] == ["3", "2"]


# Choosing.


def mementos(*timestamps: str) -> list[Memento]:
    return [Memento(f"https://arch.example/{ts}/https://gone.example/a", ts) for ts in timestamps]


def test_the_memento_closest_before_the_issue_date_comes_first_then_the_closest_after():
    found = mementos("20240301000000", "20240327235959", "20240402000000", "20240328000001", "20231201000000")
    chosen = choose_mementos(found, date(2024, 3, 27), limit=4)
    assert [m.timestamp for m in chosen] == ["20240327235959", "20240301000000", "20231201000000", "20240328000001"]


def test_without_an_earlier_memento_the_earliest_after_comes_first():
    chosen = choose_mementos(mementos("20240601000000", "20240405000000"), date(2024, 3, 27), limit=3)
    assert [m.timestamp for m in chosen] == ["20240405000000", "20240601000000"]


def test_without_a_date_the_newest_comes_first_and_repeats_count_once():
    repeated = [*mementos("20200101000000", "20220101000000"), *mementos("20220101000000")]
    chosen = choose_mementos(repeated, None, limit=5)
    assert [m.timestamp for m in chosen] == ["20220101000000", "20200101000000"]
    assert choose_mementos([], date(2024, 1, 1), limit=3) == []


# Raw bytes and the URLs shown.


def test_wayback_software_mementos_are_fetched_raw_with_id_():
    url = "https://webarchive.loc.gov/all/20160110110238/https://www.whitehouse.gov/"
    assert (
        raw_memento_url(url, WAYBACK_RAW)
        == "https://webarchive.loc.gov/all/20160110110238id_/https://www.whitehouse.gov/"
    )
    flagged = "http://arquivo.pt/wayback/20000229031720im_/http://www.google.pt/"
    assert raw_memento_url(flagged, WAYBACK_RAW) == "http://arquivo.pt/wayback/20000229031720id_/http://www.google.pt/"


def test_an_archive_with_its_own_raw_form():
    template = "https://arquivo.pt/noFrame/replay/{timestamp}id_/{original}"
    url = "http://arquivo.pt/wayback/20120201160355/http://publico.pt/"
    assert raw_memento_url(url, template) == "https://arquivo.pt/noFrame/replay/20120201160355id_/http://publico.pt/"


def test_archive_today_mementos_and_short_urls_are_fetched_as_they_are():
    url = "https://archive.is/19980130085039/http://www.kernel.org/"
    assert raw_memento_url(url, None) == url
    assert raw_memento_url("https://archive.is/EJoGi", WAYBACK_RAW) == "https://archive.is/EJoGi"


def test_readers_get_the_memento_without_the_raw_flag():
    assert reader_url("https://m.example/web/20240320120000id_/https://gone.example/a?b=1") == (
        "https://m.example/web/20240320120000/https://gone.example/a?b=1"
    )
    assert reader_url("https://archive.is/EJoGi") == "https://archive.is/EJoGi"
    assert original_in("https://m.example/web/20240320120000id_/https://gone.example/") == "https://gone.example/"
    assert original_in("https://archive.is/EJoGi") is None


# Refusals.


def test_a_429_is_a_refusal_whatever_it_says():
    assert "429" in (refusal_of(429, {}, None) or "")


def test_a_captcha_page_is_a_refusal():
    captcha = Page(title="archive.today", text="Please complete the security check. Completing the CAPTCHA ...")
    assert "CAPTCHA" in (refusal_of(200, {"content-type": "text/html"}, captcha) or "")
    cloudflare = Page(title="Just a moment...")
    assert "Cloudflare" in (refusal_of(403, {}, cloudflare) or "")


def test_a_memento_or_an_ordinary_answer_is_no_refusal():
    captcha_article = Page(title="How CAPTCHA works")
    assert refusal_of(200, {"memento-datetime": "Wed, 20 Mar 2024 12:00:00 GMT"}, captcha_article) is None
    assert refusal_of(404, {}, Page(title="Not found")) is None
    assert refusal_of(503, {}, None) is None


def test_the_timemap_value_is_what_the_spider_reads():
    timemap = parse_timemap("", "http://a.example/tm")
    assert timemap == TimeMap(None, ())
