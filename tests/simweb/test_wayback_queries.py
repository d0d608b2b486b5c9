"""CDX queries: filters, closest order, limits, and the queries the index cannot read."""

from __future__ import annotations

import pytest

from crawler.simweb import HostSpec, SimWayback
from tests.simweb.clients import ARTICLE, HOST, TS, cdx, cdx_rows, timestamps

HOSTS = [HostSpec(HOST)]  # served to this module by the `web` fixture, with `wayback` as its archive
pytestmark = pytest.mark.usefixtures("fresh_wayback")


@pytest.fixture
def spread(wayback: SimWayback) -> None:
    """Captures of ARTICLE over a year, with bad and unknown statuses among them."""
    wayback.add_capture(ARTICLE, "20230101000000")
    wayback.add_capture(ARTICLE, "20240301000000", status=404)
    wayback.add_capture(ARTICLE, "20240318000000")
    wayback.add_capture(ARTICLE, "20240325000000", status=None)
    wayback.add_capture(ARTICLE, "20240401000000", status=206)
    wayback.add_capture(ARTICLE, "20241231000000", kind="image", status=203)


def test_cdx_filter_is_a_full_match_repeatable_and_negatable(web, spread):
    def stamps(filters: str) -> list[str]:
        return timestamps(cdx_rows(web, f"url={ARTICLE}&output=json&{filters}"))

    assert stamps("filter=statuscode:20") == []  # full match, not a search
    assert stamps("filter=statuscode:20[036]") == [
        "20230101000000",
        "20240318000000",
        "20240401000000",
        "20241231000000",
    ]
    assert stamps("filter=!statuscode:20[036]") == ["20240301000000", "20240325000000"]
    assert stamps("filter=statuscode:20[036]&filter=mimetype:image/.*") == ["20241231000000"]


def test_cdx_closest_orders_by_distance_only_with_sort_closest(web, spread):
    near = timestamps(cdx_rows(web, f"url={ARTICLE}&output=json&closest=20240320&sort=closest"))
    assert near[:4] == ["20240318000000", "20240325000000", "20240401000000", "20240301000000"]
    assert timestamps(cdx_rows(web, f"url={ARTICLE}&output=json&closest=20240320"))[0] == "20230101000000"


def test_cdx_limit_keeps_the_first_n_or_with_a_minus_the_last_n(web, spread):
    query = f"url={ARTICLE}&output=json"
    assert timestamps(cdx_rows(web, f"{query}&limit=2")) == ["20230101000000", "20240301000000"]
    assert timestamps(cdx_rows(web, f"{query}&limit=-2")) == ["20240401000000", "20241231000000"]
    assert timestamps(cdx_rows(web, f"{query}&closest=20240320&sort=closest&limit=1")) == ["20240318000000"]


def test_cdx_queries_it_cannot_read_get_400(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    for bad in ("limit=many", "filter=statuscode:(", "filter=nofield:x", "closest=2024x&sort=closest"):
        reply = cdx(web, f"url={ARTICLE}&output=json&{bad}")
        assert reply.status == 400, bad
