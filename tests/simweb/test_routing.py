"""Which behaviour answers a request: virtual hosts, mount points, whole-site scenarios, generic pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from crawler.simweb import HOME_TITLE, fallback_title
from crawler.simweb.routing import host_name, route
from tests.simweb.clients import HOST, SITES, fetch, follow

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


def test_routes_by_host_header_and_serves_any_path(web):
    reply = fetch(web.url("site002.test", "/any/path?x=1"))
    assert reply.status == 200
    assert reply.title == fallback_title("site002.test", "/any/path") == "Page /any/path on site002.test"
    assert fetch(web.url(HOST)).title == HOME_TITLE


def test_unknown_hosts_and_scenarios_are_refused_not_served(web):
    assert fetch(f"http://elsewhere.test:{web.port}/").status == 421
    assert fetch(web.url(HOST, "/s/no-such-scenario")).status == 404


def test_deep_links_of_the_moved_site_land_on_its_home_page(web):
    statuses, final_url, reply = follow(web.url("home-redirect.test", "/2023/any/old/story"))
    assert statuses == [301, 200] and urlsplit(final_url).path == "/" and reply.title == HOME_TITLE


def test_parked_domain_is_parked_on_every_path(web):
    body = fetch(web.url("parked-domain.test", "/whatever")).body
    assert b"This domain is for sale" in body and b"sedoparking.com" in body


def test_gen_paths_mint_unique_urls_that_behave_like_the_scenario(web):
    assert fetch(web.url(HOST, "/gen/not-found/12345")).status == 404
    loop_start = web.url(HOST, "/gen/redirect-loop/7")
    assert fetch(loop_start).headers["location"] == loop_start + "/b"
    assert fetch(web.url(HOST, "/gen/ok-utf8/9")).title == web.expected("ok-utf8").title


def test_the_host_header_names_the_site_without_port_case_or_final_dot():
    assert host_name("Site001.TEST:8080") == host_name("site001.test.") == "site001.test"


def test_scenarios_are_mounted_under_s_and_gen_and_whole_sites_answer_every_path():
    _, base, rest = route(HOST, "/gen/redirect-loop/7/b")
    assert (base, rest) == ("/gen/redirect-loop/7", "/b")
    assert route(HOST, "/s/chain-301-302/step2")[1:] == ("/s/chain-301-302", "/step2")
    assert route("parked-domain.test", "/any/path")[1:] == ("", "/any/path")
