"""Tests for crawler/check/classify.py: the verdict table of README.md, rule by rule,
and the labelled real-world pages of tests/data/real_world_pages.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

import crawler.check.classify
from crawler.check.classify import (
    assess,
    bot_challenge,
    is_bot_challenge,
    is_parked,
    is_soft_404,
    lands_on_home_page,
    not_found_evidence,
)
from crawler.check.site_rules import first_rule, parse_rules, shipped_rules
from crawler.models import Assessment, CheckResult, ErrorKind, Hop, Page, Verdict

URL = "https://example.com/2024/03/ai-weekly"


def checked(status: int | None = 200, **fields) -> CheckResult:
    fields.setdefault("final_url", URL)
    return CheckResult(url=fields.pop("url", URL), http_status=status, **fields)


def test_public_names_are_pinned():
    assert crawler.check.classify.__all__ == [
        "assess",
        "bot_challenge",
        "is_bot_challenge",
        "is_parked",
        "is_soft_404",
        "lands_on_home_page",
        "not_found_evidence",
    ]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (ErrorKind.NXDOMAIN, Verdict.BROKEN),
        (ErrorKind.CONNECTION_REFUSED, Verdict.BROKEN),
        (ErrorKind.REDIRECT_LOOP, Verdict.BROKEN),
        (ErrorKind.TOO_MANY_REDIRECTS, Verdict.BROKEN),
        (ErrorKind.TLS_WRONG_HOST, Verdict.BROKEN),
        (ErrorKind.INVALID_URL, Verdict.BROKEN),
        (ErrorKind.DNS_FAILURE, Verdict.UNREACHABLE),
        (ErrorKind.TIMEOUT, Verdict.UNREACHABLE),
        (ErrorKind.CONNECTION_RESET, Verdict.UNREACHABLE),
        (ErrorKind.TLS, Verdict.UNREACHABLE),
        (ErrorKind.OTHER, Verdict.UNREACHABLE),
        (ErrorKind.ADDRESS_REFUSED, Verdict.SKIPPED),
        (ErrorKind.EXCLUDED, Verdict.SKIPPED),
        (ErrorKind.UNSUPPORTED_SCHEME, Verdict.SKIPPED),
    ],
)
def test_error_decides_the_verdict(error: ErrorKind, verdict: Verdict):
    assert assess(checked(None, error=error)).verdict == verdict


def test_every_error_kind_has_a_verdict():
    for error in ErrorKind:
        assert assess(checked(None, error=error)).reason


def test_nxdomain_reason_names_it():
    assert assess(checked(None, error=ErrorKind.NXDOMAIN)) == Assessment(
        Verdict.BROKEN, "name does not resolve (NXDOMAIN)"
    )


def test_timeout_reason():
    assert assess(checked(None, error=ErrorKind.TIMEOUT)).reason == "timed out"


def test_reasons_come_with_their_chinese():
    assert assess(checked(404)).translations == {"zh": "404 未找到"}
    assert assess(checked(None, error=ErrorKind.NXDOMAIN)).translations == {"zh": "域名无法解析（NXDOMAIN）"}
    assert assess(checked(page=Page(title="页面不存在"))).translations == {"zh": "软 404：标题为“页面不存在”"}


def test_no_status_and_no_error_is_unreachable():
    assert assess(checked(None)).verdict == Verdict.UNREACHABLE


# ---------------------------------------------------------------- statuses


def test_200_is_ok():
    assert assess(checked(200)) == Assessment(Verdict.OK, "200 OK")


def test_404_is_broken():
    assert assess(checked(404)) == Assessment(Verdict.BROKEN, "404 Not Found")


def test_410_is_broken():
    assert assess(checked(410)) == Assessment(Verdict.BROKEN, "410 Gone")


def test_other_4xx_is_broken():
    assert assess(checked(451)).verdict == Verdict.BROKEN


@pytest.mark.parametrize("status", [401, 403, 429])
def test_refusing_status_is_blocked(status: int):
    assert assess(checked(status)).verdict == Verdict.BLOCKED


def test_999_is_blocked_as_request_denied():
    assert assess(checked(999)) == Assessment(Verdict.BLOCKED, "request denied (999)")


def test_5xx_is_unreachable():
    assert assess(checked(503)) == Assessment(Verdict.UNREACHABLE, "503 Service Unavailable")


def test_nonstandard_5xx_is_unreachable():
    assert assess(checked(522)) == Assessment(Verdict.UNREACHABLE, "HTTP 522")


def test_3xx_left_unfollowed_is_broken():
    assert assess(checked(302)).verdict == Verdict.BROKEN


def test_unexpected_status_is_unreachable():
    assert assess(checked(102)).verdict == Verdict.UNREACHABLE


# ------------------------------------------------------------- redirects


def test_permanent_redirect_is_redirected():
    result = checked(
        url="http://example.com/old",
        final_url="https://example.com/new",
        redirects=(Hop("http://example.com/old", 301),),
    )
    assert assess(result) == Assessment(Verdict.REDIRECTED, "redirected permanently to https://example.com/new")


def test_308_in_a_longer_chain_is_redirected():
    redirects = (Hop("http://example.com/a", 302), Hop("https://example.com/a", 308))
    result = checked(url="http://example.com/a", redirects=redirects)
    assert assess(result).verdict == Verdict.REDIRECTED


def test_temporary_redirect_is_ok():
    result = checked(redirects=(Hop(URL, 302),))
    assert assess(result).verdict == Verdict.OK


def test_deep_link_sent_to_home_page_is_broken():
    result = checked(
        url="https://example.com/blog/post",
        final_url="https://www.example.com/",
        redirects=(Hop("https://example.com/blog/post", 301),),
    )
    assert assess(result) == Assessment(Verdict.BROKEN, "deep link redirected to the home page")


# ------------------------------------------------------- lands_on_home_page


def test_deep_link_to_root_of_same_host_lands_home():
    assert lands_on_home_page("https://example.com/a/b", "https://example.com/")


def test_www_difference_is_the_same_site():
    assert lands_on_home_page("https://www.example.com/a", "https://example.com")


def test_subdomain_sent_to_main_site_lands_home():
    assert lands_on_home_page("https://blog.example.co.uk/a", "https://example.co.uk/")


@pytest.mark.parametrize("home", ["/index.html", "/index.php", "/home", "/Home/", "/?from=404"])
def test_index_pages_count_as_home(home: str):
    assert lands_on_home_page("https://example.com/a", f"https://example.com{home}")


def test_link_to_home_page_is_not_sent_home():
    assert not lands_on_home_page("http://example.com", "https://www.example.com/")
    assert not lands_on_home_page("https://example.com/index.php", "http://example.com")


def test_query_link_sent_to_bare_root_lands_home():
    assert lands_on_home_page("https://example.com/?p=123", "https://example.com/")


def test_query_link_kept_at_root_with_a_query_does_not_land_home():
    link = "https://example.com/?p=123"
    assert not lands_on_home_page(link, f"{link}&lang=en")


def test_redirect_to_another_site_root_is_not_home():
    assert not lands_on_home_page("https://example.com/a", "https://example.org/")


def test_separate_github_pages_sites_are_not_one_site():
    assert not lands_on_home_page("https://alice.github.io/a", "https://bob.github.io")


def test_redirect_to_another_deep_page_is_not_home():
    assert not lands_on_home_page("https://example.com/a", "https://example.com/b/")


def test_ip_hosts_land_home_too():
    assert lands_on_home_page("http://127.0.0.1:8001/x", "http://127.0.0.1:8001/")


def test_reserved_test_domains_count_as_one_site_with_their_www():
    assert lands_on_home_page("http://www.gone.test/a/b", "http://gone.test/")


# -------------------------------------------------------------- soft 404s


@pytest.mark.parametrize(
    "title",
    [
        "Page Not Found | Example",
        "404",
        "404 Not Found",
        "Error 404 (Not Found)!!1",
        "410 Gone",
        "Oops! That page can’t be found. – Example Blog",
        "Sorry, the page you are looking for doesn't exist",
        "This content is no longer available",
        "页面不存在",
        "404 页面不存在 - 某网站",
        "找不到页面",
        "页面未找到_新浪网",
        "抱歉，您访问的页面不存在",
        "该内容已被删除",
        "该内容已被发布者删除",
        "404错误-百度",
        "頁面不存在",
    ],
)
def test_not_found_title_is_soft_404(title: str):
    assert is_soft_404(Page(title=title))


@pytest.mark.parametrize(
    "title",
    [
        "404 Media: independent journalism",
        "Why 404 errors matter",
        "Not Found: the story of lost media",
        "Gone Girl",
        "Nothing Found",
        "不存在的恋人",
        "为什么404页面很重要",
        "Welcome",
    ],
)
def test_title_that_merely_mentions_not_found_is_not_soft_404(title: str):
    assert not is_soft_404(Page(title=title))


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        ("页面不存在？一文读懂 HTTP 404", "页面不存在？"),
        ("Page not found? Here is what a 404 means | Blog", "Page not found?"),
    ],
)
def test_question_about_not_found_is_not_soft_404(title: str, heading: str):
    assert not is_soft_404(Page(title=title, heading=heading))


def test_not_found_heading_is_soft_404():
    assert not_found_evidence(Page(title="Example Blog", heading="404")) == ("heading says “404”")


def test_page_without_title_or_heading_is_not_soft_404():
    assert not is_soft_404(Page(text="page not found"))


def test_soft_404_is_broken_and_quotes_the_title():
    result = checked(page=Page(title="页面不存在"))
    assert assess(result) == Assessment(Verdict.BROKEN, "soft 404: title says “页面不存在”")


def test_long_title_is_shortened_in_the_reason():
    title = "Page not found | " + "very long site name " * 10
    reason = assess(checked(page=Page(title=title))).reason
    assert reason.endswith("…”")
    assert len(reason) < 120


# ----------------------------------------------------------- parked domains


@pytest.mark.parametrize(
    "page",
    [
        Page(title="example.com is for sale | Sedo"),
        Page(title="example.com - This domain may be for sale!"),
        Page(title="example.com", text="Buy this domain. The owner is asking $2,500."),
        Page(text="This Web page is parked FREE, courtesy of GoDaddy.com."),
        Page(text="The Sponsored Listings displayed above are served automatically by a third party."),
        Page(title="x.example", text="There are millions of other domains available on DAN.COM."),
        Page(title="The domain name wap.in is for sale | Dan.com"),
        Page(title="x.example", heading="This domain is for sale"),
        Page(title="Domain Parked"),
        Page(title="此域名出售"),
        Page(text="该域名正在出售，请联系"),
    ],
)
def test_domain_for_sale_page_is_parked(page: Page):
    assert is_parked(page, {})


def test_parking_service_header_marks_parked():
    assert is_parked(Page(title="example.com"), {"x-adblock-key": "MFww..."})


def test_long_article_about_domain_sales_is_not_parked():
    text = "When the seller wrote 'this domain is for sale', buyers came. " * 20
    assert not is_parked(Page(title="Inside the domain aftermarket", text=text), {})


@pytest.mark.parametrize(
    "page",
    [
        Page(title="GoDaddy to acquire Afternic: what it means for parked domains"),
        Page(title="Why your domain name is parked"),
        Page(title="Is this domain for sale? How to find out"),
        Page(title="域名出售的五个技巧"),
        Page(title="Domain parking - Wikipedia"),
        Page(title="Brief", text="GoDaddy buys Afternic; HugeDomains, Sedo and Bodis react."),
        Page(title="Brief", text="Dan.com joins GoDaddy. ParkingCrew adds new ad formats."),
    ],
)
def test_page_that_only_mentions_parking_is_not_parked(page: Page):
    assert not is_parked(page, {})


def test_sitekey_header_on_a_full_page_is_not_parking():
    article = Page(title="Recipes", text="Whisk the eggs with the sugar until pale. " * 40)
    assert not is_parked(article, {"x-adblock-key": "MFww..."})


def test_place_names_are_not_parking_services():
    page = Page(title="Sedona hiking guide", text="Trails near Sedona.")
    assert not is_parked(page, {})


def test_parked_domain_is_broken():
    result = checked(page=Page(title="example.com is for sale"))
    assert assess(result) == Assessment(Verdict.BROKEN, "parked domain")


# ----------------------------------------------------------- bot challenges


def test_cloudflare_challenge_header_is_a_bot_challenge():
    assert bot_challenge(None, {"cf-mitigated": "challenge"}) == "Cloudflare"


@pytest.mark.parametrize(
    ("title", "provider"),
    [
        ("Just a moment...", "Cloudflare"),
        ("Just a moment…", "Cloudflare"),
        ("Attention Required! | Cloudflare", "Cloudflare"),
        ("请稍候…", "Cloudflare"),
        ("DDoS-Guard", "DDoS-Guard"),
        ("百度安全验证", "Baidu"),
    ],
)
def test_challenge_title_names_the_service(title: str, provider: str):
    assert bot_challenge(Page(title=title), {}) == provider


def test_challenge_wording_in_text_is_a_bot_challenge():
    page = Page(text="Checking your browser before accessing example.com.")
    assert is_bot_challenge(page, {})


def test_article_titled_a_moment_is_not_a_challenge():
    page = Page(title="Just a moment of silence")
    assert not is_bot_challenge(page, {"server": "cloudflare"})


def test_challenge_with_200_is_blocked():
    result = checked(200, page=Page(title="Just a moment..."))
    assert assess(result) == Assessment(Verdict.BLOCKED, "bot challenge (Cloudflare)")


def test_challenge_with_503_is_blocked_not_unreachable():
    result = checked(503, headers={"cf-mitigated": "challenge"})
    assert assess(result).verdict == Verdict.BLOCKED


def test_cloudflare_firewall_rule_title_is_a_bot_challenge():
    title = "Access denied | example.com used Cloudflare to restrict access"
    assert bot_challenge(Page(title=title), {}) == "Cloudflare"


def test_aws_waf_captcha_header_is_a_bot_challenge():
    assert bot_challenge(Page(), {"x-amzn-waf-action": "captcha"}) == "AWS WAF"


# ------------------------------------------------------------- site rules


def test_site_rule_decides_before_the_status():
    result = checked(410, url="https://medium.com/@someone/story-1", final_url="https://medium.com/@someone/story-1")
    assert assess(result) == Assessment(Verdict.BROKEN, "Medium: the author deleted this story")


def test_site_rule_turns_a_200_page_broken():
    result = checked(200, url="https://mp.weixin.qq.com/s/x", final_url=None, page=Page(text="该内容已被发布者删除"))
    assert assess(result) == Assessment(Verdict.BROKEN, "WeChat: the author deleted this article")
    assert assess(result).translations == {"zh": "微信：作者已删除这篇文章"}


def test_given_rules_replace_the_shipped_ones():
    rules = parse_rules(
        """
        [[rule]]
        name = "intranet-login"
        hosts = ["example.com"]
        final_url = "/login"
        verdict = "blocked"
        reason = "Example: the article is behind the staff login"
        """,
        "my-rules.toml",
    )
    result = checked(200, final_url="https://example.com/login?next=/2024/03/ai-weekly")
    assert assess(result, rules) == Assessment(Verdict.BLOCKED, "Example: the article is behind the staff login")
    medium = checked(410, url="https://medium.com/@someone/story-1", final_url=None)
    assert assess(medium, rules) == Assessment(Verdict.BROKEN, "410 Gone")


def test_bot_challenge_comes_before_site_rules():
    result = checked(200, url="https://github.com/a/b", final_url=None, page=Page(title="Just a moment..."))
    assert assess(result).verdict == Verdict.BLOCKED


# ---------------------------------------------------- real-world pages

REAL_WORLD = Path(__file__).parents[1] / "data" / "real_world_pages.toml"
PAGES: list[dict[str, Any]] = tomllib.loads(REAL_WORLD.read_text(encoding="utf-8"))["page"]


def recorded(entry: dict[str, Any]) -> CheckResult:
    """The CheckResult the link spider would have made of a recorded page."""
    page = Page(title=entry.get("title"), heading=entry.get("heading"), text=entry.get("text", ""))
    return CheckResult(
        url=entry["url"],
        http_status=entry["status"],
        final_url=entry.get("final_url", entry["url"]),
        redirects=tuple(Hop(hop["url"], hop["status"]) for hop in entry.get("redirects", [])),
        page=page,
        headers=entry.get("headers", {}),
    )


def test_the_corpus_is_large_and_bilingual():
    assert len(PAGES) >= 60
    assert {entry["lang"] for entry in PAGES} == {"en", "zh"}
    assert all(entry.get("source") for entry in PAGES)


@pytest.mark.parametrize("entry", PAGES, ids=[entry["what"] for entry in PAGES])
def test_real_world_page_is_judged_right(entry: dict[str, Any]):
    result = recorded(entry)
    assessment = assess(result)
    assert assessment.verdict == Verdict(entry["expect"]), assessment.reason
    rule = first_rule(shipped_rules(), result)
    assert (rule.name if rule else None) == entry.get("rule")


@pytest.mark.parametrize(
    "page",
    [
        Page(title="This Domain Name Has Expired - Renewal Instructions."),
        Page(text="NOTICE: This domain name expired on 2/12/2019 and is pending renewal or deletion."),
        Page(text="saurabh-kumar.com has expired."),
        Page(text="提示：该域名已过期，不能正常访问，续费后可恢复使用。"),
    ],
)
def test_a_registrar_expiry_notice_is_a_parked_domain(page: Page) -> None:
    result = CheckResult("https://misoproject.com/", http_status=200, final_url="https://misoproject.com/", page=page)
    assert assess(result).verdict is Verdict.BROKEN


def test_an_article_about_expired_domains_is_live() -> None:
    text = "How we lost our domain: the registrar's notice said example.org has expired. " * 20
    page = Page(title="How we lost our domain", text=text)
    result = CheckResult(
        "https://blog.example.com/lost", http_status=200, final_url="https://blog.example.com/lost", page=page
    )
    assert assess(result).verdict is Verdict.OK
